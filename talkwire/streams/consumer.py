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

These overrides work around Faust, not a broker: they apply on every broker (each logs a marked
warning when it changes what Faust would have done; the fault tests count them per broker). On
the Tansu profile the consumer also takes Tansu's own workarounds
(``talkwire.streams.tansu_workarounds``: end offsets and long-poll wait).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager

import faust
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP
from mode import Service

from talkwire.settings import Settings
from talkwire.streams.broker_profile import tansu_profile
from talkwire.streams.tansu_workarounds import TansuEndOffsets, TansuFetchWait

STALL_CHECK_S = 5.0
STALL_CHECKS = 3  # idle checks in a row without progress before a partition is read again

# (committed offset, number of acked offsets above it, highest of them): unchanged means no progress
Progress = tuple[int, int, int]


# Every time one of the overrides below changes what Faust would have done, the worker logs a
# warning with one of these marks (the fault tests count them per broker; see docs in README).
READ_OFFSET_MARK = "[read-offsets]"
COMMIT_GUARD_MARK = "[commit-guard]"
STALL_WATCH_MARK = "[stall-watch]"
START_SEEK_MARK = "[start-seek]"
OVERRIDE_MARKS = (READ_OFFSET_MARK, COMMIT_GUARD_MARK, STALL_WATCH_MARK, START_SEEK_MARK)


class _NoReadOffsets(MutableMapping[TP, int | None]):
    """A read-offset map that never answers: no message is dropped, no gap is assumed.

    What Faust writes to it is still followed, only to report what its own check would have done:
    Faust writes a message's offset after processing it, so ``report(tp, previous, offset)`` is
    called for each processed message; a write made while ``seeking`` (a seek) moves it silently."""

    def __init__(self, report: Callable[[TP, int, int], None] | None = None) -> None:
        self._followed: dict[TP, int | None] = {}
        self._report = report
        self.seeking = False

    def __getitem__(self, tp: TP) -> None:
        return None

    def __setitem__(self, tp: TP, offset: int | None) -> None:
        previous = self._followed.get(tp)
        self._followed[tp] = offset
        if not self.seeking and self._report is not None and previous is not None and offset is not None:
            self._report(tp, previous, offset)

    def __delitem__(self, tp: TP) -> None:
        self._followed.pop(tp, None)

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
        self._read_offset = _NoReadOffsets(self._report_read_offset)
        self._stall_watch = StallWatch()
        # where each assigned stream partition the group never committed starts (its log start)
        self._start_offset: dict[TP, int] = {}
        self._held_back: dict[TP, tuple[int, int]] = {}  # the last commit hold-back reported per partition

    @contextmanager
    def _seeking(self) -> Iterator[None]:
        self._read_offset.seeking = True
        try:
            yield
        finally:
            self._read_offset.seeking = False

    async def seek(self, partition: TP, offset: int) -> None:
        with self._seeking():
            await super().seek(partition, offset)

    def _report_read_offset(self, tp: TP, previous: int, offset: int) -> None:
        """Faust drops a message below its read offset and takes a forward jump for a gap that a
        commit may pass over: say so whenever that would have happened to a processed message."""
        if not self.app.topics.acks_enabled_for(tp.topic):
            return
        if offset < previous:
            self.log.warning("%s %s: offset %d processed after %d without a seek: Faust would have dropped it",
                             READ_OFFSET_MARK, tp, offset, previous)
        elif previous and offset - previous > 1:
            self.log.warning("%s %s: offset %d processed right after %d: Faust would have taken %d-%d for a gap "
                             "and committed over it", READ_OFFSET_MARK, tp, offset, previous, previous + 1, offset - 1)

    async def perform_seek(self) -> None:
        """Faust's seek to the committed offsets, and a seek to the log start for every stream
        partition the group never committed (where ``auto_offset_reset=earliest`` began reading).

        Faust seeks only partitions with a committed offset, and only before it resumes flow
        control, which drops whatever the streams were handed meanwhile: a partition with no commit
        kept its fetch position past the dropped messages. With nothing of it processed, its
        committed offset stayed unknown (None), so neither the commit guard nor the stall watch
        saw the skip: a worker that joined while the repartition topics already held records read
        by-id and never processed it, or committed a later offset over the dropped ones."""
        with self._seeking():
            await super().perform_seek()
        self._start_offset.clear()
        never_committed = [tp for tp in self.assignment()
                           if self._committed_offset[tp] is None and self.app.topics.acks_enabled_for(tp.topic)]
        if never_committed:
            starts = await self.earliest_offsets(*never_committed)
            for tp in never_committed:
                start = self._start_offset[tp] = starts.get(tp) or 0
                position = await self.position(tp)
                if position is not None and position > start:
                    self.log.warning("%s %s: never committed, fetch position %d past its start %d: sought back",
                                     START_SEEK_MARK, tp, position, start)
                await self.seek(tp, start)

    def _processed_up_to(self, tp: TP) -> int | None:
        """The first offset not known to be processed: the committed offset, or the partition's
        start when the group never committed it (None: not known)."""
        committed = self._committed_offset[tp]
        return committed if committed is not None else self._start_offset.get(tp)

    @Service.timer(STALL_CHECK_S)
    async def _reread_stalled_partitions(self) -> None:
        for tp, offset in self._stall_watch.stalled(self._idle_partitions_behind()):
            self.log.warning("%s %s: offset %d was fetched but never processed; reading again from it",
                             STALL_WATCH_MARK, tp, offset)
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
            committed = self._processed_up_to(tp)
            if committed is None or tp in in_flight or not self.app.topics.acks_enabled_for(tp.topic):
                continue
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
        acked, committed = self._acked[tp], self._processed_up_to(tp)
        if acked and committed is not None and min(acked) > committed:
            if self._held_back.get(tp) != (committed, min(acked)):  # once per hold-back, not per commit timer
                self._held_back[tp] = (committed, min(acked))
                faust_committed = self._committed_offset[tp]
                faust_passes = not faust_committed or min(acked) - faust_committed == 1
                self.log.warning("%s %s: offset %d not processed, %d is: commit held back (Faust would %s)",
                                 COMMIT_GUARD_MARK, tp, committed, min(acked),
                                 "have committed over it" if faust_passes else "have held it back too")
            return None
        return super()._new_offset(tp)


class LocalBrokerConsumer(TansuEndOffsets, TansuFetchWait, AtLeastOnceConsumer):
    """The at-least-once consumer with Tansu's workarounds (the Tansu profile only)."""


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
