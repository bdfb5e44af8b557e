"""Why exactly-once needs talkwire.streams.faust_transactions (the end-to-end check is
test_exactly_once.py): a commit passes the offsets aiokafka skipped (transaction markers) but no
unprocessed one, and it waits for the events in processing."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from types import SimpleNamespace

import pytest
from faust.types import TP

from talkwire.streams.consumer import AtLeastOnceConsumer
from talkwire.streams.faust_transactions import CommitGate, ExactlyOnceConsumer, worker_transactional_id

PARTITION = TP("articles-by-id", 1)


def consumer_with(cls, committed: int | None, acked: list[int], skipped: list[tuple[int, int]] = (),
                  first_fetched: int | None = None):
    """Only the commit bookkeeping of a consumer: what ``_new_offset`` reads."""
    consumer = cls.__new__(cls)
    consumer._committed_offset = defaultdict(lambda: None, {PARTITION: committed})
    consumer._acked = defaultdict(list, {PARTITION: list(acked)})
    consumer._acked_index = defaultdict(set, {PARTITION: set(acked)})
    consumer._skipped = defaultdict(list, {PARTITION: list(skipped)})
    consumer._first_fetched = {} if first_fetched is None else {PARTITION: first_fetched}
    consumer._start_offset, consumer._held_back = {}, {}
    consumer.log = logging.getLogger(__name__)  # the commit guard reports a hold-back
    return consumer


def test_a_commit_passes_the_transaction_marker_at_the_committed_offset() -> None:
    """The last commit stopped at a transaction's commit marker (offset 30), which no consumer sees:
    the at-least-once consumer's guard never passes it, so the partition's offset stays there for good
    and every record of the later transactions would be read again after a restart."""
    marker = [(30, 31)]  # aiokafka handed out 31-33 from position 30: offset 30 was skipped
    assert consumer_with(AtLeastOnceConsumer, 30, [31, 32, 33])._new_offset(PARTITION) is None
    assert consumer_with(ExactlyOnceConsumer, 30, [31, 32, 33], marker)._new_offset(PARTITION) == 34


@pytest.mark.parametrize(("committed", "acked", "skipped", "first_fetched", "expected"), [
    (30, [31, 32, 34, 35], [(30, 31), (33, 34)], None, 36),  # two markers (or aborted records) passed
    (30, [31, 32, 35], [(30, 31)], None, 33),  # 33 and 34 handed out, not processed: stop at 33
    (30, [30, 31], [(32, 40)], None, 40),  # an aborted transaction after the processed offsets
    (None, [2, 3], [(0, 2)], 0, 4),  # never committed: from the first offset fetched
    (None, [3, 4], [], 2, None),  # offset 2 fetched but not processed
])
def test_commits_pass_processed_and_skipped_offsets_only(committed, acked, skipped, first_fetched, expected) -> None:
    consumer = consumer_with(ExactlyOnceConsumer, committed, acked, skipped, first_fetched)
    assert consumer._new_offset(PARTITION) == expected


def test_the_offsets_a_commit_passed_are_forgotten() -> None:
    consumer = consumer_with(ExactlyOnceConsumer, 30, [31, 32, 37], [(30, 31), (34, 36)])
    assert consumer._new_offset(PARTITION) == 33
    consumer._committed_offset[PARTITION] = 33
    assert consumer._acked[PARTITION] == [37] and consumer._skipped[PARTITION] == [(34, 36)]
    assert consumer._new_offset(PARTITION) is None  # 33 is not processed yet


def test_a_commit_is_put_off_while_a_fetched_offset_below_processed_ones_is_not_processed() -> None:
    """Faust's flow control empties the stream queues when it resumes (end of a recovery, rebalance):
    offset 33 was fetched and dropped, 34 and 35 processed. Their outputs are in the transaction and
    their offsets cannot be committed: committing the transaction now would send them again after a
    crash, so the commit waits until 33 is read again."""
    consumer = consumer_with(ExactlyOnceConsumer, 30, [31, 32, 34, 35], [(30, 31)])
    assert consumer._unpassable() == {PARTITION: [33, 34, 35]}
    consumer._acked[PARTITION].append(33)
    consumer._acked_index[PARTITION].add(33)
    assert consumer._unpassable() == {}


class ResumingConsumer(ExactlyOnceConsumer):
    """A consumer whose fetches and seeks are logged: where the fetch position would be."""

    def __init__(self, committed: int) -> None:
        self.__dict__.update(vars(consumer_with(ExactlyOnceConsumer, committed, [])))
        self._reading_again, self._flow_resumes = None, 0
        self.flow_active, self.calls = False, []
        self.can_resume_flow, self.suspend_flow = asyncio.Event(), asyncio.Event()
        self.app = SimpleNamespace(topics=SimpleNamespace(acks_enabled_for=lambda topic: True))
        self.fetch_started, self.fetch_answer = asyncio.Event(), asyncio.get_running_loop().create_future()
        self._thread = SimpleNamespace(getmany=self._fetch)

    def assignment(self) -> set[TP]:
        return {PARTITION}

    async def seek(self, partition: TP, offset: int) -> None:
        await asyncio.sleep(0.01)  # a call to the consumer thread
        self.calls.append(("seek", offset))

    async def _fetch(self, active_partitions, timeout):
        self.calls.append(("fetch", None))
        self.fetch_started.set()
        return await self.fetch_answer


def test_a_fetch_waits_for_the_seeks_of_the_flow_resume() -> None:
    """When the flow resumes, the queues Faust emptied held offsets past the fetch position: a fetch
    made before the seek back would hand out the later offsets first, and an agent would meet the
    partition out of order (the cluster stage relabelled an article A -> B -> A and committed a
    record twice)."""
    async def resume_then_fetch() -> None:
        consumer = ResumingConsumer(committed=9)
        consumer.resume_flow()
        consumer.fetch_answer.set_result({PARTITION: ["record 9"]})
        assert await consumer._getmany({PARTITION}, 1.0) == {PARTITION: ["record 9"]}
        assert consumer.calls == [("seek", 9), ("fetch", None)]

    asyncio.run(resume_then_fetch())


def test_a_fetch_the_flow_resume_overtook_is_dropped_and_read_again() -> None:
    async def fetch_then_resume() -> None:
        consumer = ResumingConsumer(committed=9)
        fetch = asyncio.ensure_future(consumer._getmany({PARTITION}, 1.0))
        await consumer.fetch_started.wait()
        consumer.resume_flow()  # the queues are emptied while the fetch is out
        consumer.fetch_answer.set_result({PARTITION: ["record 82"]})
        assert await fetch == {}
        assert consumer.calls == [("fetch", None), ("seek", 9), ("seek", 9)]

    asyncio.run(fetch_then_resume())


def message(offset: int, generation_id: int = 1) -> SimpleNamespace:
    return SimpleNamespace(tp=PARTITION, offset=offset, acked=False, generation_id=generation_id)


def test_a_commit_waits_for_the_events_in_processing_and_holds_the_next_ones() -> None:
    """Faust commits at any moment, with the offsets acked so far; the transaction it ends also holds
    the records already sent for the events still in processing (redelivered, and so sent twice,
    after a crash). The gate lets a commit wait until those are acked, while new events wait."""

    async def scenario() -> list[str]:
        gate, seen = CommitGate(), []
        first, second = message(10), message(11)
        await gate.pass_event(first)
        gate.close()
        idle = asyncio.ensure_future(gate.wait_idle(generation_id=1, timeout_s=5))
        held = asyncio.ensure_future(gate.pass_event(second))
        await asyncio.sleep(0.05)
        seen.append(f"idle={idle.done()} held={not held.done()}")
        first.acked = True
        gate.done(first)
        seen.append(f"idle={await idle}")
        gate.open()
        await asyncio.wait_for(held, 1)
        seen.append(f"in processing={gate.in_processing}")
        return seen

    assert asyncio.run(scenario()) == ["idle=False held=True", "idle=True", "in processing=1"]


def test_events_of_an_older_generation_do_not_hold_a_commit() -> None:
    async def scenario() -> bool:
        gate = CommitGate()
        await gate.pass_event(message(10, generation_id=1))  # its stream was restarted by a rebalance
        return await gate.wait_idle(generation_id=2, timeout_s=1)

    assert asyncio.run(scenario())


def test_the_transactional_id_is_kept_for_the_next_start_of_the_worker(tmp_path) -> None:
    """A restarted worker must reuse its transactional id: its producer then fences the dead one, and
    the broker aborts the dead one's open transaction at once instead of after its timeout."""
    first = worker_transactional_id("talkwire", str(tmp_path / "data"))
    assert first.startswith("talkwire-")
    assert worker_transactional_id("talkwire", str(tmp_path / "data")) == first
    assert worker_transactional_id("talkwire", str(tmp_path / "other")) != first
