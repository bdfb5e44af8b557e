"""One block's clustering state, seen as a flat key-value map over the ``cluster_state`` table.

Table keys are ``"<block>/<subkey>"`` (see processors/cluster/clustering.py for the subkeys). Writes are
held back until :meth:`BlockStore.apply`, so the cluster stage can make its outputs durable
before its state moves on; a failed step leaves the table untouched.

One step writes tens of keys, and a crash between two of them would leave a torn state (an event
missing a member the member records still name). So ``apply`` first writes the whole change set
under one key (one table write, one changelog record), then the keys, then deletes it; opening
the block redoes a change set that is still there.

The store also records which articles have their outputs on the broker (``published/<id>``,
kept after clustering evicts the member), in the same change set as the step that sent them:
after a crash the two cannot disagree.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, MutableMapping

import faust

REDO_PREFIX = "~redo/"  # outside every block's "<block>/" namespace
PUBLISHED_PREFIX = "published/"  # a subkey namespace clustering does not use
_LENGTH = struct.Struct(">i")  # -1 marks a deleted key


class BlockStore(MutableMapping[str, bytes]):
    def __init__(self, table: faust.Table, block: str) -> None:
        self._table = table
        self._prefix = f"{block}/"
        self._redo_key = REDO_PREFIX + block
        self._pending: dict[str, bytes | None] = {}

    @classmethod
    def open(cls, table: faust.Table, block: str) -> "BlockStore":
        """The block's store, after finishing an ``apply`` that a crash interrupted."""
        store = cls(table, block)
        interrupted = table.get(store._redo_key)
        if interrupted is not None:
            store._pending = decode_changes(interrupted)
            store.apply()
        return store

    def __getitem__(self, subkey: str) -> bytes:
        value = self._pending[subkey] if subkey in self._pending else self._table.get(self._prefix + subkey)
        if value is None:
            raise KeyError(subkey)
        return value

    def __setitem__(self, subkey: str, value: bytes) -> None:
        self._pending[subkey] = value

    def __delitem__(self, subkey: str) -> None:
        self[subkey]  # KeyError when absent, like a dict
        self._pending[subkey] = None

    def __iter__(self) -> Iterator[str]:
        """Every subkey of the block: a scan of the table, which clustering itself never needs."""
        stored = {_text(key)[len(self._prefix):] for key in self._table.keys() if _text(key).startswith(self._prefix)}
        deleted = {subkey for subkey, value in self._pending.items() if value is None}
        return iter(sorted((stored | self._pending.keys()) - deleted))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def published_hash(self, article_id: str) -> str | None:
        """The content hash of the article whose outputs are out, or None."""
        value = self.get(PUBLISHED_PREFIX + article_id)
        return None if value is None else _text(value)

    def mark_published(self, article_id: str, content_hash: str) -> None:
        self[PUBLISHED_PREFIX + article_id] = content_hash.encode()

    def apply(self) -> int:
        """Write the held-back changes to the table, all or (after a crash, on reopening) none lost;
        return how many keys changed."""
        if not self._pending:
            return 0
        self._table[self._redo_key] = encode_changes(self._pending)
        for subkey, value in self._pending.items():
            if value is None:
                self._table.pop(self._prefix + subkey, None)
            else:
                self._table[self._prefix + subkey] = value
        self._table.pop(self._redo_key, None)
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
