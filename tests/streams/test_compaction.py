"""Compaction applied to the events topic on Apache Kafka (Tansu accepts ``cleanup.policy=compact``
but never compacts). The test's broker rolls a segment after a second and cleans any log with dirty
records at once, so the cleaner runs while the worker writes. After the worker is done (and
stopped, so that nothing but the test writes the topic any more), one live event per partition is
deleted with a tombstone, written twice a little over a roll apart: the second one starts a new
segment (checked on disk), so every earlier record, the first tombstone included, is out of the
active segment, which the cleaner never touches. The test waits until the broker's cleaner
checkpoint (``cleaner-offset-checkpoint`` in its log directory) has passed the second tombstone
in every partition, i.e. everything before it was cleaned, then reads the whole topic up to its
end offsets once. That reader must find exactly the latest version of each event, nothing of the
tombstoned ones, and the same events as an uninterrupted run.

Earlier the test re-read the topic for 4 s at a time until it looked compacted: a read slowed by
load could stop short and look compacted (a partition not read yet has no duplicate), and then
the comparison failed; a record the live worker wrote after the tombstones stayed in the active
segment beside its cleaned earlier version."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from fault_helpers import assert_effectively_once, collect_outcome, expected_events, fault_settings, synthetic_articles
from kafka_helpers import Record, latest_per_key, produce, read_to_end

from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VARIANTS = 2  # 132 articles
ROLL_MS = 1000
# Records carry their article's time, months ahead for the later variants, and a segment rolls by
# time only once its first record is older than log.roll.ms: the broker stamps append times instead.
COMPACTING_BROKER = {
    "log.message.timestamp.type": "LogAppendTime",
    "log.roll.ms": str(ROLL_MS),
    "log.cleaner.min.cleanable.ratio": "0.0001",  # one tombstone beside a partition's events is that dirty
    "log.cleaner.backoff.ms": "200",
    "log.cleaner.min.compaction.lag.ms": "0",
}
CLEANED_TIMEOUT_S = 120


def cleaner_checkpoints(data_dir: Path, topic: str) -> dict[int, int]:
    """Partition -> offset up to which the log cleaner has cleaned ``topic`` (Kafka's
    ``cleaner-offset-checkpoint``: a version line, a count line, then ``topic partition offset``)."""
    path = data_dir / "cleaner-offset-checkpoint"
    lines = path.read_text().splitlines()[2:] if path.exists() else []
    return {int(partition): int(offset)
            for name, partition, offset in (line.split() for line in lines if line.strip()) if name == topic}


def value_counts(records: list[Record]) -> Counter:
    return Counter(r.key for r in records if r.value is not None)


def test_a_new_reader_finds_the_latest_version_of_each_event(stream_settings: Settings, local_broker,
                                                             start_worker) -> None:
    broker = local_broker("kafka", **COMPACTING_BROKER)
    settings = fault_settings(replace(stream_settings, kafka_bootstrap=broker.bootstrap))
    articles = synthetic_articles(VARIANTS)
    ids = {key for key, _ in articles}
    expected = expected_events(settings, VARIANTS)
    worker = start_worker(settings)
    produce(settings, settings.topic_raw, articles)
    written = collect_outcome(settings, ids)
    assert_effectively_once(written, ids, expected)
    worker.stop()
    assert not worker.alive()
    latest = latest_per_key(written.events)
    assert max(value_counts(written.events).values()) > 1, "no event had two versions: nothing to compact"

    live_by_partition = {r.partition: r.key for r in written.events if latest[r.key] is not None}
    deleted = set(live_by_partition.values())
    assert len(deleted) == settings.topic_partitions
    last_tombstones: dict[int, int] = {}
    for _round in range(2):
        for partition, key in live_by_partition.items():  # the worker's partition, whatever its partitioner
            [(_partition, offset)] = produce(settings, settings.topic_events, [(key, None)], partition=partition)
            last_tombstones[partition] = offset
        time.sleep(ROLL_MS / 1000 + 0.5)
    for partition, offset in last_tombstones.items():  # the second tombstone opened the active segment
        segment = broker.data_dir / f"{settings.topic_events}-{partition}" / f"{offset:020d}.log"
        assert segment.exists(), sorted(p.name for p in segment.parent.glob("*.log"))

    started = time.monotonic()
    while True:
        cleaned = cleaner_checkpoints(broker.data_dir, settings.topic_events)
        if all(cleaned.get(p, -1) >= offset for p, offset in last_tombstones.items()):
            break
        assert time.monotonic() - started < CLEANED_TIMEOUT_S, (
            f"cleaner checkpoints {cleaned}, tombstones at {last_tombstones}\n{broker.log_tail(40)}")
        time.sleep(0.2)
    cleaned_s = time.monotonic() - started
    remaining = read_to_end(settings, settings.topic_events)

    def compacted(records: list[Record]) -> bool:
        counts = value_counts(records)
        return not deleted & set(counts) and set(counts.values()) == {1}

    assert compacted(remaining), value_counts(remaining).most_common(5)
    expected_latest = {key: value for key, value in latest.items() if key not in deleted}
    assert {r.key: r.value for r in remaining if r.value is not None} == {
        key: value for key, value in expected_latest.items() if value is not None}
    print(f"cleaner past the second tombstones {cleaned_s:.1f} s after the roll wait (checkpoints {cleaned}, "
          f"tombstones at {last_tombstones}): {len(written.events)} event records -> {len(remaining)} "
          f"({len(deleted)} events deleted)")
