"""``TALKWIRE_EXACTLY_ONCE=true`` end to end on Apache Kafka: the worker writes its outputs and
commits its input offsets in transactions, so a ``read_committed`` reader sees every output exactly
once and no record of an aborted transaction, even when the worker is killed (SIGKILL) in the
middle of one and restarted (its successor fences the dead producer and the broker aborts its open
transaction). Transactions need a broker that has them: Tansu has none, so this runs on Kafka only.

It does not hold today: the test is an expected failure with the two defects measured (below), and
turns into a plain pass once they are mended (remove the xfail then)."""

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
# Measured on Kafka 4.1.2 with faust-streaming 0.11 (two runs, both failing, each differently):
# 1. outputs committed twice: 8 enriched articles (one batch) twice in the read_committed view.
#    Faust's commit (transport/consumer.py, Consumer._commit_offsets -> Transport.commit) ends a
#    partition's transaction with the offsets acked so far, but the transaction also holds the
#    records already sent for inputs still in processing (the rest of a batch): after a SIGKILL
#    those inputs are redelivered and their outputs committed again.
# 2. articles lost until the next restart: after the restart the worker went idle with 64 of 132
#    articles enriched and nothing at all written to two of the four partitions, committed or not
#    (exactly_once keeps Faust's own consumer, with the read-offset shortcuts that lost articles
#    after a restart in the at-least-once mode, issue #6; talkwire's consumer cannot replace it as is:
#    its commit guard never passes an offset it did not process, and transaction markers are such
#    offsets).
EXACTLY_ONCE_DEFECTS = "Faust's exactly_once on Kafka: outputs of unacked inputs committed; partitions idle after a restart"


def repeated(records: list[Record], key_of) -> list:
    """Keys written more than once."""
    return [key for key, count in Counter(key_of(r) for r in records if r.value is not None).items() if count > 1]


def event_key(record: Record) -> tuple[str | None, int]:
    return record.key, orjson.loads(record.value)["version"]


@pytest.mark.xfail(reason=EXACTLY_ONCE_DEFECTS)
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
    committed = collect_outcome(settings, ids, timeout_s=90, isolation_level=COMMITTED)
    assert restarted.alive(), restarted.log_tail()

    figures = assert_effectively_once(committed, ids, expected)
    everything = collect_outcome(settings, ids, timeout_s=10)  # aborted records included
    aborted = len(everything.enriched) - len(committed.enriched)
    twice = repeated(committed.enriched, lambda r: r.key), repeated(committed.events, event_key)
    print(f"worker SIGKILL with {done_at_kill}/{len(ids)} committed; progress {recovery_s:.1f} s after restart; "
          f"{aborted} enriched records aborted (visible to read_uncommitted only); committed twice: "
          f"{len(twice[0])} enriched, {len(twice[1])} event versions; {figures}")
    assert twice == ([], [])
