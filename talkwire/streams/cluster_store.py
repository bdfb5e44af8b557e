"""One block's clustering state, seen as a flat key-value map over the ``cluster_state`` table.

Table keys are ``"<block>/<subkey>"`` (see processors/clustering.py for the subkeys). Writes are
held back until :meth:`BlockStore.apply`, so the cluster stage can make its outputs durable
before its state moves on; a failed step leaves the table untouched.

One step writes tens of keys, and a crash between two of them would leave a torn state (an event
missing a member the member records still name). So ``apply`` first writes the whole change set
under one key (one table write, one changelog record), then the keys, then deletes it; opening
the block redoes a change set that is still there.

Derived entries (the LSH band postings: most of a step's writes) are not written to the table:
they are a function of the durable state, kept in the worker's memory as :class:`DerivedEntries`
and rebuilt from the table when the table has moved on without them. Every apply writes a fresh
token beside the keys; entries stamped with another token (a restart, a rebalance that let
another worker step the block, an apply cut short) are rebuilt before the block is read.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field

import faust

REDO_PREFIX = "~redo/"  # outside every block's "<block>/" namespace
TOKEN_SUBKEY = "~token"  # no clustering subkey starts with "~"
_LENGTH = struct.Struct(">i")  # -1 marks a deleted key


@dataclass
class DerivedEntries:
    """A block's subkeys under ``prefix``, as ``rebuild`` computes them from the durable ones."""

    prefix: str
    rebuild: Callable[[Mapping[str, bytes]], dict[str, bytes]]
    entries: dict[str, bytes] = field(default_factory=dict)
    built: bool = False  # False: rebuild before use
    token: bytes | None = None  # the table's token when the entries were last brought up to date

    def is_current(self, table_token: bytes | None) -> bool:
        return self.built and self.token == table_token


class BlockStore(MutableMapping[str, bytes]):
    def __init__(self, table: faust.Table, block: str, derived: DerivedEntries | None = None) -> None:
        self._table = table
        self._prefix = f"{block}/"
        self._redo_key = REDO_PREFIX + block
        self._derived = derived
        self._pending: dict[str, bytes | None] = {}

    @classmethod
    def open(cls, table: faust.Table, block: str, derived: DerivedEntries | None = None) -> "BlockStore":
        """The block's store, after finishing an ``apply`` that a crash interrupted and bringing the
        derived entries up to date with the table."""
        store = cls(table, block, derived)
        interrupted = table.get(store._redo_key)
        if interrupted is not None:
            if derived is not None:
                derived.built = False  # the interrupted step's derived changes were lost
            store._pending = decode_changes(interrupted)
            store.apply()
        if derived is not None and not derived.is_current(store._durable(TOKEN_SUBKEY)):
            derived.entries, derived.built = {}, False
            derived.entries = derived.rebuild(store)
            derived.token, derived.built = store._durable(TOKEN_SUBKEY), True
        return store

    def _is_derived(self, subkey: str) -> bool:
        return self._derived is not None and subkey.startswith(self._derived.prefix)

    def _durable(self, subkey: str) -> bytes | None:
        return self._table.get(self._prefix + subkey)

    def __getitem__(self, subkey: str) -> bytes:
        if subkey in self._pending:
            value = self._pending[subkey]
        elif self._is_derived(subkey):
            value = self._derived.entries.get(subkey)
        else:
            value = self._durable(subkey)
        if value is None:
            raise KeyError(subkey)
        return value

    def __setitem__(self, subkey: str, value: bytes) -> None:
        self._pending[subkey] = value

    def __delitem__(self, subkey: str) -> None:
        self[subkey]  # KeyError when absent, like a dict
        self._pending[subkey] = None

    def __iter__(self) -> Iterator[str]:
        """Every subkey of the block: a scan of the table, which clustering needs only to rebuild derived entries."""
        stored = {_text(key)[len(self._prefix):] for key in self._table.keys() if _text(key).startswith(self._prefix)}
        stored.discard(TOKEN_SUBKEY)
        if self._derived is not None:
            stored |= self._derived.entries.keys()
        deleted = {subkey for subkey, value in self._pending.items() if value is None}
        return iter(sorted((stored | self._pending.keys()) - deleted))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def apply(self) -> int:
        """Write the held-back changes to the table, all or (after a crash, on reopening) none lost,
        and to the derived entries; return how many keys changed."""
        if not self._pending:
            return 0
        derived = {subkey: value for subkey, value in self._pending.items() if self._is_derived(subkey)}
        durable = {subkey: value for subkey, value in self._pending.items() if subkey not in derived}
        if self._derived is not None:
            durable[TOKEN_SUBKEY] = os.urandom(8)
        self._table[self._redo_key] = encode_changes(durable)
        for subkey, value in durable.items():
            if value is None:
                self._table.pop(self._prefix + subkey, None)
            else:
                self._table[self._prefix + subkey] = value
        self._table.pop(self._redo_key, None)
        if self._derived is not None and self._derived.built:
            for subkey, value in derived.items():
                if value is None:
                    self._derived.entries.pop(subkey, None)
                else:
                    self._derived.entries[subkey] = value
            self._derived.token = durable[TOKEN_SUBKEY]
        changed = len(self._pending)
        self._pending.clear()
        return changed


def encode_changes(changes: dict[str, bytes | None]) -> bytes:
    parts = []
    for subkey, value in changes.items():
        key = subkey.encode()
        parts += [_LENGTH.pack(len(key)), key]
        parts += [_LENGTH.pack(-1)] if value is None else [_LENGTH.pack(len(value)), value]
    return b"".join(parts)


def decode_changes(encoded: bytes) -> dict[str, bytes | None]:
    changes: dict[str, bytes | None] = {}
    offset = 0
    while offset < len(encoded):
        (size,) = _LENGTH.unpack_from(encoded, offset)
        subkey = encoded[offset + 4:offset + 4 + size].decode()
        offset += 4 + size
        (size,) = _LENGTH.unpack_from(encoded, offset)
        offset += 4
        changes[subkey] = None if size < 0 else encoded[offset:offset + size]
        offset += max(size, 0)
    return changes


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
