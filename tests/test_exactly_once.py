"""``TALKWIRE_EXACTLY_ONCE=true`` end to end on Apache Kafka: the worker writes its outputs and
commits its input offsets in transactions, so a ``read_committed`` reader sees every output exactly
once and no record of an aborted transaction, even when the worker is killed (SIGKILL) in the
middle of one and restarted (its successor fences the dead producer and the broker aborts its open
transaction). Transactions need a broker that has them: Tansu has none, so this runs on Kafka only."""

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
# Known defect of faust-streaming 0.11 (transport/consumer.py, Consumer._commit_offsets and
# Transport.commit): a commit ends a partition's transaction with the offsets acked so far, but the
# transaction also holds every record already sent for messages still being processed (the rest of a
# batch). Those outputs become visible while their inputs stay uncommitted, so a crash redelivers
# the inputs and their outputs are committed a second time (a batch's worth, 8 here).
FAUST_COMMITS_UNACKED_OUTPUTS = ("faust-streaming commits a transaction holding outputs of unacked inputs: "
                                 "after a SIGKILL they are committed twice")


def repeated(records: list[Record], key_of) -> list:
    """Keys written more than once."""
    return [key for key, count in Counter(key_of(r) for r in records if r.value is not None).items() if count > 1]


def event_key(record: Record) -> tuple[str | None, int]:
    return record.key, orjson.loads(record.value)["version"]


def test_exactly_once_across_a_worker_sigkill(stream_settings: Settings, start_worker) -> None:
    settings = fault_settings(stream_settings)
    articles = synthetic_articles(VARIANTS)
    ids = {key for key, _ in articles}
    expected = expected_events(settings, VARIANTS)
    env = {"TALKWIRE_EXACTLY_ONCE": "true"}

    worker = start_worker(settings, **env)
    produce(settings, settings.topic_raw, articles)
    enriched_ids(settings, len(ids) // 3, timeout_s=180)
    worker.kill()
    done_at_kill = len(consume_until(settings, settings.topic_enriched, lambda rs: False, timeout_s=3,
                                     isolation_level=COMMITTED))
    assert done_at_kill < len(ids), "the crash did not land mid-stream"

    restarted_at = time.monotonic()
    restarted = start_worker(settings, **env)
    recovery_s = seconds_until_progress(settings, restarted_at, len(enriched_ids(settings, len(ids), 1)))
    committed = collect_outcome(settings, ids, isolation_level=COMMITTED)
    assert restarted.alive(), restarted.log_tail()

    figures = assert_effectively_once(committed, ids, expected)
    everything = collect_outcome(settings, ids)  # aborted records included
    aborted = len(everything.enriched) - len(committed.enriched)
    twice = repeated(committed.enriched, lambda r: r.key), repeated(committed.events, event_key)
    print(f"worker SIGKILL with {done_at_kill}/{len(ids)} committed; progress {recovery_s:.1f} s after restart; "
          f"{aborted} enriched records aborted (visible to read_uncommitted only); committed twice: "
          f"{len(twice[0])} enriched, {len(twice[1])} event versions; {figures}")
    if twice != ([], []):
        pytest.xfail(FAUST_COMMITS_UNACKED_OUTPUTS)
