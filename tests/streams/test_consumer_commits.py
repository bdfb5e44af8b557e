"""The worker's consumer never commits over an offset it did not process, and reads a skipped one again
(talkwire.streams.consumer)."""

from __future__ import annotations

import logging
from collections import defaultdict
from types import SimpleNamespace

import pytest
from faust.types import TP
from intervaltree import IntervalTree

from talkwire.streams.consumer import AtLeastOnceConsumer, StallWatch, _NoReadOffsets

PARTITION = TP("articles-by-id", 2)


def consumer_with(committed: int | None, acked: list[int], start: int | None = None) -> AtLeastOnceConsumer:
    """Only the commit bookkeeping of a consumer: what ``_new_offset`` reads (``start``: where a
    partition the group never committed starts, as ``perform_seek`` found it)."""
    consumer = AtLeastOnceConsumer.__new__(AtLeastOnceConsumer)
    consumer._committed_offset = defaultdict(lambda: None, {PARTITION: committed})
    consumer._start_offset = {} if start is None else {PARTITION: start}
    consumer._held_back = {}
    consumer.log = logging.getLogger("test-consumer")
    consumer._acked = defaultdict(list, {PARTITION: list(acked)})
    consumer._acked_index = defaultdict(set, {PARTITION: set(acked)})
    consumer._gap = defaultdict(IntervalTree)
    return consumer


@pytest.mark.parametrize(("committed", "acked", "expected"), [
    (25, [25, 26, 27], 28),  # contiguous from the committed offset
    (25, [25, 26, 28], 27),  # up to the first gap
    (None, [3, 4], 5),  # nothing committed yet, start not known
])
def test_commits_advance_over_processed_offsets(committed, acked, expected) -> None:
    assert consumer_with(committed, acked)._new_offset(PARTITION) == expected


def test_a_never_committed_partition_commits_from_its_start() -> None:
    assert consumer_with(None, [0, 1, 2], start=0)._new_offset(PARTITION) == 3
    assert consumer_with(None, [7, 8], start=7)._new_offset(PARTITION) == 9  # log start past 0
    # the first messages were dropped when flow control resumed: no commit over them
    assert consumer_with(None, [3, 4], start=0)._new_offset(PARTITION) is None


@pytest.mark.parametrize(("committed", "acked"), [
    (25, [26, 27, 28]),  # the committed offset itself dropped: Faust committed 29 over it
    (0, [1, 2]),  # Faust's check skips a committed offset of 0
    (25, [27, 28]),
])
def test_a_commit_never_passes_an_unprocessed_offset(committed, acked) -> None:
    assert consumer_with(committed, acked)._new_offset(PARTITION) is None


def test_a_partition_is_read_again_after_the_same_stall_is_seen_three_times_in_a_row() -> None:
    watch = StallWatch(checks=3)
    stuck = {PARTITION: (25, 4, 29)}  # offset 25 never processed, 26-29 were
    assert watch.stalled(stuck) == []
    assert watch.stalled(stuck) == []
    assert watch.stalled(stuck) == [(PARTITION, 25)]
    assert watch.stalled(stuck) == []  # the count starts again after a read-again


@pytest.mark.parametrize("between", [{PARTITION: (25, 5, 30)}, {PARTITION: (31, 0, -1)}, {}],
                         ids=["more acked", "committed", "busy or caught up"])
def test_any_progress_or_a_busy_check_restarts_the_count(between: dict) -> None:
    watch = StallWatch(checks=3)
    stuck = {PARTITION: (25, 4, 29)}
    watch.stalled(stuck), watch.stalled(stuck), watch.stalled(between)
    assert watch.stalled(stuck) == []


class _Queue:
    def __init__(self, size: int) -> None:
        self.size = size

    def empty(self) -> bool:
        return self.size == 0


class _Topics(list):
    def acks_enabled_for(self, topic: str) -> bool:
        return topic == PARTITION.topic


def idle_check(committed: int | None, acked: list[int], end: int, queued: int = 0,
               in_flight: tuple[int, ...] = (), changelog_queued: int = 0, start: int | None = None) -> dict:
    """``_idle_partitions_behind`` of a consumer in the given state (one source partition)."""
    consumer = consumer_with(committed, acked, start)
    channels = [SimpleNamespace(queue=_Queue(queued), acks=True),
                SimpleNamespace(queue=_Queue(changelog_queued), acks=False)]
    consumer.app = SimpleNamespace(rebalancing=False, topics=_Topics(channels))
    consumer.flow_active = True
    consumer._unacked_messages = [SimpleNamespace(tp=PARTITION, offset=o, acked=False) for o in in_flight]
    consumer.assignment = lambda: {PARTITION, TP("articles-changelog", 0)}
    consumer.highwater = lambda tp: end
    return consumer._idle_partitions_behind()


def test_an_idle_partition_with_an_unprocessed_offset_is_reported() -> None:
    assert idle_check(committed=25, acked=[26, 27], end=28) == {PARTITION: (25, 2, 27)}
    assert idle_check(committed=25, acked=[], end=26) == {PARTITION: (25, 0, -1)}  # the last one skipped
    # standby changelog records queued for a table are not stream work
    assert idle_check(committed=25, acked=[26], end=28, changelog_queued=5) == {PARTITION: (25, 1, 26)}
    # never committed: behind its start (the messages fetched before flow control resumed were dropped)
    assert idle_check(committed=None, acked=[], end=12, start=0) == {PARTITION: (0, 0, -1)}


@pytest.mark.parametrize("state", [
    {"committed": 28, "acked": [], "end": 28},  # caught up
    {"committed": 25, "acked": [26], "end": 28, "queued": 3},  # a stream has messages waiting
    {"committed": 25, "acked": [26], "end": 28, "in_flight": (25,)},  # being processed
    {"committed": None, "acked": [1], "end": 28},  # never committed, start not known (not yet sought)
], ids=["caught up", "queued", "in flight", "start not known"])
def test_a_busy_or_caught_up_partition_is_not_reported(state: dict) -> None:
    assert idle_check(**state) == {}


def test_a_never_committed_stream_partition_is_sought_to_its_start() -> None:
    """Faust seeks only committed partitions before it resumes flow control (which drops what the
    streams were handed): a never-committed one must go back to its start too, and only a stream one."""
    import asyncio

    changelog, committed_tp = TP("articles-changelog", 0), TP("articles-by-id", 1)
    consumer = consumer_with(None, [])
    consumer._read_offset = _NoReadOffsets()
    consumer.app = SimpleNamespace(topics=_Topics())
    consumer.assignment = lambda: {PARTITION, changelog, committed_tp}
    sought: dict = {}

    async def seek_to_committed():
        return {PARTITION: None, changelog: None, committed_tp: 40}

    async def earliest_offsets(*tps):
        return {tp: 5 for tp in tps}

    async def seek(tp, offset):
        sought[tp] = offset

    async def position(tp):
        return 9

    consumer.seek_to_committed, consumer.earliest_offsets, consumer.seek = seek_to_committed, earliest_offsets, seek
    consumer.position = position
    asyncio.run(consumer.perform_seek())
    assert sought == {PARTITION: 5}
    assert consumer._processed_up_to(PARTITION) == 5 and consumer._processed_up_to(committed_tp) == 40


def test_the_read_offsets_faust_would_have_acted_on_are_reported() -> None:
    reports = []
    offsets = _NoReadOffsets(lambda tp, previous, offset: reports.append((previous, offset)))
    offsets.seeking = True
    offsets[PARTITION] = 40  # a seek to the committed offset
    offsets.seeking = False
    for offset in (40, 41, 46, 42):  # processed: 46 after 41 is a 'gap', 42 after 46 a 'drop'
        offsets[PARTITION] = offset
    assert offsets[PARTITION] is None and len(offsets) == 0  # Faust never reads an offset back
    assert reports == [(40, 40), (40, 41), (41, 46), (46, 42)]


def test_each_override_says_when_it_changed_what_faust_would_have_done(caplog) -> None:
    from talkwire.streams.consumer import COMMIT_GUARD_MARK, READ_OFFSET_MARK

    consumer = consumer_with(25, [26, 27])
    consumer.app = SimpleNamespace(topics=_Topics())
    with caplog.at_level(logging.WARNING, logger="test-consumer"):
        assert consumer._new_offset(PARTITION) is None
        assert consumer._new_offset(PARTITION) is None  # the same hold-back: said once
        consumer._report_read_offset(PARTITION, 46, 42)  # would have been dropped
        consumer._report_read_offset(PARTITION, 41, 46)  # would have been a gap
        consumer._report_read_offset(PARTITION, 41, 42)  # Faust agrees
        consumer._report_read_offset(TP("articles-changelog", 0), 46, 42)  # not a stream topic
    messages = [record.getMessage() for record in caplog.records]
    assert [m.split()[0] for m in messages] == [COMMIT_GUARD_MARK, READ_OFFSET_MARK, READ_OFFSET_MARK]
    assert "have committed over it" in messages[0]  # Faust lets one missing offset at the head through
    assert "dropped" in messages[1] and "gap" in messages[2]
