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

A message can still be skipped by the stream itself in the live run: at the end of a recovery
Faust resumes the stream partitions and seeks them to the committed offsets, and only then
resumes flow control, which clears the stream queues of whatever was fetched in between (its
drain loop also cancels a delivery when the flow is suspended). The commit then stops below the
skipped message, and once the worker is idle a watch reads such a partition again from its
committed offset instead of leaving the message to the next restart.

Transactions (``exactly_once``) write control records that leave real gaps in the offsets: that
mode uses the subclass in faust_transactions.py, which learns those gaps from aiokafka.

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
from mode import Service

from talkwire.settings import Settings
from talkwire.streams.broker_profile import tansu_profile
from talkwire.streams.connection import LOCAL_BROKER_FETCH_WAIT_MS, reader_options

LAST_BATCH_POLL_MS = 200  # a partition silent for one poll after its last batch is at its end
LAST_BATCH_TIMEOUT_S = 30.0
STALL_CHECK_S = 5.0
STALL_CHECKS = 3  # idle checks in a row without progress before a partition is read again

# (committed offset, number of acked offsets above it, highest of them): unchanged means no progress
Progress = tuple[int, int, int]


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


class StallWatch:
    """Partitions seen behind their end with the same progress ``checks`` times in a row."""

    def __init__(self, checks: int = STALL_CHECKS) -> None:
        self.checks = checks
        self._seen: dict[TP, tuple[Progress, int]] = {}

    def stalled(self, behind: Mapping[TP, Progress]) -> list[tuple[TP, int]]:
        """Feed one check's idle partitions that are behind; return (partition, committed) to read again."""
        seen: dict[TP, tuple[Progress, int]] = {}
        stalled = []
        for tp, progress in behind.items():
            previous, count = self._seen.get(tp, (None, 0))
            count = count + 1 if previous == progress else 1
            if count >= self.checks:
                stalled.append((tp, progress[0]))
                count = 0
            seen[tp] = (progress, count)
        self._seen = seen
        return stalled


class AtLeastOnceConsumer(aiokafka_driver.Consumer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._read_offset = _NoReadOffsets()
        self._stall_watch = StallWatch()

    @Service.timer(STALL_CHECK_S)
    async def _reread_stalled_partitions(self) -> None:
        for tp, offset in self._stall_watch.stalled(self._idle_partitions_behind()):
            self.log.warning("%s: offset %d was fetched but never processed; reading again from it", tp, offset)
            await self.seek(tp, offset)

    def _idle_partitions_behind(self) -> dict[TP, Progress]:
        """The progress of each partition with offsets left to process and none in flight; nothing
        while the flow is stopped or any stream has messages queued (a busy worker is not stalled).
        Only acking channels count: the changelog queue fills with standby records on a busy cluster,
        and the leader topic's queue would be created by merely reading it."""
        if not self.flow_active or self.app.rebalancing or self._stream_messages_queued():
            return {}
        in_flight = {message.tp for message in list(self._unacked_messages) if not message.acked}
        behind = {}
        for tp in self.assignment():
            committed = self._committed_offset[tp]
            if committed is None or tp in in_flight or not self.app.topics.acks_enabled_for(tp.topic):
                continue  # None: never committed, where the partition starts is not known here
            end = self.highwater(tp)  # of the last fetch (Tansu's ListOffsets answer is short, not this)
            if end is not None and committed < end:
                acked = self._acked[tp]
                behind[tp] = (committed, len(acked), max(acked, default=-1))
        return behind

    def _stream_messages_queued(self) -> bool:
        return any(not channel.queue.empty() for channel in self.app.topics if channel.acks)

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
            from talkwire.streams.faust_transactions import ExactlyOnceTransport

            return ExactlyOnceTransport(self.conf.broker_consumer, self)
        transport = LocalBrokerTransport if tansu_profile(self.talkwire_settings) else AtLeastOnceTransport
        return transport(self.conf.broker_consumer, self)
