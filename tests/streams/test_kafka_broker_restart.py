"""Effectively once across a broker restart: Apache Kafka stopped mid-stream (SIGTERM, a clean
shutdown, and SIGKILL, a crash) and restarted on its data directory (same port, same data); the
worker is not restarted, it reconnects by itself. The invariants are in fault_helpers.py."""

from __future__ import annotations

import signal
import time
from dataclasses import replace

import fault_helpers as faults
import pytest
from kafka_helpers import produce

from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

VARIANTS = 2  # 132 articles: enough batches for a stop between the first and the last
DOWN_S = 5.0  # the broker stays down this long: the worker's requests fail, it must retry


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_broker_restart_mid_stream_loses_and_duplicates_nothing(
        stream_settings: Settings, local_broker, start_worker, stop_signal: signal.Signals) -> None:
    broker = local_broker("kafka")
    settings = faults.fault_settings(replace(stream_settings, kafka_bootstrap=broker.bootstrap))
    articles = faults.synthetic_articles(VARIANTS)
    ids = {key for key, _ in articles}
    expected = faults.expected_events(settings, VARIANTS)

    worker = start_worker(settings)
    produce(settings, settings.topic_raw, articles)
    done_at_stop = len(faults.enriched_ids(settings, len(ids) // 4, timeout_s=180))
    assert broker.stop(stop_signal), broker.log_tail()
    assert 0 < done_at_stop < len(ids), "the broker stop did not land mid-stream"
    time.sleep(DOWN_S)
    restarted_at = time.monotonic()
    broker.up()

    recovery_s = faults.seconds_until_progress(settings, restarted_at, done_at_stop)
    outcome = faults.collect_outcome(settings, ids)
    assert worker.alive(), worker.log_tail()
    figures = faults.assert_effectively_once(outcome, ids, expected)
    print(f"broker {stop_signal.name} after {done_at_stop}/{len(ids)} enriched; "
          f"progress {recovery_s:.1f} s after the broker's restart; {figures}; "
          f"overrides acted: {faults.override_actions(worker.log_path)}")
