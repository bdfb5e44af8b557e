"""``TALKWIRE_EXACTLY_ONCE=true`` end to end on Apache Kafka: the worker writes its outputs and
commits its input offsets in transactions, so a ``read_committed`` reader sees every output exactly
once and no record of an aborted transaction, even when the worker is killed (SIGKILL) in the
middle of one and restarted (its successor fences the dead producer and the broker aborts its open
transaction). Transactions need a broker that has them: Tansu has none, so this runs on Kafka only.

The workarounds it needs in faust-streaming and aiokafka are in talkwire/streams/faust_transactions.py
(their causes in its docstring; tests/streams/test_faust_transactions.py shows each one)."""

from __future__ import annotations

import time
from collections import Counter

import orjson
import pytest
from fault_helpers import (
    assert_effectively_once,
    collect_outcome,
    enriched_ids,
    expected_events,
    fault_settings,
    seconds_until_progress,
    synthetic_articles,
)
from kafka_helpers import Record, consume_until, produce

from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VARIANTS = 2  # 132 articles: enough transactions for a kill between the first and the last
COMMITTED = "read_committed"
# An article is republished when its event moves (a relabelling, see fault_helpers): the stream meets
# a block's articles in another order than publication order, so some are, crash or not (15-16 per run
# measured; 11-39 when the cluster step is replayed offline over 500 random interleavings of the
# partitions). Such a record is another output: "committed twice" is the same record (key and value)
# twice, as it is the same (event id, version) for the events.
# Measured with faust_transactions (Kafka 4.1.2, faust-streaming 0.15.3, aiokafka 0.14): 7 of 10 runs
# passed until the fetch waited for the read-again of the flow resume (the cluster stage took by_block
# 9, 10, then 82 onwards, then 11-81: an article relabelled A -> B -> A repeated a committed record);
# since, 6 runs passed with a kill that waited for a commit only, one run under load killed the
# worker only after every article was committed (counted in records, not ids), and the kill below
# passed 3 runs in a row (8 of 132 articles committed, 57-70 enriched records of the open
# transaction aborted) and in every fresh-clone CI run since.


def repeated(records: list[Record], key_of) -> list:
    """Keys written more than once."""
    return [key for key, count in Counter(key_of(r) for r in records if r.value is not None).items() if count > 1]


def event_key(record: Record) -> tuple[str | None, int]:
    return record.key, orjson.loads(record.value)["version"]


def committed_ids(settings: Settings, at_least: int, timeout_s: float) -> set[str]:
    """Article ids a ``read_committed`` reader sees on the enriched topic, once at least ``at_least`` of
    them are (or time runs out)."""
    records = consume_until(settings, settings.topic_enriched, lambda rs: len({r.key for r in rs}) >= at_least,
                            timeout_s=timeout_s, isolation_level=COMMITTED)
    return {r.key for r in records}


def test_exactly_once_across_a_worker_sigkill(stream_settings: Settings, start_worker) -> None:
    settings = fault_settings(stream_settings)
    articles = synthetic_articles(VARIANTS)
    ids = {key for key, _ in articles}
    expected = expected_events(settings, VARIANTS)
    env = {"TALKWIRE_EXACTLY_ONCE": "true"}

    worker = start_worker(settings, **env)
    half = len(articles) // 2
    produce(settings, settings.topic_raw, articles[:half])
    committed_ids(settings, 1, timeout_s=180)  # a transaction committed: the restart resumes from its offsets
    produce(settings, settings.topic_raw, articles[half:])
    enriched_ids(settings, len(committed_ids(settings, len(ids), timeout_s=2)) + 1, timeout_s=180)
    worker.kill()  # with outputs in an open transaction
    done_at_kill = len(committed_ids(settings, len(ids), timeout_s=3))
    assert 0 < done_at_kill < len(ids), "the crash did not land mid-stream"

    restarted_at = time.monotonic()
    restarted = start_worker(settings, **env)
    recovery_s = seconds_until_progress(settings, restarted_at, len(enriched_ids(settings, len(ids), 1)))
    committed = collect_outcome(settings, ids, timeout_s=90, isolation_level=COMMITTED)
    assert restarted.alive(), restarted.log_tail()

    figures = assert_effectively_once(committed, ids, expected)
    everything = collect_outcome(settings, ids, timeout_s=10)  # aborted records included
    aborted = len(everything.enriched) - len(committed.enriched)
    twice = repeated(committed.enriched, lambda r: (r.key, r.value)), repeated(committed.events, event_key)
    print(f"worker SIGKILL with {done_at_kill}/{len(ids)} committed; progress {recovery_s:.1f} s after restart; "
          f"{aborted} enriched records aborted (visible to read_uncommitted only); committed twice: "
          f"{len(twice[0])} enriched, {len(twice[1])} event versions; "
          f"{len(repeated(committed.enriched, lambda r: r.key))} articles relabelled; {figures}")
    assert twice == ([], [])
