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
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import faust
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from faust.types import EventT

from talkwire.processors.cluster.clustering import blocking_key, cluster_article
from talkwire.processors.dead_letters import make_dead_letter
from talkwire.processors.errors import InputError
from talkwire.processors.extract.extraction import Extractor
from talkwire.processors.cluster.features import build_features
from talkwire.processors.parse.parsing import parse_message
from talkwire.processors.records import Article, ArticleFeatures, ClusterResult, EnrichedArticle
from talkwire.processors.cluster.sizing import event_json_within
from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.cluster_store import BlockStore
from talkwire.streams.topics import by_block_topic, by_id_topic, describe_topics

log = logging.getLogger(__name__)

UNEXPECTED_ERROR = "internal_error"  # a processor bug, not bad input: dead-lettered so the stream goes on
OUTPUT_TOO_LARGE = "output_too_large"  # what a stage made of the message is larger than the broker takes


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


async def send_and_wait(sends: list[Awaitable]) -> None:
    """Hand every record to the producer, then wait until the broker has them all."""
    deliveries = [await send for send in sends]
    await asyncio.gather(*deliveries)


def make_executor(settings: Settings) -> Executor:
    if settings.nlp_processes > 0:
        return ProcessPoolExecutor(settings.nlp_processes, mp_context=get_context("spawn"))
    return ThreadPoolExecutor(1, thread_name_prefix="talkwire-nlp")


def load_models(settings: Settings) -> None:
    _extractor(settings).load_models()


def warm_up(executor: Executor, settings: Settings) -> list[Future]:
    """Start loading the models in every worker of the executor (each process loads its own)."""
    return [executor.submit(load_models, settings) for _ in range(max(1, settings.nlp_processes))]


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


# --------------------------------------------------------------------------- output size


class OutputSize:
    """The size checks the producer and the broker make, made before a send: a refused record
    would crash the agent and lose its input.

    Faust's producer refuses a record over ``producer_max_request_size`` (1 000 000 bytes by default,
    below Kafka's default ``max.message.bytes`` of 1 048 588); a broker refuses a batch over its
    topic's ``max.message.bytes``, read once per process for the topics that set it.
    """

    def __init__(self, max_request_size: int, settings: Settings) -> None:
        self.max_request_size = max_request_size
        self._settings = settings
        self._topic_limits: dict[str, int] = {}
        self._loading: asyncio.Future | None = None

    async def load(self) -> None:
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load())
        await self._loading

    async def _load(self) -> None:
        settings = self._settings
        names = [settings.topic_enriched, settings.topic_events, settings.topic_dead_letters,
                 by_id_topic(settings), by_block_topic(settings)]
        try:
            described = await describe_topics(settings, names)
        except Exception:  # noqa: BLE001 - the producer's own limit still holds
            log.warning("could not read the topics' max.message.bytes; sizing outputs to %d bytes",
                        self.max_request_size, exc_info=True)
            return
        self._topic_limits = {name: int(info["config"]["max.message.bytes"]) for name, info in described.items()
                              if "max.message.bytes" in info["config"]}

    def limit(self, topic: str) -> int:
        return min(self.max_request_size, self._topic_limits.get(topic, self.max_request_size))

    def fits(self, topic: str, key: bytes | None, value: bytes | None, headers=None) -> bool:
        return self.size(key, value, headers) <= self.limit(topic)

    def value_budget(self, topic: str, key: bytes | None) -> int:
        """The largest value that fits beside ``key`` (a few bytes spare for the length varints)."""
        return self.limit(topic) - self.size(key, b"") - 8

    @staticmethod
    def size(key: bytes | None, value: bytes | None, headers=None) -> int:
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        return DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, pairs)


# --------------------------------------------------------------------------- agents


def register_agents(app: faust.App, settings: Settings, executor: Executor) -> Topology:
    topology = declare_topology(app, settings)
    output = OutputSize(app.conf.producer_max_request_size, settings)

    async def dead_letter(event: EventT, value: bytes | None, reason: str, message: str, stage: str,
                          article_id: str | None = None) -> None:
        key = (article_id or _key_text(event.key) or "").encode() or None
        record = make_dead_letter(
            value or b"", reason=reason, message=message, stage=stage,
            topic=event.message.topic, partition=event.message.partition, offset=event.message.offset,
            key=_key_text(event.key), article_id=article_id, max_bytes=output.value_budget(settings.topic_dead_letters, key),
        )
        await topology.dead_letters.send(key=key, value=record.to_json())
        metrics.dead_letter(reason)
        log.info("dead letter %s at %s stage (%s)", reason, stage, article_id or record.key)

    @app.agent(topology.raw, name="ingest")
    @crash_counted
    async def ingest(stream: faust.StreamT) -> None:
        await output.load()
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
            key, parsed = article.id.encode(), article.to_json()
            headers = metrics.produced_at_headers(event.message.timestamp)
            if not output.fits(topology.by_id.get_topic_name(), key, parsed, headers):
                await dead_letter(event, value, OUTPUT_TOO_LARGE, too_large("the parsed article", parsed),
                                  "parse", article.id)
                continue
            await topology.by_id.send(key=key, value=parsed, headers=headers)

    @app.agent(topology.by_id, name="extract")
    @crash_counted
    async def extract(stream: faust.StreamT) -> None:
        await output.load()
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
                    continue
                key, features = blocking_key(result).encode(), result.to_json()
                if not output.fits(topology.by_block.get_topic_name(), key, features, event.headers):
                    await dead_letter(event, event.value, OUTPUT_TOO_LARGE, too_large("the enriched article", features),
                                      "extract", article.id)
                    continue
                await topology.by_block.send(key=key, value=features, headers=event.headers)

    @app.agent(topology.by_block, name="cluster")
    @crash_counted
    async def cluster(stream: faust.StreamT) -> None:
        await output.load()
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
                outputs = _outputs(result, output, settings)
                oversized = [value for topic, key, value in outputs if not output.fits(topic, key, value)]
                if oversized:
                    await dead_letter(event, event.value, OUTPUT_TOO_LARGE,
                                      too_large("an output of the clustering step", oversized[0]),
                                      "cluster", features.article_id)
                    continue
                await publish(outputs, result.tombstones)
                redirects = sum(1 for e in result.events if e.merged_into is not None)
                metrics.events_published(events=len(result.events) - redirects, redirects=redirects,
                                         tombstones=len(result.tombstones))
                metrics.article_out()
                if result.events:
                    metrics.observe_published(event.headers)
            store.mark_published(features.article_id, features.content_hash)
            store.apply()

    async def publish(outputs: list[tuple[str, bytes, bytes]], tombstones: list[str]) -> None:
        """Send the outputs of one clustering step and wait until the broker has them."""
        to = {settings.topic_enriched: topology.enriched, settings.topic_events: topology.events}
        sends = [to[topic].send(key=key, value=value) for topic, key, value in outputs]
        sends += [topology.events.send(key=event_id.encode(), value=None) for event_id in tombstones]
        await send_and_wait(sends)

    return topology


def _outputs(result: ClusterResult, output: OutputSize, settings: Settings) -> list[tuple[str, bytes, bytes]]:
    """(topic, key, value) of the enriched article and the earlier ones it relabelled, then of each
    event (cut to fit), of one clustering step."""
    enriched = [(settings.topic_enriched, e.article.id.encode(), e.to_json()) for e in [result.enriched, *result.relabelled]]
    events = [(settings.topic_events, key, event_json_within(e, output.value_budget(settings.topic_events, key)))
              for e, key in ((e, e.event_id.encode()) for e in result.events)]
    return [*enriched, *events]


def too_large(what: str, value: bytes) -> str:
    return f"{what} is {len(value)} bytes, more than the broker's message size allows"


def crash_counted(agent: Callable[[faust.StreamT], Awaitable[None]]) -> Callable[[faust.StreamT], Awaitable[None]]:
    """Count an agent's crash (Faust's supervisor restarts it; a restart on rebalance is no crash)."""

    @functools.wraps(agent)
    async def counted(stream: faust.StreamT) -> None:
        try:
            await agent(stream)
        except Exception:
            metrics.agent_crashed(agent.__name__)
            raise

    return counted


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _key_text(key: bytes | str | None) -> str | None:
    if key is None:
        return None
    return key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key
