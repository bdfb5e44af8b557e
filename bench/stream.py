"""Stream measurements on the real broker: workers in subprocesses, one producer and one reader here."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from talkwire.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from kafka_helpers import WorkerProcess, create_topics, free_port  # noqa: E402 - the tests' worker harness

from talkwire.streams.connection import client_options, reader_options, topic_partitions  # noqa: E402

SETTLE_S = 2.0  # events still arriving this long after the last enriched record belong to the run
WARMUP_ARTICLES = 16  # over 4 partitions: every worker loads its models before the clock starts


@dataclass
class Arrivals:
    """When each of the run's articles was produced and when its outputs came back."""

    produced: dict[str, float] = field(default_factory=dict)
    enriched: dict[str, float] = field(default_factory=dict)
    in_event: dict[str, float] = field(default_factory=dict)  # first event record listing the article
    last_record: float = 0.0

    def span_s(self) -> float:
        return self.last_record - min(self.produced.values())

    def latencies_s(self) -> list[float]:
        return sorted(self.in_event.get(a, self.enriched[a]) - t for a, t in self.produced.items() if a in self.enriched)


def run_settings(base: Settings, data_dir: Path) -> Settings:
    """A fresh app id and topics, so every run starts from empty state."""
    run = f"b{uuid.uuid4().hex[:8]}"
    return replace(base, app_id=f"talkwire-{run}", topic_raw=f"{run}-articles", topic_enriched=f"{run}-enriched",
                   topic_events=f"{run}-events", topic_tracks=f"{run}-tracks", topic_dead_letters=f"{run}-dead-letters",
                   data_dir=str(data_dir / run), web_port=free_port())


class StreamRun:
    """Workers of one app on fresh topics; :meth:`measure` produces messages and times their outputs."""

    def __init__(self, settings: Settings, workers: int, log_dir: Path) -> None:
        self.settings = settings
        create_topics(settings)
        self.workers = [WorkerProcess(_worker_settings(settings, i), log_dir / f"{settings.app_id}-{i}.log").start()
                        for i in range(workers)]

    def __enter__(self) -> "StreamRun":
        return self

    def __exit__(self, *_: object) -> None:
        for worker in self.workers:
            worker.stop()

    def peak_rss_mb(self) -> float:
        return max(peak_rss_mb(worker.pid) for worker in self.workers)

    def warm_up(self, messages: list[tuple[str, bytes]], timeout_s: float = 180.0) -> None:
        arrivals = self.measure(messages, timeout_s=timeout_s)
        if len(arrivals.enriched) < len(messages):
            logs = ", ".join(str(worker.log_path) for worker in self.workers)
            raise RuntimeError(f"warm-up: {len(arrivals.enriched)}/{len(messages)} articles came back; logs: {logs}")

    def measure(self, messages: list[tuple[str, bytes]], *, rate_per_s: float | None = None,
                timeout_s: float = 300.0) -> Arrivals:
        """Produce (as fast as possible, or paced at ``rate_per_s``) and read until the outputs settle."""
        return asyncio.run(self._measure(messages, rate_per_s, timeout_s))

    async def _measure(self, messages: list[tuple[str, bytes]], rate_per_s: float | None,
                       timeout_s: float) -> Arrivals:
        arrivals = Arrivals()
        wanted = {key for key, _ in messages}
        reader = await self._reader()
        reading = asyncio.create_task(self._read(reader, arrivals, wanted, timeout_s))
        producer = AIOKafkaProducer(**client_options(self.settings), acks="all")
        await producer.start()
        try:
            started = time.monotonic()
            for index, (key, value) in enumerate(messages):
                if rate_per_s:
                    await asyncio.sleep(max(0.0, started + index / rate_per_s - time.monotonic()))
                arrivals.produced[key] = time.monotonic()
                await (await producer.send(self.settings.topic_raw, value=value, key=key.encode()))
        finally:
            await producer.stop()
        try:
            await reading
        finally:
            await reader.stop()
        return arrivals

    async def _reader(self) -> AIOKafkaConsumer:
        """A reader of the enriched and events topics positioned at their ends (before producing)."""
        reader = AIOKafkaConsumer(**reader_options(self.settings), group_id=None, auto_offset_reset="latest")
        await reader.start()
        await asyncio.sleep(0)  # aiokafka 0.14: a consumer stopped before its task ran raises
        topics = [self.settings.topic_enriched, self.settings.topic_events]
        partitions = [tp for t in topics for tp in await topic_partitions(reader, t)]
        reader.assign(partitions)
        for partition in partitions:
            await reader.position(partition)  # resolves "latest" now, not at the first fetch
        return reader

    async def _read(self, reader: AIOKafkaConsumer, arrivals: Arrivals, wanted: set[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        all_in_at = None
        while time.monotonic() < deadline:
            batches = await reader.getmany(timeout_ms=200)
            now = time.monotonic()
            for batch in batches.values():
                for record in batch:
                    self._note(record, now, arrivals, wanted)
            if all_in_at is None and wanted <= arrivals.enriched.keys():
                all_in_at = now
            if all_in_at is not None and now - max(all_in_at, arrivals.last_record) >= SETTLE_S:
                return

    def _note(self, record, now: float, arrivals: Arrivals, wanted: set[str]) -> None:
        key = record.key.decode() if record.key else ""
        if record.topic == self.settings.topic_enriched:
            if key in wanted:
                arrivals.enriched.setdefault(key, now)
                arrivals.last_record = now
            return
        if record.value is None:
            return
        members = [ref["id"] for ref in orjson.loads(record.value).get("articles", [])]
        if any(member in wanted for member in members):
            arrivals.last_record = now
        for member in members:
            if member in wanted:
                arrivals.in_event.setdefault(member, now)


def _worker_settings(settings: Settings, index: int) -> Settings:
    """Workers of one app on one host need their own port and state directory (RocksDB locks it)."""
    data_dir = Path(settings.data_dir) / f"worker-{index}"
    data_dir.mkdir(parents=True, exist_ok=True)
    return replace(settings, web_port=free_port(), data_dir=str(data_dir))


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
