"""Effectively once under a crash: SIGKILL the worker mid-stream of 528 articles, restart it, and compare
with an uninterrupted run (the invariants are in fault_helpers.py). Then two workers sharing the
partitions through the broker's group coordinator, one of them SIGKILLed mid-stream and not
restarted: the survivor takes its partitions over once the coordinator expels the dead member."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import fault_helpers as faults
import pytest
from kafka_helpers import extracted_articles, free_port, produce, published_articles, wait_until_ready

from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_sigkill_mid_stream_loses_and_duplicates_nothing(stream_settings: Settings, start_worker) -> None:
    settings = faults.fault_settings(stream_settings)
    articles = faults.synthetic_articles()
    ids = {key for key, _ in articles}
    assert len(ids) == len(articles) >= 500
    expected = faults.expected_events(settings)

    worker = start_worker(settings)
    produce(settings, settings.topic_raw, articles)
    faults.enriched_ids(settings, len(ids) // 3, timeout_s=180)
    worker.kill()
    done_at_kill = len(faults.enriched_ids(settings, len(ids), timeout_s=3))
    assert 0 < done_at_kill < len(ids), "the crash did not land mid-stream"

    restarted_at = time.monotonic()
    restarted = start_worker(settings)
    recovery_s = faults.seconds_until_progress(settings, restarted_at, done_at_kill)
    outcome = faults.collect_outcome(settings, ids)
    assert restarted.alive(), restarted.log_tail()
    # the killed worker's local tables may hold writes its changelogs lost: they are rebuilt
    assert "did not stop cleanly" in restarted.log_path.read_text(errors="replace")
    figures = faults.assert_effectively_once(outcome, ids, expected)
    print(f"SIGKILL after {done_at_kill}/{len(ids)} enriched; progress {recovery_s:.1f} s after restart; {figures}; "
          f"overrides acted: {faults.override_actions(worker.log_path, restarted.log_path)}")


SHARED_VARIANTS = 3  # 198 articles: the state-recovery corpus, so the uninterrupted replay is shared
JOINED = "Joined group"


def test_sigkill_of_one_of_two_workers_mid_stream_loses_and_duplicates_nothing(
        stream_settings: Settings, start_worker, tmp_path: Path) -> None:
    settings = faults.fault_settings(stream_settings)
    articles = faults.synthetic_articles(SHARED_VARIANTS)
    ids = {key for key, _ in articles}
    expected = faults.expected_events(settings, SHARED_VARIANTS)

    workers = [start_worker(replace(settings, data_dir=str(tmp_path / f"data-{index}"), web_port=free_port()))
               for index in range(2)]
    wait_until_ready(workers)
    produce(settings, settings.topic_raw, articles)
    faults.enriched_ids(settings, len(ids) // 4, timeout_s=180)
    extracted = [extracted_articles(worker) for worker in workers]
    published = [published_articles(worker) for worker in workers]
    # the one whose cluster stage is busy: blocks are few, one worker's block partitions may hold none
    victim, survivor = sorted(workers, key=lambda worker: published[workers.index(worker)], reverse=True)
    joins_before = survivor.log_tail(1_000_000).count(JOINED)
    victim.kill()
    killed_at = time.monotonic()
    done_at_kill = len(faults.enriched_ids(settings, len(ids), timeout_s=3))
    assert all(share > 0 for share in extracted), f"the two workers did not share the stream: {extracted}"
    assert 0 < done_at_kill < len(ids), "the crash did not land mid-stream"

    recovery_s = faults.seconds_until_progress(settings, killed_at, done_at_kill)
    outcome = faults.collect_outcome(settings, ids)
    collected_s = time.monotonic() - killed_at
    assert survivor.alive(), survivor.log_tail()
    # the coordinator expelled the dead member and gave its partitions to the survivor
    assert survivor.log_tail(1_000_000).count(JOINED) > joins_before, survivor.log_tail()
    figures = faults.assert_effectively_once(outcome, ids, expected)
    print(f"SIGKILL of one of two workers (extracted {extracted}, published {published}) after "
          f"{done_at_kill}/{len(ids)} enriched; progress {recovery_s:.1f} s and every article out "
          f"{collected_s:.1f} s after the kill; {figures}; "
          f"overrides acted: {faults.override_actions(*(worker.log_path for worker in workers))}")
