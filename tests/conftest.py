"""Shared fixtures: a real Kafka-protocol broker and talkwire workers in subprocesses.

``TALKWIRE_KAFKA_BOOTSTRAP`` points the broker tests at an existing cluster (e.g. Apache Kafka);
otherwise a local Tansu broker is started on a free port for the session and stopped by pid.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from kafka_helpers import WorkerProcess, create_topics, free_port

from talkwire.broker import TansuBroker
from talkwire.settings import Limits, Settings

EXTERNAL_BOOTSTRAP = os.environ.get("TALKWIRE_KAFKA_BOOTSTRAP")


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if EXTERNAL_BOOTSTRAP:
        yield EXTERNAL_BOOTSTRAP
        return
    broker = TansuBroker(port=free_port(), run_dir=tmp_path_factory.mktemp("broker"))
    broker.up()
    try:
        yield broker.bootstrap
    finally:
        broker.down()


@pytest.fixture
def stream_settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    """Settings with a unique app id and unique topic names, so tests never share state."""
    run = f"t{uuid.uuid4().hex[:10]}"
    base = Settings.from_env()
    return replace(
        base,
        kafka_bootstrap=kafka_bootstrap,
        local_broker=base.local_broker if EXTERNAL_BOOTSTRAP else True,
        app_id=f"talkwire-{run}",
        topic_raw=f"{run}-articles",
        topic_enriched=f"{run}-enriched",
        topic_events=f"{run}-events",
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
    """Start ``talkwire worker`` subprocesses (topics created first); all are stopped at teardown."""
    workers: list[WorkerProcess] = []
    create_topics(stream_settings)

    def start(settings: Settings | None = None, **extra_env: str) -> WorkerProcess:
        log_path = tmp_path / f"worker-{len(workers)}.log"
        worker = WorkerProcess(settings or stream_settings, log_path, extra_env).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
