"""Shared fixtures: real brokers started by the project's own code, and talkwire workers in subprocesses.

Every test that uses ``kafka_bootstrap`` (directly or through ``stream_settings``/``start_worker``)
runs on Apache Kafka (one KRaft node for the whole session, on a free port, started lazily). Tests
marked ``@pytest.mark.tansu`` run a second time on Tansu, the demo's broker, with its profile; the
broker kind is in the test id (``[kafka]``/``[tansu]``). ``TALKWIRE_KAFKA_BOOTSTRAP`` points the
``kafka`` runs at an existing cluster instead (and the Tansu runs are left out).
``TALKWIRE_TEST_BROKERS=tansu`` (or ``kafka,tansu``) runs every broker test on the kinds named.

Fixtures for tests that stop or restart a broker: ``local_broker`` starts brokers of their own, each
on a free port with its own run and data directory (see :class:`talkwire.broker.KafkaBroker`).
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from kafka_helpers import WorkerProcess, create_topics, free_port

from talkwire.broker import KafkaBroker, LocalBroker, kafka_version, make_broker
from talkwire.settings import Limits, Settings

EXTERNAL_BOOTSTRAP = os.environ.get("TALKWIRE_KAFKA_BOOTSTRAP")
BROKER_KINDS = ("kafka",) if EXTERNAL_BOOTSTRAP else ("kafka", "tansu")
# TALKWIRE_TEST_BROKERS=tansu or kafka,tansu runs every broker test on those kinds (to compare them).
FORCED_KINDS = tuple(kind for kind in os.environ.get("TALKWIRE_TEST_BROKERS", "").split(",") if kind in BROKER_KINDS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "tansu: also run on Tansu, the demo's broker (its profile and workarounds)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``broker_kind`` is a session parameter: kafka for every broker test, tansu too when marked."""
    if "broker_kind" in metafunc.fixturenames:
        kinds = BROKER_KINDS if metafunc.definition.get_closest_marker("tansu") else ("kafka",)
        metafunc.parametrize("broker_kind", FORCED_KINDS or kinds, indirect=True, scope="session")


@pytest.fixture(scope="session")
def broker_kind(request: pytest.FixtureRequest) -> str:
    """``kafka`` or ``tansu``: the kind of broker ``kafka_bootstrap`` names for this test."""
    return request.param


@pytest.fixture(scope="session")
def kafka_bootstrap(broker_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session broker of ``broker_kind``: started on first use, stopped (and wiped) at the end."""
    if EXTERNAL_BOOTSTRAP and broker_kind == "kafka":
        yield EXTERNAL_BOOTSTRAP
        return
    broker = make_broker(broker_kind, port=free_port(), run_dir=tmp_path_factory.mktemp(f"{broker_kind}-broker"))
    started = time.monotonic()
    pid = broker.up()
    _broker_facts[broker_kind] = f"started in {time.monotonic() - started:.1f} s"
    try:
        yield broker.bootstrap
    finally:
        _broker_facts[broker_kind] += f", peak RSS {_peak_rss_mb(pid)} MB"
        broker.down(wipe=True)


def _peak_rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) // 1024


@pytest.fixture
def local_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LocalBroker]]:
    """A factory of brokers of the test's own, for tests that stop, kill or restart them:
    ``local_broker(kind="kafka", **properties)`` returns a started broker on a free port with its own
    run and data directory (``properties``: Kafka server properties, e.g. ``log.cleaner.backoff.ms``).
    Restart with ``broker.stop(signal.SIGKILL)`` then ``broker.up()`` (same port, same data).
    Every broker it started is stopped and wiped at teardown."""
    brokers: list[LocalBroker] = []

    def start(kind: str = "kafka", **properties: str) -> LocalBroker:
        run_dir = tmp_path_factory.mktemp(f"{kind}-own-broker")
        if kind == "kafka":
            broker: LocalBroker = KafkaBroker(port=free_port(), run_dir=run_dir, properties=properties)
        elif properties:
            raise ValueError("server properties apply to Apache Kafka only")
        else:
            broker = make_broker(kind, port=free_port(), run_dir=run_dir)
        brokers.append(broker)
        broker.up()
        return broker

    yield start
    for broker in brokers:
        broker.down(wipe=True)


@pytest.fixture
def stream_settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    """Settings with a unique app id and unique topic names, so tests never share state.
    The broker profile is the environment's (``auto`` unless set): detected from the broker."""
    run = f"t{uuid.uuid4().hex[:10]}"
    return replace(
        Settings.from_env(),
        kafka_bootstrap=kafka_bootstrap,
        app_id=f"talkwire-{run}",
        topic_raw=f"{run}-articles",
        topic_enriched=f"{run}-enriched",
        topic_events=f"{run}-events",
        topic_tracks=f"{run}-tracks",
        topic_dead_letters=f"{run}-dead-letters",
        topic_partitions=4,
        data_dir=str(tmp_path / "data"),
        web_port=free_port(),
        batch_size=8,
        batch_within_s=0.3,
        limits=Limits(max_message_bytes=100_000),
    )


@pytest.fixture
def start_worker(stream_settings: Settings, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start ``talkwire worker`` subprocesses (their topics created first, on whichever broker their
    settings name); all are stopped at teardown."""
    workers: list[WorkerProcess] = []
    create_topics(stream_settings)
    topics_made = {(stream_settings.kafka_bootstrap, stream_settings.topic_raw)}

    def start(settings: Settings | None = None, **extra_env: str) -> WorkerProcess:
        settings = settings or stream_settings
        if (settings.kafka_bootstrap, settings.topic_raw) not in topics_made:
            create_topics(settings)
            topics_made.add((settings.kafka_bootstrap, settings.topic_raw))
        log_path = tmp_path / f"worker-{len(workers)}.log"
        worker = WorkerProcess(settings, log_path, extra_env).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


# The summary line: which broker ran which tests.
_kind_of_test: dict[str, str] = {}
_broker_facts: dict[str, str] = {}
_outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
_seconds: defaultdict[str, float] = defaultdict(float)  # setup, call and teardown of the broker's tests


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "broker_kind" in callspec.params:
            _kind_of_test[item.nodeid] = callspec.params["broker_kind"]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    kind = _kind_of_test.get(report.nodeid)
    if kind is None:
        return
    _seconds[kind] += report.duration
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _outcomes[kind][report.outcome] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    names = {
        "kafka": f"an existing cluster at {EXTERNAL_BOOTSTRAP}" if EXTERNAL_BOOTSTRAP
        else f"Apache Kafka {kafka_version()}",
        "tansu": "Tansu",
    }
    for kind, outcomes in sorted(_outcomes.items()):
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        facts = f"; the broker {_broker_facts[kind]}" if kind in _broker_facts else ""
        minutes, seconds = divmod(round(_seconds[kind]), 60)
        terminalreporter.write_line(f"broker {kind}: {sum(outcomes.values())} tests on {names[kind]} ({counts}) "
                                    f"in {minutes} min {seconds:02d} s{facts}")
