"""BlockStore over a plain dict standing in for the Faust table: a crash inside apply is finished on reopening."""

from __future__ import annotations

import pytest

from talkwire.streams.cluster_store import BlockStore, DerivedEntries, decode_changes, encode_changes


class CrashingTable(dict):
    """A table whose process dies (raises) at its ``after``-th write of a block key."""

    def __init__(self, *args, after: int) -> None:
        super().__init__(*args)
        self.after = after

    def __setitem__(self, key: str, value: bytes) -> None:
        if not key.startswith("~redo/"):
            self.after -= 1
            if self.after < 0:
                raise SystemExit("killed")
        super().__setitem__(key, value)


def test_changes_round_trip_with_deletions_and_binary_values() -> None:
    changes = {"m/a": b'{"x": 1}', "b/\u00e9": b"\x00\xff", "gone": None, "empty": b""}
    assert decode_changes(encode_changes(changes)) == changes


@pytest.mark.parametrize("crash_after", [0, 1, 2])
def test_an_apply_cut_short_is_redone_when_the_block_is_opened(crash_after: int) -> None:
    table = CrashingTable({"ev/old": b"1", "ev/keep": b"k"}, after=crash_after)
    store = BlockStore.open(table, "ev")
    store["new1"], store["new2"], store["new3"] = b"n1", b"n2", b"n3"
    del store["old"]
    with pytest.raises(SystemExit):
        store.apply()
    table.after = 10**6  # the restarted worker
    reopened = BlockStore.open(table, "ev")
    assert dict(table) == {"ev/keep": b"k", "ev/new1": b"n1", "ev/new2": b"n2", "ev/new3": b"n3"}
    assert dict(reopened.items()) == {"keep": b"k", "new1": b"n1", "new2": b"n2", "new3": b"n3"}


def test_a_completed_apply_leaves_no_redo_record() -> None:
    table: dict[str, bytes] = {}
    store = BlockStore.open(table, "ev")
    store["a"] = b"1"
    assert store.apply() == 1
    assert table == {"ev/a": b"1"}


# --------------------------------------------------------------------------- derived entries


def upper_of_values(store) -> dict[str, bytes]:
    """Stands in for clustering's band postings: "x/<k>" is derived from "v/<k>"."""
    return {"x/" + key[2:]: store[key].upper() for key in store if key.startswith("v/")}


def derived() -> DerivedEntries:
    return DerivedEntries("x/", upper_of_values)


def step(table, entries: DerivedEntries, name: str, value: bytes) -> BlockStore:
    store = BlockStore.open(table, "ev", entries)
    store["v/" + name], store["x/" + name] = value, value.upper()
    store.apply()
    return store


def test_derived_entries_stay_out_of_the_table_and_are_read_from_memory() -> None:
    table: dict[str, bytes] = {}
    entries = derived()
    step(table, entries, "a", b"one")
    assert "ev/x/a" not in table and table["ev/v/a"] == b"one"
    assert BlockStore.open(table, "ev", entries)["x/a"] == b"ONE"
    assert entries.entries == {"x/a": b"ONE"}


def test_a_restarted_worker_rebuilds_the_derived_entries_from_the_table() -> None:
    table: dict[str, bytes] = {}
    step(table, derived(), "a", b"one")
    step(table, derived(), "b", b"two")  # each step in a new process: nothing carried over in memory
    reopened = BlockStore.open(table, "ev", derived())
    assert (reopened["x/a"], reopened["x/b"]) == (b"ONE", b"TWO")


def test_entries_left_behind_by_steps_of_another_worker_are_rebuilt() -> None:
    table: dict[str, bytes] = {}
    mine, theirs = derived(), derived()
    step(table, mine, "a", b"one")
    step(table, theirs, "b", b"two")  # the block moved to another worker and back
    assert BlockStore.open(table, "ev", mine)["x/b"] == b"TWO"
    assert mine.entries == {"x/a": b"ONE", "x/b": b"TWO"}


@pytest.mark.parametrize("crash_after", [0, 1])  # before the step's key, before its token
def test_derived_entries_are_rebuilt_after_an_apply_cut_short(crash_after: int) -> None:
    table = CrashingTable(after=10**6)
    entries = derived()
    step(table, entries, "a", b"one")
    table.after = crash_after
    store = BlockStore.open(table, "ev", entries)
    store["v/b"], store["x/b"] = b"two", b"TWO"
    with pytest.raises(SystemExit):
        store.apply()
    table.after = 10**6
    reopened = BlockStore.open(table, "ev", entries)  # the same process, still running
    assert reopened["x/b"] == b"TWO"
    assert entries.entries == {"x/a": b"ONE", "x/b": b"TWO"}
