"""The local Tansu broker launcher: idempotent up/down, pid file, stop by pid."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from kafka_helpers import free_port

from talkwire.broker import BrokerError, LocalBroker, main, tansu_binary, wait_until_ready

pytestmark = pytest.mark.kafka


def test_tansu_binary_is_shipped_by_the_wheel() -> None:
    binary = tansu_binary()
    assert binary.name == "tansu"
    assert os.access(binary, os.X_OK)


def test_up_and_down_are_idempotent(tmp_path: Path) -> None:
    broker = LocalBroker(port=free_port(), run_dir=tmp_path)
    assert broker.running_pid() is None
    pid = broker.up()
    try:
        assert broker.pid_file.read_text().strip() == str(pid)
        assert broker.up() == pid  # already running: same process, nothing started
        assert broker.log_file.exists()
        asyncio.run(wait_until_ready(broker.bootstrap, timeout_s=5))
    finally:
        assert broker.down() is True
    assert not broker.pid_file.exists()
    assert broker.down() is False  # stopped: a no-op
    assert not Path(f"/proc/{pid}").exists() or b"tansu" not in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_stale_pid_file_is_ignored_and_never_kills_another_process(tmp_path: Path) -> None:
    broker = LocalBroker(port=free_port(), run_dir=tmp_path)
    broker.pid_file.write_text(f"{os.getpid()}\n")  # a live pid that is not Tansu (this pytest)
    assert broker.running_pid() is None
    assert not broker.pid_file.exists()
    assert broker.down() is False


def test_ready_check_fails_when_nothing_listens() -> None:
    with pytest.raises(BrokerError):
        asyncio.run(wait_until_ready(f"127.0.0.1:{free_port()}", timeout_s=1))


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--port", str(free_port()), "--run-dir", str(tmp_path)]
    assert main(["status", *args]) == 1
    assert main(["up", *args]) == 0
    try:
        assert main(["status", *args]) == 0
        assert "broker running" in capsys.readouterr().out
    finally:
        assert main(["down", *args]) == 0
    assert "broker stopped" in capsys.readouterr().out
