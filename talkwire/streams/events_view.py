"""A read model of the events topic: the latest record per live event, kept in memory.

Every worker reads the whole topic itself (no consumer group, all partitions, from the beginning),
so any worker can serve the full events page. It is a cache derived from the topic, not state:
a restart rebuilds it. Listeners (the SSE stream) get one change per record, numbered; the last
``HISTORY_SIZE`` changes are kept so a client that reconnects gets what it missed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

from talkwire.processors.extract.gazetteer import fold
from talkwire.processors.records import CanonicalEvent, EventType
from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.connection import reader_options, topic_partitions

log = logging.getLogger(__name__)

RETRY_AFTER_S = 2.0
LISTENER_QUEUE_SIZE = 1_000  # a listener this far behind is dropped (its client reconnects)
HISTORY_SIZE = 10_000  # changes kept for clients that resume a stream (Last-Event-ID)
MAX_REDIRECT_HOPS = 16  # redirects point at the live event; older records may still chain


@dataclass(frozen=True)
class EventChange:
    """One change of the view: ``event`` is None when ``event_id`` left it (tombstone or merge)."""

    event_id: str
    event: CanonicalEvent | None
    updated_at: str
    merged_into: str | None = None


@dataclass(frozen=True)
class LiveEvent:
    event: CanonicalEvent
    updated_at: str  # when the record was written to the topic (ISO 8601 UTC)


@dataclass(frozen=True)
class EventQuery:
    """A selection of live events: every given condition holds (parties: all of them take part)."""

    event_types: frozenset[EventType] = frozenset()
    parties: frozenset[str] = frozenset()
    date_from: str | None = None  # YYYY-MM-DD; an event dated by month or year matches if it overlaps
    date_to: str | None = None
    text: str | None = None  # folded words, all found in the event's title, names, places or reports
    words: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", tuple(fold(self.text).split()) if self.text else ())

    def matches(self, event: CanonicalEvent) -> bool:
        if self.event_types and event.event_type not in self.event_types:
            return False
        if not self.parties <= set(event.parties) or not self._dated_within(event.date):
            return False
        text = searchable_text(event) if self.words else ""
        return all(word in text for word in self.words)

    def _dated_within(self, date: str | None) -> bool:
        if self.date_from is None and self.date_to is None:
            return True
        if not date:
            return False
        first, last = date_span(date)
        return (self.date_from is None or last >= self.date_from) and (self.date_to is None or first <= self.date_to)


def date_span(date: str) -> tuple[str, str]:
    """The first and last day a YYYY, YYYY-MM or YYYY-MM-DD date covers, comparable as strings
    (a month ends on its '31': no real date falls after it)."""
    return {4: (f"{date}-01-01", f"{date}-12-31"), 7: (f"{date}-01", f"{date}-31")}.get(len(date), (date, date))


def searchable_text(event: CanonicalEvent) -> str:
    """What ``?q=`` searches, folded like the gazetteer folds names (case, accents, hyphens)."""
    parts = [event.title, event.event_type, event.location.place, event.location.region, event.location.country,
             *event.parties, *event.outcomes, *(p.name for p in event.participants),
             *(a.title for a in event.articles), *(a.source for a in event.articles)]
    return fold(" ".join(part for part in parts if part))


class EventsState:
    """The latest record per event id; tombstones delete, redirect records move the absorbed id to ``redirects``."""

    def __init__(self) -> None:
        self.events: dict[str, LiveEvent] = {}
        self.redirects: dict[str, str] = {}  # absorbed event id -> the id it was merged into

    def apply(self, key: str, value: bytes | None, timestamp_ms: int) -> EventChange:
        updated_at = datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat(timespec="milliseconds")
        if value is None:
            self.events.pop(key, None)
            self.redirects.pop(key, None)
            return EventChange(key, None, updated_at)
        event = CanonicalEvent.from_json(value)
        if event.merged_into is not None:
            self.events.pop(event.event_id, None)
            self.redirects[event.event_id] = event.merged_into
            return EventChange(event.event_id, None, updated_at, merged_into=event.merged_into)
        self.redirects.pop(event.event_id, None)
        self.events[event.event_id] = LiveEvent(event, updated_at)
        return EventChange(event.event_id, event, updated_at)

    def live_id(self, event_id: str) -> str | None:
        """The live event an id stands for: itself, or where its redirects lead; None if unknown or gone."""
        for _ in range(MAX_REDIRECT_HOPS):
            if event_id in self.events:
                return event_id
            if event_id not in self.redirects:
                return None
            event_id = self.redirects[event_id]
        return None

    def newest_first(self, query: EventQuery = EventQuery()) -> list[LiveEvent]:
        """Matching live events, most recently updated first (ties by event id: a stable order)."""
        matching = [live for live in self.events.values() if query.matches(live.event)]
        return sorted(matching, key=order_key, reverse=True)


def order_key(live: LiveEvent) -> tuple[str, str]:
    return live.updated_at, live.event.event_id


@dataclass(frozen=True)
class NumberedChange:
    """A change with its place in this view's sequence; ``stream_id`` is what SSE sends as ``id:``."""

    number: int
    change: EventChange
    stream_id: str


class EventsView(Service):
    """Consumes the events topic into :class:`EventsState` and tells listeners about each change.

    Changes are numbered per view; a stream id is ``<view token>-<number>``, so an id from another
    worker or from before a restart is recognised as foreign (that client gets a fresh snapshot).
    """

    def __init__(self, settings: Settings, **kwargs) -> None:
        self.settings = settings
        self.store = EventsState()
        self.token = uuid.uuid4().hex[:12]
        self.sequence = 0  # number of the latest change
        self._history: deque[NumberedChange] = deque(maxlen=HISTORY_SIZE)
        self._listeners: set[asyncio.Queue[NumberedChange | None]] = set()
        super().__init__(**kwargs)

    def stream_id(self, number: int) -> str:
        return f"{self.token}-{number}"

    def changes_since(self, stream_id: str) -> list[NumberedChange] | None:
        """The changes after ``stream_id``; None when they cannot be told (foreign or too old an id)."""
        token, _, number = stream_id.rpartition("-")
        if token != self.token or not number.isdigit() or int(number) > self.sequence:
            return None
        since = int(number)
        oldest = self._history[0].number if self._history else self.sequence + 1
        if since + 1 < oldest:
            return None
        return [numbered for numbered in self._history if numbered.number > since]

    def listen(self) -> asyncio.Queue[NumberedChange | None]:
        """A queue of changes; ``None`` in it means the view stops (the listener should end)."""
        queue: asyncio.Queue[NumberedChange | None] = asyncio.Queue(LISTENER_QUEUE_SIZE)
        self._listeners.add(queue)
        return queue

    def listening(self, queue: asyncio.Queue[NumberedChange | None]) -> bool:
        return queue in self._listeners

    def unlisten(self, queue: asyncio.Queue[NumberedChange | None]) -> None:
        self._listeners.discard(queue)

    def close_listeners(self) -> None:
        """Tell every listener to end: open event streams would hold the web server's shutdown."""
        for queue in self._listeners:
            if not queue.full():
                queue.put_nowait(None)
        self._listeners.clear()

    async def on_stop(self) -> None:
        self.close_listeners()

    def apply(self, key: str, value: bytes | None, timestamp_ms: int) -> NumberedChange:
        """Apply one record of the topic and tell the listeners."""
        self.sequence += 1
        numbered = NumberedChange(self.sequence, self.store.apply(key, value, timestamp_ms), self.stream_id(self.sequence))
        self._history.append(numbered)
        for queue in list(self._listeners):
            try:
                queue.put_nowait(numbered)
            except asyncio.QueueFull:
                log.warning("events listener too slow, dropped")
                self._listeners.discard(queue)
        return numbered

    @Service.task
    async def _consume(self) -> None:
        while not self.should_stop:
            try:
                await self._follow_topic()
            except Exception:  # noqa: BLE001 - the page must come back once the broker does
                log.exception("events view: reading %s failed, retrying", self.settings.topic_events)
                await self.sleep(RETRY_AFTER_S)

    async def _follow_topic(self) -> None:
        """Read the topic from the beginning (re-applying records is idempotent) and keep following it."""
        consumer = AIOKafkaConsumer(
            **reader_options(self.settings), group_id=None, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            await self._assign_all(consumer)
            while not self.should_stop:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        key = record.key.decode() if record.key is not None else ""
                        self.apply(key, record.value, record.timestamp)
                metrics.set_active_events(len(self.store.events))
        finally:
            await consumer.stop()

    async def _assign_all(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        topic = self.settings.topic_events
        while not self.should_stop:
            partitions = await topic_partitions(consumer, topic)
            if partitions:
                consumer.assign(partitions)
                return partitions
            await asyncio.sleep(1.0)
        return []

