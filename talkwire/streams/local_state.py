"""The worker's local table directory: held by one worker at a time, discarded after a crash.

Faust writes a table change to RocksDB at once and sends it to the changelog afterwards; a
restart restores from the offset of the last changelog write the broker had acknowledged. After a
SIGKILL the local database can hold writes the changelog never received, and the restart replays
the changelog records after that offset over them: a key written again later goes back to its
older value while the keys written only later keep theirs, a torn state no redo record can
detect. So, as Kafka Streams does under exactly-once, a worker that did not stop cleanly rebuilds
its tables from the changelogs alone, which hold a prefix of the writes, in order.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

MARKER_NAME = "worker.running"  # beside the table directory; holds the pid while a worker runs


class StateDirectoryInUse(RuntimeError):
    """Another live worker holds the directory (two workers must not share RocksDB files)."""


@contextmanager
def held_table_directory(tabledir: Path) -> Iterator[None]:
    """Hold ``tabledir`` for the body; discard its tables first when the last holder crashed.

    The marker is emptied only when the body ends normally or by ``SystemExit(0)`` (how a Faust
    worker ends after SIGTERM or SIGINT): any other ending counts as a crash.
    """
    tabledir.parent.mkdir(parents=True, exist_ok=True)
    with open(tabledir.parent / MARKER_NAME, "a+") as marker:
        try:
            fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateDirectoryInUse(f"{tabledir.parent} is used by another running worker") from None
        marker.seek(0)
        crashed_pid = marker.read().strip()
        if crashed_pid and tabledir.exists():
            log.warning("worker %s did not stop cleanly: rebuilding the tables in %s from their changelogs",
                        crashed_pid, tabledir)
            shutil.rmtree(tabledir)
        _write(marker, f"{os.getpid()}\n")
        try:
            yield
        except SystemExit as stop:
            if not stop.code:
                _write(marker, "")
            raise
        _write(marker, "")


def _write(marker: IO[str], text: str) -> None:
    marker.seek(0)
    marker.truncate()
    marker.write(text)
    marker.flush()
    os.fsync(marker.fileno())
