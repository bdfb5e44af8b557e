"""Prometheus metrics: the recording functions, and /metrics scraped from a worker after articles flow."""

from __future__ import annotations

import time

import pytest
from kafka_helpers import produce
from prometheus_client.parser import text_string_to_metric_families
from web_helpers import SEED_PATH, scrape, seed_report, wait_until

from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.metrics import REGISTRY
from talkwire.streams.topics import by_block_topic, by_id_topic, by_track_topic


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_counters_and_histograms_record_what_the_agents_report() -> None:
    before_in, before_dead = value("talkwire_articles_in_total"), value("talkwire_dead_letters_total", reason="invalid_json")
    metrics.article_in()
    metrics.article_in()
    metrics.dead_letter("invalid_json")
    assert value("talkwire_articles_in_total") == before_in + 2
    assert value("talkwire_dead_letters_total", reason="invalid_json") == before_dead + 1

    before = value("talkwire_extraction_seconds_count")
    metrics.observe_extraction(0.2, 3)  # a batch of three articles
    assert value("talkwire_extraction_seconds_count") == before + 3
    assert value("talkwire_extraction_seconds_bucket", le="0.25") >= 1


def test_latency_runs_from_the_produce_timestamp_carried_in_headers() -> None:
    count, total = value("talkwire_processing_latency_seconds_count"), value("talkwire_processing_latency_seconds_sum")
    headers = metrics.produced_at_headers(time.time() - 3.0)
    metrics.observe_published(headers)
    metrics.observe_published({})  # a message without the header is not counted
    assert value("talkwire_processing_latency_seconds_count") == count + 1
    assert 2.99 <= value("talkwire_processing_latency_seconds_sum") - total < 10.0  # header in whole ms
    assert metrics.produced_at_headers(None) == {}


def test_gauges_and_exposition() -> None:
    metrics.set_active_events(7)
    metrics.set_consumer_lag({("talkwire-articles", 2): 12})
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    assert families["talkwire_active_events"].samples[0].value == 7
    lag = [s for s in families["talkwire_consumer_lag"].samples if s.labels == {"topic": "talkwire-articles", "partition": "2"}]
    assert lag and lag[0].value == 12
    metrics.set_consumer_lag({("talkwire-articles", 1): 3})  # partition 2 was revoked: its lag goes
    families = {family.name: family for family in text_string_to_metric_families(metrics.render()[0].decode())}
    assert [(s.labels["partition"], s.value) for s in families["talkwire_consumer_lag"].samples] == [("1", 3)]


def test_event_counters_and_agent_crashes() -> None:
    before = [value(f"talkwire_{kind}_published_total") for kind in ("events", "redirects", "tombstones")]
    metrics.events_published(events=2, redirects=1, tombstones=1)
    after = [value(f"talkwire_{kind}_published_total") for kind in ("events", "redirects", "tombstones")]
    assert [a - b for a, b in zip(after, before)] == [2, 1, 1]
    crashes = value("talkwire_agent_crashes_total", agent="cluster")
    metrics.agent_crashed("cluster")
    assert value("talkwire_agent_crashes_total", agent="cluster") == crashes + 1


@pytest.mark.kafka
def test_metrics_endpoint_after_articles_flow(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings
    worker = start_worker()
    produce(settings, settings.topic_raw, [
        (SEED_PATH.stem, SEED_PATH.read_bytes()),
        ("broken", b'{"id": "broken", "body": '),
        ("seed-copy", seed_report("seed-copy", "Le Courrier")),
    ])
    samples = wait_until(
        lambda: (s := scrape(settings)).get(("talkwire_articles_out_total", ()), 0) >= 2
        and s.get(("talkwire_active_events", ()), 0) >= 1 and s,
        timeout_s=180, what="two articles out and a live event in /metrics", explain=worker.log_tail,
    )
    assert worker.alive(), worker.log_tail()
    assert samples[("talkwire_articles_in_total", ())] == 3
    assert samples[("talkwire_dead_letters_total", (("reason", "invalid_json"),))] == 1
    assert samples[("talkwire_extraction_seconds_count", ())] == 2
    assert samples[("talkwire_processing_latency_seconds_count", ())] >= 1
    assert 0 < samples[("talkwire_processing_latency_seconds_sum", ())] < 300
    assert samples[("talkwire_active_events", ())] == 1
    assert samples[("talkwire_events_published_total", ())] >= 1
    assert samples[("talkwire_broker_connected", ())] == 1
    assert samples[("process_resident_memory_bytes", ())] > 0
    assert any(name == "talkwire_build_info" for name, _ in samples)

    def lags() -> dict[str, float]:
        return {f"{dict(labels)['topic']}/{dict(labels)['partition']}": v
                for (name, labels), v in scrape(settings).items() if name == "talkwire_consumer_lag"}

    # The lag is the group's: highwater minus the committed offset of the topics its agents read, 0
    # once the articles are processed and committed (the tracks stage reads the events topic too).
    topics = {settings.topic_raw, by_id_topic(settings), by_block_topic(settings), settings.topic_events,
              by_track_topic(settings)}
    settled = wait_until(lambda: (lag := lags()) and {key.rsplit("/", 1)[0] for key in lag} == topics
                         and not any(lag.values()) and lag,
                         timeout_s=60, what="lag samples of the stream's topics, all 0", explain=lambda: str(lags()))
    assert len(settled) == len(topics) * settings.topic_partitions
