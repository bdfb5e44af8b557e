"""The worker's table directory: kept after a clean stop, discarded after a crash, never shared."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from talkwire.streams.local_state import MARKER_NAME, StateDirectoryInUse, held_table_directory


def _tables(root: Path) -> Path:
    tabledir = root / "v1" / "tables"
    tabledir.mkdir(parents=True, exist_ok=True)
    (tabledir / "cluster-state-0.db").write_text("rocksdb files")
    return tabledir


def _run_and_exit(tabledir: str, code: int) -> None:
    with held_table_directory(Path(tabledir)):
        if code < 0:
            os._exit(1)  # like SIGKILL: no cleanup runs
        raise SystemExit(code)


def _hold(root: Path, code: int) -> None:
    process = multiprocessing.get_context("fork").Process(target=_run_and_exit, args=(str(_tables(root)), code))
    process.start()
    process.join(10)


def test_tables_survive_a_clean_stop(tmp_path: Path) -> None:
    _hold(tmp_path, 0)
    assert (tmp_path / "v1" / MARKER_NAME).read_text() == ""
    with held_table_directory(tmp_path / "v1" / "tables"):
        assert (tmp_path / "v1" / "tables" / "cluster-state-0.db").exists()


@pytest.mark.parametrize("code", [-1, 1], ids=["killed", "failed"])
def test_tables_are_discarded_after_a_crash(tmp_path: Path, caplog: pytest.LogCaptureFixture, code: int) -> None:
    _hold(tmp_path, code)
    assert (tmp_path / "v1" / MARKER_NAME).read_text().strip().isdigit()
    with held_table_directory(tmp_path / "v1" / "tables"):
        assert not (tmp_path / "v1" / "tables").exists()
        assert (tmp_path / "v1" / MARKER_NAME).read_text() == f"{os.getpid()}\n"
    assert "did not stop cleanly" in caplog.text
    assert (tmp_path / "v1" / MARKER_NAME).read_text() == ""


def test_a_directory_held_by_a_running_worker_is_refused(tmp_path: Path) -> None:
    tabledir = _tables(tmp_path)
    with held_table_directory(tabledir):
        with pytest.raises(StateDirectoryInUse):
            with held_table_directory(tabledir):
                pass
        assert (tabledir / "cluster-state-0.db").exists()
