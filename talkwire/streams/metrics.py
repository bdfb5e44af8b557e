"""Prometheus metrics of a worker, in their own registry, served at ``/metrics``.

The agents call the small functions below; the consumer lag and the broker's reachability are
set by the health probe (``talkwire.streams.health``). The registry also carries the process
collector (``process_*``: CPU, memory, open files) and ``talkwire_build_info``.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping
from importlib.metadata import version

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    generate_latest,
)

PRODUCED_AT_HEADER = "talkwire-produced-ms"  # the raw message's timestamp, carried to the cluster stage
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
CONSUMER_LAG = Gauge(
    "talkwire_consumer_lag", "Highwater minus the group's committed offset, per partition this worker is assigned",
    ["topic", "partition"], registry=REGISTRY,
)
BROKER_CONNECTED = Gauge("talkwire_broker_connected", "1 while the broker answers the worker's probe, else 0",
                         registry=REGISTRY)
EVENTS_PUBLISHED = Counter("talkwire_events_published", "Live event records published (new or updated events)",
                           registry=REGISTRY)
REDIRECTS_PUBLISHED = Counter("talkwire_redirects_published", "Redirect records published (an event merged into another)",
                              registry=REGISTRY)
TOMBSTONES_PUBLISHED = Counter("talkwire_tombstones_published", "Tombstones published (an event that vanished)",
                               registry=REGISTRY)
AGENT_CRASHES = Counter("talkwire_agent_crashes", "Agents that stopped on an exception (Faust restarts them)",
                        ["agent"], registry=REGISTRY)
ProcessCollector(registry=REGISTRY)
Info("talkwire_build", "Versions this worker runs", registry=REGISTRY).info({
    "version": version("talkwire"), "faust": version("faust-streaming"), "aiokafka": version("aiokafka"),
    "python": platform.python_version(),
})


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
    """``lags`` maps (topic, partition) — TopicPartition tuples work — to highwater − committed offset.

    Partitions left out (revoked from this worker) are removed, so a scrape never shows a stale lag.
    """
    labels = {(topic, str(partition)) for topic, partition in lags}
    for stale in {tuple(sample.labels.values()) for metric in CONSUMER_LAG.collect() for sample in metric.samples} - labels:
        CONSUMER_LAG.remove(*stale)
    for (topic, partition), lag in lags.items():
        CONSUMER_LAG.labels(topic=topic, partition=str(partition)).set(lag)


def set_broker_connected(connected: bool) -> None:
    BROKER_CONNECTED.set(1 if connected else 0)


def events_published(*, events: int, redirects: int, tombstones: int) -> None:
    EVENTS_PUBLISHED.inc(events)
    REDIRECTS_PUBLISHED.inc(redirects)
    TOMBSTONES_PUBLISHED.inc(tombstones)


def agent_crashed(agent: str) -> None:
    AGENT_CRASHES.labels(agent=agent).inc()


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
