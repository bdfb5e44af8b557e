"""Faust's Kafka consumer without its read-offset shortcuts, for at-least-once processing.

Faust (0.15) remembers the last offset it read per partition and
  - drops a message whose offset is below it ("already read"), and
  - treats a forward jump past it as a gap (compacted records, transaction markers) that a
    commit may pass over.
After a restart its recovery resumes the stream partitions before their seek to the committed
offsets completes, so the drain loop can read a few messages at a stale position, then drop the
messages the seek brings back, and commit past them: articles were lost, seen in the
state-recovery test (issue #6). Without the shortcuts every fetched message is processed (a
seek back only means redeliveries, which every talkwire stage treats as idempotent) and a commit
never passes an offset that was not processed.

Transactions (``exactly_once``) write control records that leave real gaps in the offsets, so
that mode keeps Faust's own consumer.

On the local broker (Tansu 0.6) the consumer also
  - corrects the highwaters Faust's recovery reads a changelog up to: Tansu answers
    ListOffsets(latest) with the first offset of the partition's last write batch + 1, so a
    restore would stop short of the last batch's other records (or fail on an offset "above the
    highwater"); the true end is read from that last batch itself;
  - long-polls for at most 100 ms instead of Faust's fixed 1.5 s: Tansu answers a fetch of
    several partitions only when its wait is over, even when records arrived meanwhile, which
    made every stage of the stream wait up to 1.5 s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping, MutableMapping

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP

from talkwire.settings import Settings
from talkwire.streams.connection import LOCAL_BROKER_FETCH_WAIT_MS, reader_options

LAST_BATCH_POLL_MS = 200  # a partition silent for one poll after its last batch is at its end
LAST_BATCH_TIMEOUT_S = 30.0


class _NoReadOffsets(MutableMapping[TP, int | None]):
    """A read-offset map that never remembers: no message is dropped, no gap is assumed."""

    def __getitem__(self, tp: TP) -> None:
        return None

    def __setitem__(self, tp: TP, offset: int | None) -> None:
        pass

    def __delitem__(self, tp: TP) -> None:
        pass

    def __iter__(self) -> Iterator[TP]:
        return iter(())

    def __len__(self) -> int:
        return 0


class AtLeastOnceConsumer(aiokafka_driver.Consumer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._read_offset = _NoReadOffsets()

    def _new_offset(self, tp: TP) -> int | None:
        """Faust's next offset to commit, except that it never passes the committed offset while that
        offset is unacked. Faust refuses only a gap of two or more at the head of the acked offsets
        (``min(acked) - committed > 1``, and not at all when the committed offset is 0), so a single
        message dropped right after a commit was committed over: an article lost in one run of the
        state-recovery test. A commit held back here means redeliveries after a restart, not a loss."""
        acked, committed = self._acked[tp], self._committed_offset[tp]
        if acked and committed is not None and min(acked) > committed:
            return None
        return super()._new_offset(tp)


class LocalBrokerConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: aiokafka_driver.Transport) -> AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = LOCAL_BROKER_FETCH_WAIT_MS  # Faust passes a fixed 1500; read at start()
        return consumer


class LocalBrokerConsumer(AtLeastOnceConsumer):
    def _new_consumer_thread(self) -> LocalBrokerConsumerThread:
        return LocalBrokerConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        reported = await super().highwaters(*partitions)
        return await last_batch_ends(self.app.talkwire_settings, reported)


async def last_batch_ends(settings: Settings, reported: Mapping[TP, int]) -> dict[TP, int]:
    """Each partition's end offset, read from the write batch that holds offset ``reported - 1``."""
    ends = dict(reported)
    todo = {TopicPartition(tp.topic, tp.partition): tp for tp, end in reported.items() if end and end > 0}
    if not todo:
        return ends
    reader = AIOKafkaConsumer(**reader_options(settings), group_id=None)
    await reader.start()
    await asyncio.sleep(0)  # aiokafka 0.14: a consumer stopped before its task ran raises
    try:
        reader.assign(list(todo))
        for tp, key in todo.items():
            reader.seek(tp, reported[key] - 1)
        seen: set[TopicPartition] = set()
        deadline = time.monotonic() + LAST_BATCH_TIMEOUT_S
        while True:
            batches = await reader.getmany(timeout_ms=LAST_BATCH_POLL_MS)
            for tp, records in batches.items():
                ends[todo[tp]] = max(ends[todo[tp]], records[-1].offset + 1)
            seen |= batches.keys()
            timed_out = time.monotonic() > deadline
            if seen >= todo.keys() and (not batches or timed_out):
                break  # every partition at its end (or still being written to: any end read will do)
            if timed_out:
                raise TimeoutError(f"no record read at the reported end of {sorted(todo.keys() - seen)}")
    finally:
        await reader.stop()
    return ends


class AtLeastOnceTransport(aiokafka_driver.Transport):
    Consumer = AtLeastOnceConsumer


class LocalBrokerTransport(aiokafka_driver.Transport):
    Consumer = LocalBrokerConsumer


class TalkwireApp(faust.App):
    """The Faust app with talkwire's consumer."""

    def __init__(self, settings: Settings, **options) -> None:
        self.talkwire_settings = settings
        super().__init__(settings.app_id, **options)

    def _new_transport(self) -> faust.types.TransportT:
        if self.conf.processing_guarantee == faust.types.enums.ProcessingGuarantee.EXACTLY_ONCE:
            return super()._new_transport()
        transport = LocalBrokerTransport if self.talkwire_settings.local_broker else AtLeastOnceTransport
        return transport(self.conf.broker_consumer, self)
