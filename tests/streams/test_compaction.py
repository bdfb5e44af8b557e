"""Compaction applied to the events topic on Apache Kafka (Tansu accepts ``cleanup.policy=compact``
but never compacts). The test's broker rolls a segment after a second and cleans any log with dirty
records at once, so the cleaner runs while the worker writes. After the worker is done, one live
event per partition is deleted with a tombstone, written twice a little over a roll apart so every
partition's earlier records leave the active segment, which the cleaner never touches. A new reader
must then find exactly the latest version of each event, nothing of the tombstoned ones, and the
same events as an uninterrupted run."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

import pytest
from fault_helpers import assert_effectively_once, collect_outcome, expected_events, fault_settings, synthetic_articles
from kafka_helpers import Record, consume_until, latest_per_key, produce

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


def value_counts(records: list[Record]) -> Counter:
    return Counter(r.key for r in records if r.value is not None)


def test_a_new_reader_finds_the_latest_version_of_each_event(stream_settings: Settings, local_broker,
                                                             start_worker) -> None:
    broker = local_broker("kafka", **COMPACTING_BROKER)
    settings = fault_settings(replace(stream_settings, kafka_bootstrap=broker.bootstrap))
    articles = synthetic_articles(VARIANTS)
    ids = {key for key, _ in articles}
    expected = expected_events(settings, VARIANTS)
    start_worker(settings)
    produce(settings, settings.topic_raw, articles)
    written = collect_outcome(settings, ids)
    assert_effectively_once(written, ids, expected)
    latest = latest_per_key(written.events)
    assert max(value_counts(written.events).values()) > 1, "no event had two versions: nothing to compact"

    live_by_partition = {r.partition: r.key for r in written.events if latest[r.key] is not None}
    deleted = set(live_by_partition.values())
    assert len(deleted) == settings.topic_partitions
    for _ in range(2):
        for partition, key in live_by_partition.items():  # the worker's partition, whatever its partitioner
            produce(settings, settings.topic_events, [(key, None)], partition=partition)
        time.sleep(ROLL_MS / 1000 + 0.5)

    def compacted(records: list[Record]) -> bool:
        counts = value_counts(records)
        return not deleted & set(counts) and set(counts.values()) == {1}

    def read_all() -> list[Record]:
        return consume_until(settings, settings.topic_events, lambda records: False, timeout_s=4)

    started = time.monotonic()
    remaining = read_all()
    while not compacted(remaining) and time.monotonic() - started < 90:
        remaining = read_all()
    assert compacted(remaining), value_counts(remaining).most_common(5)
    expected_latest = {key: value for key, value in latest.items() if key not in deleted}
    assert {r.key: r.value for r in remaining if r.value is not None} == {
        key: value for key, value in expected_latest.items() if value is not None}
    print(f"compacted in {time.monotonic() - started:.1f} s: {len(written.events)} event records -> "
          f"{len(remaining)} ({len(deleted)} events deleted)")
