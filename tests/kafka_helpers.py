"""Produce, consume and run workers against a real broker, for the stream tests."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, fields
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from talkwire.broker import free_port  # noqa: F401  (re-exported for the tests)
from talkwire.settings import ENV_PREFIX, Settings
from talkwire.streams.connection import client_options, reader_options, topic_partitions
from talkwire.streams.topics import ensure_topics


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes | None


def settings_env(settings: Settings) -> dict[str, str]:
    """``TALKWIRE_*`` variables that reproduce ``settings`` in a subprocess."""
    env = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if f.name == "limits":
            env.update({ENV_PREFIX + name.upper(): str(v) for name, v in vars(value).items()})
        elif value is not None:
            env[ENV_PREFIX + f.name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def create_topics(settings: Settings) -> None:
    asyncio.run(ensure_topics(settings))


def produce(settings: Settings, topic: str, messages: list[tuple[str | None, bytes | None]],
            partition: int | None = None) -> list[tuple[int, int]]:
    """Send (key, value) pairs in order (to ``partition`` if given) and wait until the broker has them
    all; returns the (partition, offset) each one was written at."""

    async def send_all() -> list[tuple[int, int]]:
        producer = AIOKafkaProducer(**client_options(settings), acks="all")
        await producer.start()
        written = []
        try:
            for key, value in messages:
                metadata = await (await producer.send(topic, value=value, key=key.encode() if key is not None else None,
                                                      partition=partition))
                written.append((metadata.partition, metadata.offset))
        finally:
            await producer.stop()
        return written

    return asyncio.run(send_all())


def consume_until(settings: Settings, topic: str, done, *, timeout_s: float = 120.0,
                  settle_s: float = 0.0, isolation_level: str = "read_uncommitted") -> list[Record]:
    """Read ``topic`` from the beginning until ``done(records)`` holds (then ``settle_s`` more) or time runs out.

    ``isolation_level="read_committed"`` reads what a transactional consumer sees: no aborted record,
    nothing past an open transaction."""

    async def read() -> list[Record]:
        consumer = AIOKafkaConsumer(**reader_options(settings), group_id=None, auto_offset_reset="earliest",
                                    isolation_level=isolation_level)
        await consumer.start()
        await asyncio.sleep(0)  # an aiokafka 0.14 consumer stopped before its task ran raises CancelledError
        records: list[Record] = []
        try:
            deadline = time.monotonic() + timeout_s
            partitions: list[TopicPartition] = []
            while not partitions and time.monotonic() < deadline:
                partitions = await topic_partitions(consumer, topic)
                if not partitions:
                    await asyncio.sleep(0.5)
            consumer.assign(partitions)
            settled_at = None
            while time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for batch in batches.values():
                    records.extend(
                        Record(r.topic, r.partition, r.offset, r.key.decode() if r.key is not None else None, r.value)
                        for r in batch
                    )
                if settled_at is None and done(records):
                    settled_at = time.monotonic()
                if settled_at is not None and time.monotonic() - settled_at >= settle_s:
                    break
            return records
        finally:
            await consumer.stop()

    return asyncio.run(read())


def read_to_end(settings: Settings, topic: str, timeout_s: float = 60.0) -> list[Record]:
    """Every record of ``topic`` from each partition's log start up to its end offset at the call:
    complete however slowly the reader starts (a read for a fixed time can stop short under load).
    Apache Kafka's end offsets (Tansu's ListOffsets(latest) answer is short; see consumer.py)."""

    async def read() -> list[Record]:
        consumer = AIOKafkaConsumer(**reader_options(settings), group_id=None, auto_offset_reset="earliest")
        await consumer.start()
        await asyncio.sleep(0)  # an aiokafka 0.14 consumer stopped before its task ran raises CancelledError
        try:
            partitions = await topic_partitions(consumer, topic)
            assert partitions, f"{topic} has no partition"
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            await consumer.seek_to_beginning(*partitions)
            records: list[Record] = []
            deadline = time.monotonic() + timeout_s
            while behind := [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{topic}: {behind} not read to their end offsets {ends}")
                batches = await consumer.getmany(*behind, timeout_ms=500)
                records.extend(
                    Record(r.topic, r.partition, r.offset, r.key.decode() if r.key is not None else None, r.value)
                    for batch in batches.values() for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)]
                )
            return records
        finally:
            await consumer.stop()

    return asyncio.run(read())


def latest_per_key(records: list[Record]) -> dict[str | None, bytes | None]:
    """What compaction would leave: the last value per key (Tansu never compacts)."""
    latest: dict[str | None, bytes | None] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        latest[record.key] = record.value
    return latest


class WorkerProcess:
    """``talkwire worker`` in a subprocess, stopped by its pid."""

    def __init__(self, settings: Settings, log_path: Path, extra_env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.log_path = log_path
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        env = {**os.environ, **settings_env(self.settings), **self.extra_env}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "talkwire.cli", "worker", "--loglevel", "info"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: a crash, no clean shutdown."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout_s: float = 20.0) -> None:
        if not self.alive():
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def export_settings(settings: Settings, monkeypatch) -> Settings:
    """Point in-process CLI calls (``talkwire.cli.main``) at ``settings`` through the environment; topics created."""
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    create_topics(settings)
    return settings


def worker_metric(worker: WorkerProcess, name: str) -> float:
    """One unlabelled sample of this worker's Prometheus metrics (0 when absent)."""
    url = f"http://127.0.0.1:{worker.settings.web_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        match = re.search(rb"^" + re.escape(name.encode()) + rb" (\S+)$", response.read(), re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def extracted_articles(worker: WorkerProcess) -> int:
    """Articles this worker extracted, from its Prometheus metrics."""
    return int(worker_metric(worker, "talkwire_extraction_seconds_count"))


def published_articles(worker: WorkerProcess) -> int:
    """Enriched articles this worker published (its cluster stage's output)."""
    return int(worker_metric(worker, "talkwire_articles_out_total"))


def answers_ready(worker: WorkerProcess) -> bool:
    """Whether the worker's /readyz answers 200: models loaded, partitions assigned, tables recovered."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{worker.settings.web_port}/readyz", timeout=5) as response:
            return response.status == 200
    except OSError:  # not listening yet, or 503 (urllib raises HTTPError, an OSError)
        return False


def wait_until_ready(workers: list[WorkerProcess], timeout_s: float = 180) -> None:
    """Until every worker has joined the group, recovered its tables and loaded its models (its
    /readyz answers 200), so that the load is shared from the start."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(answers_ready(worker) for worker in workers):
            return
        assert all(worker.alive() for worker in workers), [worker.log_tail() for worker in workers]
        time.sleep(1)
    raise AssertionError("workers not ready: " + "\n---\n".join(worker.log_tail() for worker in workers))
