"""Prometheus metrics of a worker, in their own registry, served at ``/metrics``.

The agents call the small functions below; the consumer lag is sampled on a timer.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import faust
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

PRODUCED_AT_HEADER = "talkwire-produced-ms"  # the raw message's timestamp, carried to the cluster stage
LAG_SAMPLE_INTERVAL_S = 5.0
# Extraction runs in batches on a few cores: seconds per article, up to a long article on a busy worker.
EXTRACTION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

REGISTRY = CollectorRegistry(auto_describe=True)
ARTICLES_IN = Counter("talkwire_articles_in", "Raw messages read from the input topic", registry=REGISTRY)
ARTICLES_OUT = Counter("talkwire_articles_out", "Enriched articles published", registry=REGISTRY)
DEAD_LETTERS = Counter("talkwire_dead_letters", "Messages dead-lettered, by reason", ["reason"], registry=REGISTRY)
PROCESSING_LATENCY = Histogram(
    "talkwire_processing_latency_seconds", "From the raw message's produce timestamp to its event being published",
    buckets=LATENCY_BUCKETS, registry=REGISTRY,
)
EXTRACTION_TIME = Histogram(
    "talkwire_extraction_seconds", "Extraction time per article (language, NLP, rules, frame)",
    buckets=EXTRACTION_BUCKETS, registry=REGISTRY,
)
ACTIVE_EVENTS = Gauge("talkwire_active_events", "Live events on the events topic (as this worker sees it)",
                      registry=REGISTRY)
CONSUMER_LAG = Gauge("talkwire_consumer_lag", "Highwater minus position, per topic partition this worker reads",
                     ["topic", "partition"], registry=REGISTRY)


def article_in() -> None:
    ARTICLES_IN.inc()


def article_out() -> None:
    ARTICLES_OUT.inc()


def dead_letter(reason: str) -> None:
    DEAD_LETTERS.labels(reason=reason).inc()


def observe_extraction(seconds_per_article: float, articles: int) -> None:
    """One observation per article of a batch, each the batch's mean (NLP runs batched)."""
    for _ in range(articles):
        EXTRACTION_TIME.observe(seconds_per_article)


def produced_at_headers(timestamp_s: float | None) -> dict[str, bytes]:
    """Headers that carry a message's produce time (Faust timestamps are in seconds) to later stages."""
    return {} if timestamp_s is None else {PRODUCED_AT_HEADER: str(round(timestamp_s * 1000)).encode()}


def observe_published(headers: Mapping[str, bytes] | None) -> None:
    """Record produce → event latency for a message carrying :func:`produced_at_headers`."""
    produced_ms = (headers or {}).get(PRODUCED_AT_HEADER)
    if produced_ms is not None:
        PROCESSING_LATENCY.observe(max(0.0, time.time() - int(produced_ms) / 1000))


def set_active_events(count: int) -> None:
    ACTIVE_EVENTS.set(count)


def set_consumer_lag(lags: Mapping[tuple[str, int], int]) -> None:
    """``lags`` maps (topic, partition) — TopicPartition tuples work — to highwater − position."""
    for (topic, partition), lag in lags.items():
        CONSUMER_LAG.labels(topic=topic, partition=str(partition)).set(lag)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def install_lag_sampler(app: faust.App) -> None:
    """Sample the lag of the partitions the worker's agents are assigned, on a timer.

    Changelog partitions are left out: after recovery the worker writes them itself and no longer reads them.
    """

    @app.timer(LAG_SAMPLE_INTERVAL_S)
    async def sample_consumer_lag() -> None:
        consumer = app.consumer
        sources = {name for agent in app.agents.values() for name in agent.channel.topics}
        lags = {}
        for tp in consumer.assignment():
            if tp.topic not in sources:
                continue
            position = await consumer.position(tp)
            highwater = consumer.highwater(tp)
            if position is not None and highwater is not None:
                lags[tp] = max(0, highwater - position)
        set_consumer_lag(lags)
