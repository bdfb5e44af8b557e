"""A read model of the events topic: the latest record per live event, kept in memory.

Every worker reads the whole topic itself (no consumer group, all partitions, from the beginning),
so any worker can serve the full events page. It is a cache derived from the topic, not state:
a restart rebuilds it. Listeners (the SSE stream) get one change per record.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

from talkwire.processors.records import CanonicalEvent
from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.connection import reader_options, topic_partitions

log = logging.getLogger(__name__)

RETRY_AFTER_S = 2.0
LISTENER_QUEUE_SIZE = 1_000  # a listener this far behind is dropped (its client reconnects)


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


class EventsState:
    """The latest record per event id; tombstones delete, redirect records remove the absorbed id."""

    def __init__(self) -> None:
        self.events: dict[str, LiveEvent] = {}

    def apply(self, key: str, value: bytes | None, timestamp_ms: int) -> EventChange:
        updated_at = datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat(timespec="milliseconds")
        if value is None:
            self.events.pop(key, None)
            return EventChange(key, None, updated_at)
        event = CanonicalEvent.from_json(value)
        if event.merged_into is not None:
            self.events.pop(event.event_id, None)
            return EventChange(event.event_id, None, updated_at, merged_into=event.merged_into)
        self.events[event.event_id] = LiveEvent(event, updated_at)
        return EventChange(event.event_id, event, updated_at)

    def newest_first(self, *, event_type: str | None = None, party: str | None = None) -> list[LiveEvent]:
        matching = [
            live for live in self.events.values()
            if (event_type is None or live.event.event_type == event_type)
            and (party is None or party.upper() in live.event.parties)
        ]
        return sorted(matching, key=lambda live: (live.updated_at, live.event.event_id), reverse=True)


class EventsView(Service):
    """Consumes the events topic into :class:`EventsState` and tells listeners about each change."""

    def __init__(self, settings: Settings, **kwargs) -> None:
        self.settings = settings
        self.store = EventsState()
        self._listeners: set[asyncio.Queue[EventChange | None]] = set()
        super().__init__(**kwargs)

    def listen(self) -> asyncio.Queue[EventChange | None]:
        """A queue of changes; ``None`` in it means the view stops (the listener should end)."""
        queue: asyncio.Queue[EventChange | None] = asyncio.Queue(LISTENER_QUEUE_SIZE)
        self._listeners.add(queue)
        return queue

    def listening(self, queue: asyncio.Queue[EventChange | None]) -> bool:
        return queue in self._listeners

    def unlisten(self, queue: asyncio.Queue[EventChange | None]) -> None:
        self._listeners.discard(queue)

    def close_listeners(self) -> None:
        """Tell every listener to end: open event streams would hold the web server's shutdown."""
        for queue in self._listeners:
            if not queue.full():
                queue.put_nowait(None)
        self._listeners.clear()

    async def on_stop(self) -> None:
        self.close_listeners()

    def _notify(self, change: EventChange) -> None:
        for queue in list(self._listeners):
            try:
                queue.put_nowait(change)
            except asyncio.QueueFull:
                log.warning("events listener too slow, dropped")
                self._listeners.discard(queue)

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
            partitions = await self._assign_all(consumer)
            while not self.should_stop:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        key = record.key.decode() if record.key is not None else ""
                        self._notify(self.store.apply(key, record.value, record.timestamp))
                metrics.set_active_events(len(self.store.events))
                positions = {tp: await consumer.position(tp) for tp in partitions}
                metrics.set_consumer_lag(_lags(consumer, positions))
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


def _lags(consumer: AIOKafkaConsumer, positions: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
    highwaters = {tp: consumer.highwater(tp) for tp in positions}
    return {tp: max(0, highwaters[tp] - position) for tp, position in positions.items() if highwaters[tp] is not None}
