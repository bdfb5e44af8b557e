"""Effectively once under a crash: SIGKILL the worker mid-stream of 528 articles, restart it, and compare
with an uninterrupted run (the invariants are in fault_helpers.py)."""

from __future__ import annotations

import time

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
from kafka_helpers import produce

from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_sigkill_mid_stream_loses_and_duplicates_nothing(stream_settings: Settings, start_worker) -> None:
    settings = fault_settings(stream_settings)
    articles = synthetic_articles()
    ids = {key for key, _ in articles}
    assert len(ids) == len(articles) >= 500
    expected = expected_events(settings)

    worker = start_worker(settings)
    produce(settings, settings.topic_raw, articles)
    enriched_ids(settings, len(ids) // 3, timeout_s=180)
    worker.kill()
    done_at_kill = len(enriched_ids(settings, len(ids), timeout_s=3))
    assert 0 < done_at_kill < len(ids), "the crash did not land mid-stream"

    restarted_at = time.monotonic()
    restarted = start_worker(settings)
    recovery_s = seconds_until_progress(settings, restarted_at, done_at_kill)
    outcome = collect_outcome(settings, ids)
    assert restarted.alive(), restarted.log_tail()
    # the killed worker's local tables may hold writes its changelogs lost: they are rebuilt
    assert "did not stop cleanly" in restarted.log_path.read_text(errors="replace")
    figures = assert_effectively_once(outcome, ids, expected)
    print(f"SIGKILL after {done_at_kill}/{len(ids)} enriched; progress {recovery_s:.1f} s after restart; {figures}")
