"""Offline replay: the stream's functions run in one process over files, in replay order.

Reads JSONL (one article a line), JSON (an array of articles or one object), plain-text
dispatches (``.txt``) or a folder of those; parses, sorts by ``article_sort_key``, enriches in
batches, builds features and clusters per blocking key with dict stores.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import orjson

from talkwire.processors.cluster.clustering import blocking_key, cluster_article
from talkwire.processors.dead_letters import make_dead_letter
from talkwire.processors.errors import InputError
from talkwire.processors.cluster.features import build_features
from talkwire.processors.parse.parsing import article_sort_key, parse_message
from talkwire.processors.records import (
    Article,
    ArticleFeatures,
    CanonicalEvent,
    DeadLetter,
    EnrichedArticle,
    RawMessage,
    ReplayResult,
)
from talkwire.settings import Settings

INPUT_SUFFIXES = (".jsonl", ".json", ".txt")


class Enricher(Protocol):
    def enrich(self, articles: list[Article]) -> list[EnrichedArticle | InputError]: ...


def read_messages(path: str | Path) -> Iterator[RawMessage]:
    """RawMessages from a file or, recursively and in name order, a folder of input files."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in INPUT_SUFFIXES):
            yield from read_messages(child)
        return
    data = path.read_bytes()
    if path.suffix == ".txt":
        yield RawMessage(value=data, key=path.stem, source=str(path))
    elif path.suffix == ".json":
        yield from _json_messages(data, str(path))
    else:
        for number, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                yield RawMessage(value=line, source=f"{path}:{number}")


def _json_messages(data: bytes, source: str) -> Iterator[RawMessage]:
    """One message per element of a JSON array; anything else is one message (maybe a dead letter)."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield RawMessage(value=orjson.dumps(item), source=f"{source}[{index}]")
    else:
        yield RawMessage(value=data, source=source)


class OfflinePipeline:
    def __init__(self, settings: Settings, *, extractor: Enricher | None = None) -> None:
        self.settings = settings
        self._extractor = extractor

    @property
    def extractor(self) -> Enricher:
        if self._extractor is None:
            from talkwire.processors.extract.extraction import Extractor

            self._extractor = Extractor(self.settings)
        return self._extractor

    def run(self, messages: Iterable[RawMessage]) -> ReplayResult:
        started = time.perf_counter()
        articles, dead_letters = self._parse(messages)
        articles.sort(key=article_sort_key)
        replay = _Replay(self.settings)
        for start in range(0, len(articles), max(1, self.settings.batch_size)):
            batch = articles[start : start + self.settings.batch_size]
            enriched = []
            for article, outcome in zip(batch, self.extractor.enrich(batch)):
                if isinstance(outcome, InputError):
                    dead_letters.append(
                        make_dead_letter(article.to_json(), reason=outcome.code, message=outcome.message,
                                         stage="extract", key=article.id, article_id=article.id)
                    )
                else:
                    enriched.append(outcome)
            for features in build_features(enriched):
                dead_letters.extend(replay.add(features))
        return ReplayResult(
            events=replay.live_events(),
            enriched=list(replay.articles.values()),
            dead_letters=dead_letters,
            seconds=round(time.perf_counter() - started, 3),
        )

    def _parse(self, messages: Iterable[RawMessage]) -> tuple[list[Article], list[DeadLetter]]:
        articles: list[Article] = []
        dead_letters: list[DeadLetter] = []
        for message in messages:
            try:
                articles.append(parse_message(message.value, self.settings.limits, key=message.key))
            except InputError as error:
                dead_letters.append(
                    make_dead_letter(message.value, reason=error.code, message=error.message, stage="parse",
                                     key=message.key, topic=message.source)
                )
        return articles, dead_letters


class _Replay:
    """Block stores and the output topics as dicts: what the cluster agent keeps in tables and publishes."""

    def __init__(self, settings: Settings) -> None:
        self.limits = settings.limits
        self.stores: dict[str, dict[str, bytes]] = {}
        self.events: dict[str, CanonicalEvent] = {}
        self.articles: dict[str, EnrichedArticle] = {}  # id -> latest published (relabelled when its event moved)

    def add(self, features: ArticleFeatures) -> list[DeadLetter]:
        key = blocking_key(features)
        result = cluster_article(self.stores.setdefault(key, {}), features, self.limits)
        if result.status == "conflict":
            article = features.enriched.article
            return [
                make_dead_letter(article.to_json(), reason="duplicate_id_conflict", stage="cluster",
                                 message=f"article {article.id} was already seen with other content",
                                 key=article.id, article_id=article.id)
            ]
        if result.status != "redelivery":
            self.articles[features.article_id] = result.enriched
        for enriched in result.relabelled:
            self.articles[enriched.article.id] = enriched
        for event in result.events:
            self.events[event.event_id] = event
        for event_id in result.tombstones:
            self.events.pop(event_id, None)
        return []

    def live_events(self) -> list[CanonicalEvent]:
        live = [event for event in self.events.values() if event.merged_into is None]
        return sorted(live, key=lambda event: (event.first_seen or "", event.event_id))
