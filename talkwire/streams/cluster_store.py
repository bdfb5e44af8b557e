"""One block's clustering state, seen as a flat key-value map over the ``cluster_state`` table.

Table keys are ``"<block>/<subkey>"`` (see processors/clustering.py for the subkeys). Writes are
held back until :meth:`BlockStore.apply`, so the cluster stage can make its outputs durable
before its state moves on; a failed step leaves the table untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

import faust


class BlockStore(MutableMapping[str, bytes]):
    def __init__(self, table: faust.Table, block: str) -> None:
        self._table = table
        self._prefix = f"{block}/"
        self._pending: dict[str, bytes | None] = {}

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

    def apply(self) -> int:
        """Write the held-back changes to the table; return how many keys changed."""
        for subkey, value in self._pending.items():
            if value is None:
                self._table.pop(self._prefix + subkey, None)
            else:
                self._table[self._prefix + subkey] = value
        changed = len(self._pending)
        self._pending.clear()
        return changed


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
