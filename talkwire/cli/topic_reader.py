"""Reading a topic like ``kcat -C``: where to start, what to keep, when to stop.

No consumer group and no commits; a reader never creates a topic (a missing one is an error
naming it).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from talkwire.settings import Settings

_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d|w)", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


class MissingTopic(LookupError):
    """The topic does not exist; readers never create one."""


@dataclass(frozen=True)
class ReadOptions:
    from_beginning: bool = False
    offset: int | None = None  # per partition; negative: that many records before the end
    since_ms: int | None = None  # first record at or after this time (ms since the epoch)
    partitions: tuple[int, ...] = ()  # all when empty
    key: str | None = None
    max_records: int | None = None
    # stop once every partition is read up to the end offset it had when reading started (records
    # written meanwhile and fetched with the last ones are shown too, as kcat -e does)
    exit_at_end: bool = False
    idle_exit: float | None = None  # stop once this long passes without a record (counted from the start)
    timeout: float | None = None


def parse_time(text: str, now: datetime | None = None) -> int:
    """Milliseconds since the epoch of an ISO 8601 time (UTC when it has no offset) or a relative one ('2h', '30m', '1d' ago)."""
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        ago = timedelta(seconds=float(relative.group(1)) * _UNIT_SECONDS[relative.group(2).lower()])
        return int(((now or datetime.now(timezone.utc)) - ago).timestamp() * 1000)
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is neither an ISO 8601 time nor a relative one like 30m, 2h, 1d") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return int(instant.timestamp() * 1000)


async def read_topic(settings: Settings, topic: str, on_record: Callable, options: ReadOptions) -> int:
    """Call ``on_record`` for each record kept until a stop condition (or Ctrl-C); the count kept."""
    from aiokafka import AIOKafkaConsumer

    from talkwire.streams.connection import reader_options

    consumer = AIOKafkaConsumer(**reader_options(settings), group_id=None,
                                auto_offset_reset="earliest" if options.from_beginning else "latest")
    await consumer.start()
    await asyncio.sleep(0)  # lets the consumer's background task start; stopping before that raises (aiokafka 0.14)
    try:
        assigned = await _assign(consumer, topic, options)
        ends = await consumer.end_offsets(assigned) if options.exit_at_end else {}
        return await _read(consumer, assigned, ends, on_record, options)
    finally:
        await consumer.stop()


async def _assign(consumer, topic: str, options: ReadOptions) -> list:
    from aiokafka import TopicPartition

    from talkwire.streams.connection import topic_partitions

    existing = {tp.partition for tp in await topic_partitions(consumer, topic)}
    if not existing:
        raise MissingTopic(f"topic {topic!r} does not exist")
    unknown = sorted(set(options.partitions) - existing)
    if unknown:
        raise MissingTopic(f"topic {topic!r} has no partition {unknown[0]} (it has 0-{max(existing)})")
    assigned = [TopicPartition(topic, p) for p in sorted(options.partitions or existing)]
    consumer.assign(assigned)
    if options.since_ms is not None:
        found = await consumer.offsets_for_times({tp: options.since_ms for tp in assigned})
        ends = await consumer.end_offsets(assigned)
        for tp in assigned:
            consumer.seek(tp, found[tp].offset if found.get(tp) is not None else ends[tp])
    elif options.offset is not None:
        starts, ends = await consumer.beginning_offsets(assigned), await consumer.end_offsets(assigned)
        for tp in assigned:
            wanted = options.offset if options.offset >= 0 else ends[tp] + options.offset
            consumer.seek(tp, min(max(wanted, starts[tp]), ends[tp]))
    elif options.from_beginning:
        await consumer.seek_to_beginning(*assigned)
    return assigned


async def _read(consumer, assigned: list, ends: dict, on_record: Callable, options: ReadOptions) -> int:
    started = last_record = time.monotonic()
    kept = 0
    while True:
        if options.exit_at_end and all([await consumer.position(tp) >= ends[tp] for tp in assigned]):
            return kept
        batches = await consumer.getmany(*assigned, timeout_ms=500)
        for records in batches.values():
            for record in records:
                last_record = time.monotonic()
                if options.since_ms is not None and record.timestamp < options.since_ms:
                    continue  # Tansu answers a time lookup with too low an offset (README: Tansu's limits)
                if options.key is not None and (record.key is None or record.key.decode("utf-8", "replace") != options.key):
                    continue
                on_record(record)
                kept += 1
                if options.max_records is not None and kept >= options.max_records:
                    return kept
        now = time.monotonic()
        if options.idle_exit is not None and now - last_record >= options.idle_exit:
            return kept
        if options.timeout is not None and now - started >= options.timeout:
            return kept

