"""BlockStore over a plain dict standing in for the Faust table: a crash inside apply is finished on reopening."""

from __future__ import annotations

import pytest

from talkwire.streams.cluster_store import BlockStore, decode_changes, encode_changes


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


def test_published_marks_go_with_the_change_set_and_survive_eviction_of_the_member() -> None:
    table = CrashingTable({}, after=1)
    store = BlockStore.open(table, "ev")
    store["f/a1"] = b"features"
    store.mark_published("a1", "hash1")
    with pytest.raises(SystemExit):
        store.apply()  # dies after the first key: the redo record holds the mark too
    table.after = 10**6
    reopened = BlockStore.open(table, "ev")
    assert reopened.published_hash("a1") == "hash1"
    assert reopened.published_hash("a2") is None
    del reopened["f/a1"]  # clustering evicts the member
    reopened.apply()
    assert BlockStore.open(table, "ev").published_hash("a1") == "hash1"
