"""The three stages of the stream, wired to the pure processors.

raw --ingest--> articles-by-id --extract--> articles-by-block --cluster--> enriched + events
(dead letters from every stage).

Delivery is at least once. Every output is a keyed upsert computed deterministically from state,
and the cluster stage makes its outputs durable before it updates its tables, so a redelivered
message can only repeat identical records.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import faust
from faust.types import EventT

from talkwire.processors.clustering import blocking_key, cluster_article
from talkwire.processors.dead_letters import make_dead_letter
from talkwire.processors.errors import InputError
from talkwire.processors.extraction import Extractor
from talkwire.processors.features import build_features
from talkwire.processors.parsing import parse_message
from talkwire.processors.records import Article, ArticleFeatures, ClusterResult, EnrichedArticle
from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.cluster_store import BlockStore
from talkwire.streams.topics import by_block_topic, by_id_topic

log = logging.getLogger(__name__)

UNEXPECTED_ERROR = "internal_error"  # a processor bug, not bad input: dead-lettered so the stream goes on


@dataclass(frozen=True)
class Topology:
    raw: faust.TopicT
    by_id: faust.TopicT
    by_block: faust.TopicT
    enriched: faust.TopicT
    events: faust.TopicT
    dead_letters: faust.TopicT
    content_hashes: faust.Table  # article id -> content hash, to catch conflicting duplicate ids
    cluster_state: faust.Table  # "<block>/<subkey>" -> clustering state JSON (see cluster_store.py)


def declare_topology(app: faust.App, settings: Settings) -> Topology:
    def topic(name: str, **options) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, **options)

    def table(name: str) -> faust.Table:
        return app.Table(name, key_type=str, value_type=bytes, partitions=settings.topic_partitions)

    return Topology(
        raw=topic(settings.topic_raw),
        by_id=topic(by_id_topic(settings), internal=True, partitions=settings.topic_partitions),
        by_block=topic(by_block_topic(settings), internal=True, partitions=settings.topic_partitions),
        enriched=topic(settings.topic_enriched),
        events=topic(settings.topic_events, compacting=True),
        dead_letters=topic(settings.topic_dead_letters),
        content_hashes=table("content-hashes"),
        cluster_state=table("cluster-state"),
    )


# --------------------------------------------------------------------------- extraction off the loop


@functools.cache
def _extractor(settings: Settings) -> Extractor:
    """One Extractor per process (the spaCy pipeline loads on first use)."""
    return Extractor(settings)


def enrich_batch(settings: Settings, articles: list[Article]) -> list[ArticleFeatures | tuple[str, str]]:
    """Extraction and features for a batch; failures as (reason, message) so they cross process pools."""
    results = _extractor(settings).enrich(articles)
    features = iter(build_features([r for r in results if isinstance(r, EnrichedArticle)]))
    return [next(features) if isinstance(r, EnrichedArticle) else (r.code, r.message) for r in results]


def make_executor(settings: Settings) -> Executor:
    if settings.nlp_processes > 0:
        return ProcessPoolExecutor(settings.nlp_processes, mp_context=get_context("spawn"))
    return ThreadPoolExecutor(1, thread_name_prefix="talkwire-nlp")


async def enrich_off_loop(executor: Executor, settings: Settings, articles: list[Article]):
    """Split the batch over the executor's workers; results keep the articles' order."""
    loop = asyncio.get_running_loop()
    chunks = max(1, settings.nlp_processes)
    size = -(-len(articles) // chunks)
    parts = [articles[i:i + size] for i in range(0, len(articles), size)]
    results = await asyncio.gather(
        *(loop.run_in_executor(executor, enrich_batch, settings, part) for part in parts)
    )
    return [item for part in results for item in part]


# --------------------------------------------------------------------------- agents


def register_agents(app: faust.App, settings: Settings) -> Topology:
    topology = declare_topology(app, settings)
    executor = make_executor(settings)

    async def dead_letter(event: EventT, value: bytes | None, reason: str, message: str, stage: str,
                          article_id: str | None = None) -> None:
        record = make_dead_letter(
            value or b"", reason=reason, message=message, stage=stage,
            topic=event.message.topic, partition=event.message.partition, offset=event.message.offset,
            key=_key_text(event.key), article_id=article_id,
        )
        key = (article_id or record.key or "").encode() or None
        await topology.dead_letters.send(key=key, value=record.to_json())
        metrics.dead_letter(reason)
        log.info("dead letter %s at %s stage (%s)", reason, stage, article_id or record.key)

    @app.agent(topology.raw, name="ingest")
    async def ingest(stream: faust.StreamT) -> None:
        async for event in stream.events():
            metrics.article_in()
            value = event.value
            try:
                article = parse_message(value or b"", settings.limits, key=_key_text(event.key))
            except InputError as error:
                await dead_letter(event, value, error.code, error.message, "parse")
                continue
            except Exception as error:  # noqa: BLE001 - a parser bug must not stop the stream
                log.exception("parse failed unexpectedly")
                await dead_letter(event, value, UNEXPECTED_ERROR, repr(error), "parse")
                continue
            await topology.by_id.send(key=article.id.encode(), value=article.to_json(),
                                      headers=metrics.produced_at_headers(event.message.timestamp))

    @app.agent(topology.by_id, name="extract")
    async def extract(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
            accepted: list[tuple[EventT, Article]] = []
            for event in events:
                # Table reads/writes go to the partition of the current event; in a batch that
                # is the last one buffered, so point it at the event being handled.
                stream._set_current_event(event)
                article = Article.from_json(event.value)
                known = topology.content_hashes.get(article.id)
                if known is not None and _text(known) != article.content_hash:
                    await dead_letter(event, event.value, "duplicate_id_conflict",
                                      f"id {article.id!r} was already seen with different content",
                                      "extract", article.id)
                    continue
                topology.content_hashes[article.id] = article.content_hash.encode()
                accepted.append((event, article))
            if not accepted:
                continue
            started = time.perf_counter()
            try:
                results = await enrich_off_loop(executor, settings, [article for _, article in accepted])
            except Exception as error:  # noqa: BLE001 - the batch is dead-lettered, the stream goes on
                log.exception("extraction failed for a batch of %d", len(accepted))
                results = [("extraction_failed", repr(error))] * len(accepted)
            metrics.observe_extraction((time.perf_counter() - started) / len(accepted), len(accepted))
            for (event, article), result in zip(accepted, results):
                if isinstance(result, tuple):
                    await dead_letter(event, event.value, result[0], result[1], "extract", article.id)
                else:
                    await topology.by_block.send(key=blocking_key(result).encode(), value=result.to_json(),
                                                 headers=event.headers)

    @app.agent(topology.by_block, name="cluster")
    async def cluster(stream: faust.StreamT) -> None:
        async for event in stream.events():
            block_key = _key_text(event.key) or ""
            features = ArticleFeatures.from_json(event.value)
            store = BlockStore.open(topology.cluster_state, block_key)
            if store.published_hash(features.article_id) == features.content_hash:
                continue  # a redelivery: its outputs are out already; an evicted member must not come back
            try:
                result = cluster_article(store, features, settings.limits)
            except Exception as error:  # noqa: BLE001 - dead-lettered, the block keeps its state
                log.exception("clustering failed for %s", features.article_id)
                await dead_letter(event, event.value, UNEXPECTED_ERROR, repr(error), "cluster",
                                  features.article_id)
                continue
            if result.status == "conflict":
                await dead_letter(event, event.value, "duplicate_id_conflict",
                                  f"id {features.article_id!r} was already clustered with different content",
                                  "cluster", features.article_id)
                continue
            if result.status != "redelivery":
                await publish(result)
                metrics.article_out()
                if result.events:
                    metrics.observe_published(event.headers)
            store.mark_published(features.article_id, features.content_hash)
            store.apply()

    async def publish(result: ClusterResult) -> None:
        """Send the outputs of one clustering step and wait until the broker has them."""
        sends = [topology.enriched.send(key=e.article.id.encode(), value=e.to_json())
                 for e in [result.enriched, *result.relabelled]]
        sends += [topology.events.send(key=e.event_id.encode(), value=e.to_json()) for e in result.events]
        sends += [topology.events.send(key=event_id.encode(), value=None) for event_id in result.tombstones]
        deliveries = [await send for send in sends]
        await asyncio.gather(*deliveries)

    return topology


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _key_text(key: bytes | str | None) -> str | None:
    if key is None:
        return None
    return key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key
