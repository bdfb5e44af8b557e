"""What the running pipeline published for a set of articles, as the offline replay's result.

``talkwire eval --via-kafka`` produces a corpus to the raw topic, then reads the enriched, events
and dead-letter topics from the beginning until every article has its enriched record (or a dead
letter) and the events topic has been idle for a while. The latest event record per key is what
compaction keeps; the live events holding the corpus' articles give each article its event and
copy source (the events' ``articles`` lists are recomputed on every change, whereas an enriched
record says where the article went when it was processed), the enriched records give the frames.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer

from talkwire.processors.errors import InputError
from talkwire.processors.parse.parsing import parse_message
from talkwire.processors.records import CanonicalEvent, DeadLetter, EnrichedArticle, RawMessage, ReplayResult
from talkwire.settings import Limits, Settings
from talkwire.streams.connection import reader_options, topic_partitions


def expected_article_ids(messages: Iterable[RawMessage], limits: Limits) -> set[str]:
    """Ids of the messages that parse (the others can only come back as dead letters without an id)."""
    ids = set()
    for message in messages:
        try:
            ids.add(parse_message(message.value, limits, key=message.key).id)
        except InputError:
            continue
    return ids


class _Outputs:
    """The latest record per key of the output topics, as far as read."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.enriched: dict[str, EnrichedArticle] = {}
        self.events: dict[str, bytes | None] = {}
        self.dead_letters: dict[str, DeadLetter] = {}

    def add(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        key_text = key.decode("utf-8", "replace") if key is not None else ""
        if topic == self.settings.topic_events:
            self.events[key_text] = value
        elif value is None:
            return
        elif topic == self.settings.topic_enriched:
            self.enriched[key_text] = EnrichedArticle.from_json(value)
        else:
            letter = DeadLetter.from_json(value)
            self.dead_letters[letter.article_id or letter.key or key_text] = letter

    def missing(self, article_ids: set[str]) -> set[str]:
        return article_ids - self.enriched.keys() - self.dead_letters.keys()

    def replay_result(self, article_ids: set[str], seconds: float) -> ReplayResult:
        live = [
            event for event in (CanonicalEvent.from_json(value) for value in self.events.values() if value is not None)
            if event.merged_into is None and any(ref.id in article_ids for ref in event.articles)
        ]
        placed = {ref.id: (event.event_id, ref.duplicate_of) for event in live for ref in event.articles}
        enriched = []
        for article_id in sorted(article_ids & self.enriched.keys()):
            item = self.enriched[article_id]
            event_id, duplicate_of = placed.get(article_id, (item.event_id, item.duplicate_of))
            enriched.append(item.model_copy(update={"event_id": event_id, "duplicate_of": duplicate_of}))
        return ReplayResult(
            events=sorted(live, key=lambda event: (event.first_seen or "", event.event_id)),
            enriched=enriched,
            dead_letters=[letter for article_id, letter in self.dead_letters.items() if article_id in article_ids],
            seconds=round(seconds, 3),
        )


async def collect_replay(settings: Settings, article_ids: set[str], *, started: float,
                         idle_s: float = 3.0, timeout_s: float = 600.0) -> ReplayResult:
    """Read the output topics until ``article_ids`` are all out and the events topic is idle for ``idle_s``.

    ``started`` (``time.monotonic()``) is when the articles were sent; ``seconds`` of the result runs
    from it to the last article's output. Raises TimeoutError when articles are still missing after
    ``timeout_s``.
    """
    topics = (settings.topic_enriched, settings.topic_events, settings.topic_dead_letters)
    consumer = AIOKafkaConsumer(**reader_options(settings), group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    await asyncio.sleep(0)  # an aiokafka 0.14 consumer stopped before its task ran raises CancelledError
    try:
        found = {topic: await topic_partitions(consumer, topic) for topic in topics}
        partitions = [tp for tps in found.values() for tp in tps]
        absent = [topic for topic, tps in found.items() if not tps]
        if absent:
            raise LookupError(f"topics missing: {', '.join(absent)} (is the pipeline running?)")
        consumer.assign(partitions)
        outputs = _Outputs(settings)
        finished_at: float | None = None
        last_event_at = time.monotonic()
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    outputs.add(record.topic, record.key, record.value)
                    if record.topic == settings.topic_events:
                        last_event_at = time.monotonic()
            now = time.monotonic()
            if finished_at is None and not outputs.missing(article_ids):
                finished_at = now
            if finished_at is not None and now - max(finished_at, last_event_at) >= idle_s:
                return outputs.replay_result(article_ids, finished_at - started)
            if finished_at is None and now - started > timeout_s:
                missing = outputs.missing(article_ids)
                raise TimeoutError(f"{len(missing)} of {len(article_ids)} articles have no output after {timeout_s:.0f} s")
    finally:
        await consumer.stop()
