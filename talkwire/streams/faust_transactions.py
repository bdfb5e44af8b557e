"""Exactly-once (``TALKWIRE_EXACTLY_ONCE=true``) on Apache Kafka: what faust-streaming 0.15 and
aiokafka 0.14 get wrong, and the workarounds, all in this module.

A ``read_committed`` reader must see every output once and no aborted record, across a SIGKILL of
the worker and a restart. For that, a transaction that commits input offsets must hold exactly the
records made from those inputs. Faust's exactly_once breaks that in four ways (measured with
tests/test_exactly_once.py):

1. Its transactions are not the inputs' transactions. Faust keeps one transactional producer per
   partition number and routes every record by its *destination* partition, while the commit of
   an input partition goes to the producer of the *input's* partition number. talkwire
   repartitions (raw -> by id -> by block), so an article's outputs land in other partitions'
   transactions, committed with other inputs' offsets: after a SIGKILL some are committed twice,
   others aborted with their input committed (lost).
2. It commits at any moment. A commit ends a transaction with the offsets acked so far, but the
   transaction also holds the records already sent for inputs still in processing (the rest of a
   batch, an article half clustered, table changes still in Faust's producer buffer): after a
   SIGKILL those inputs are redelivered and their outputs committed again.
3. Its consumer skips offsets it should not and stalls on offsets it cannot pass. Transaction
   markers (and aborted records) occupy offsets no consumer ever sees; Faust guesses them from
   the last offset it read, a guess that goes wrong after a seek (it drops messages below that
   offset, see consumer.py), and it misses the marker at a committed offset, where the commit then
   stops for good. Its recovery also takes the changelog's end from ``last_stable_offset``, which
   aiokafka knows only after a fetch (``None`` at a restart: no table restored).
4. Its flow control drops fetched messages. When it resumes (end of a recovery, of a rebalance) it
   empties the stream queues, with the fetch position already past what they held; and the records
   fetched before the recovery's seek to the committed offsets come a second time after it.
   Measured: by_block offsets 12-14 processed with 10-11 dropped, so a commit held their outputs
   but could not commit their offsets.

The workarounds:

- :class:`WorkerTransactions` replaces Faust's transaction manager: one transactional producer for
  the worker (Kafka Streams' "exactly-once v2"), with a transactional id kept in the worker's data
  directory, so a restarted worker fences its dead predecessor and the broker aborts its open
  transaction at once. Every record the worker sends and every offset it commits go through it:
  a transaction commits atomically whatever the partitions.
- :class:`CommitGate` with :class:`GatedStream`: a commit first holds every agent before its next
  event, waits until each event already taken is acked and Faust's producer buffer (table
  changes) is delivered, and only then computes the offsets and commits: every record in the
  transaction then belongs to an input whose offset it commits.
- :class:`ExactlyOnceConsumer`: no read-offset shortcuts (consumer.py's ``_NoReadOffsets``); the
  offsets a commit may pass over without processing them are learnt from aiokafka itself: each
  batch aiokafka hands out spans from the partition's position before it to the position after
  it, and an offset in that span that is not in the batch was skipped by aiokafka (a control
  record, an aborted record, a compacted one). A message the stream skipped without handing it to
  the agent (Faust acks those during a rebalance) is not counted as processed, so no commit
  passes it. Whenever the flow resumes, every partition is read again from where its commits
  start; an offset processed (or in processing) already in the open transaction is skipped, and a
  commit is put off while processed offsets lie above one fetched and not processed. Changelog
  ends are read with ``end_offsets`` (the last stable offset, from the broker).

A fetch waits for the read-again's seeks, and the records of a fetch the resume overtook are
dropped and read again: otherwise an agent met a partition's messages out of order (the cluster
stage took by_block 9, 10, 82 onwards, then 11-81), and an article relabelled A -> B -> A repeated
a record already committed.

Limits: aiokafka 0.14 sends no consumer-group generation with a transaction's offsets
(KIP-447), so a worker that lost its partitions in a rebalance without noticing (a zombie) is not
fenced by the broker; only a restart with the same data directory fences the previous producer.
``FetchResult.getall`` is wrapped for the whole process, but records spans only inside this
consumer's fetches.

Local tables need no workaround here: after a crash the worker rebuilds them from the changelogs
(local_state.py), whose committed records are exactly the committed transactions' changes.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import faust
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.consumer.fetcher import FetchResult
from aiokafka.errors import ProducerFenced
from faust.exceptions import Skip
from faust.transport.consumer import TransactionManager
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP, Message
from mode.utils.futures import notify

from talkwire.streams.consumer import AtLeastOnceConsumer

log = logging.getLogger(__name__)

TRANSACTIONAL_ID_FILE = "transactional-id"  # in the worker's data directory, beside its tables
IDLE_TIMEOUT_S = 45.0  # a commit waits this long for the events in processing, then gives up (retried later)
FLUSH_TIMEOUT_S = 45.0
# A transaction lasts from one commit to the next, and a commit waits for an extraction batch: the broker
# aborts a transaction older than this (aiokafka's default, 60 s, is near a slow batch plus a put-off commit).
TRANSACTION_TIMEOUT_MS = 180_000


# --------------------------------------------------------------------------- the commit gate


class CommitGate:
    """Holds the agents' streams before their next event while a commit is under way, and knows
    the messages handed to an agent and not yet acked (the inputs in processing)."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._changed = asyncio.Event()
        self._in_processing: dict[int, Message] = {}

    async def pass_event(self, message: Message | None) -> None:
        """Wait while a commit holds the gate; then the message counts as in processing."""
        while not self._open.is_set():
            await self._open.wait()
        if message is not None:
            self._in_processing[id(message)] = message

    def in_processing_at(self, tp: TP, offset: int) -> bool:
        return any(m.offset == offset and m.tp == tp for m in self._in_processing.values())

    def describe(self) -> list[tuple[TP, int, bool, int]]:
        return [(m.tp, m.offset, m.acked, m.refcount) for m in self._in_processing.values()]

    def done(self, message: Message) -> bool:
        """The message's processing ended (acked); False if it never passed the gate."""
        passed = self._in_processing.pop(id(message), None) is not None
        self._changed.set()
        return passed

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    @property
    def in_processing(self) -> int:
        return len(self._in_processing)

    async def wait_idle(self, generation_id: int, timeout_s: float) -> bool:
        """Wait until every message that passed the gate is acked (those of an older consumer
        generation are dropped: their stream was restarted); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            for key, message in list(self._in_processing.items()):
                if message.acked or message.generation_id != generation_id:
                    del self._in_processing[key]
            if not self._in_processing:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(left, 1.0))
            except asyncio.TimeoutError:
                pass


class GatedStream(faust.Stream):
    """A stream whose events wait at the consumer's commit gate before the agent gets them.

    The gate is the first processor, so ``take_events`` buffers only events that passed it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_processor(self._through_gate)

    async def _through_gate(self, value: Any) -> Any:
        consumer = self.app.consumer
        gate = getattr(consumer, "commit_gate", None)
        if gate is not None:
            event = self.current_event
            message = event.message if event is not None else None
            if message is not None and consumer.processed(message):
                raise Skip()  # delivered twice (see ExactlyOnceConsumer.processed): its outputs are out already
            await gate.pass_event(message)
            # While this waited, the extract agent's body (take_events runs this processor in another
            # task) set the stream's current event to one of its batch; take_events' own processor,
            # next, buffers whatever event is current: without this it buffered that one twice and
            # never this one, which then never got acked and held every later commit.
            self.current_event = event
        return value


# --------------------------------------------------------------------------- one transactional producer


def worker_transactional_id(app_id: str, data_dir: str) -> str:
    """``<app id>-<worker id>``: the worker id is made once and kept in the data directory, so the
    same worker restarted reuses it (and fences its predecessor's producer)."""
    path = Path(data_dir) / TRANSACTIONAL_ID_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        worker = path.read_text().strip()
    except FileNotFoundError:
        worker = ""
    if not worker:
        worker = uuid.uuid4().hex[:12]
        path.write_text(worker + "\n")
    return f"{app_id}-{worker}"


class WorkerTransactions(TransactionManager):
    """Faust's transaction manager with one transactional producer for the whole worker."""

    _producer = None
    _lock: asyncio.Lock

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()

    @property
    def transactional_id(self) -> str:
        settings = self.app.talkwire_settings
        return worker_transactional_id(self.app.conf.id, settings.data_dir)

    async def _ensure_producer(self):
        if self._producer is None:
            faust_producer = self.producer  # its settings: acks=all, idempotence, the same partitioner
            producer = AIOKafkaProducer(**{**faust_producer._settings_default(), **faust_producer._settings_auth(),
                                           **faust_producer._settings_extra()},
                                        transactional_id=self.transactional_id,
                                        transaction_timeout_ms=TRANSACTION_TIMEOUT_MS)
            await producer.start()
            self._producer = producer
        return self._producer

    async def _ensure_transaction(self):
        producer = await self._ensure_producer()
        if not producer._txn_manager.is_in_transaction():
            await producer.begin_transaction()  # the first one waits for the producer id: fences the predecessor
        return producer

    async def on_stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()  # an open transaction is aborted by the broker (or by the next start)

    async def flush(self) -> None:
        if self._producer is not None:
            await self._producer.flush()

    async def on_partitions_revoked(self, revoked) -> None:
        await self.flush()

    async def on_rebalance(self, assigned, revoked, newly_assigned) -> None:
        async with self._lock:
            await self._ensure_transaction()

    async def send(self, topic, key, value, partition, timestamp, headers, *, transactional_id=None):
        if headers is not None and isinstance(headers, Mapping):
            headers = list(headers.items())
        timestamp_ms = int(timestamp * 1000.0) if timestamp else timestamp
        async with self._lock:
            producer = await self._ensure_transaction()
            return await producer.send(topic, value, key=key, partition=partition,
                                       timestamp_ms=timestamp_ms, headers=headers)

    async def send_and_wait(self, topic, key, value, partition, timestamp, headers, *, transactional_id=None):
        fut = await self.send(topic, key, value, partition, timestamp, headers)
        return await fut

    async def commit(self, offsets: Mapping[TP, int], start_new_transaction: bool = True) -> bool:
        if not offsets:
            return False
        try:
            async with self._lock:
                producer = await self._ensure_transaction()
                await producer.send_offsets_to_transaction(
                    {TopicPartition(tp.topic, tp.partition): offset for tp, offset in offsets.items()},
                    self.app.conf.id)
                await producer.commit_transaction()
                if start_new_transaction:
                    await producer.begin_transaction()
        except ProducerFenced as fenced:
            log.warning("transactional producer fenced: %r", fenced)
            await self.app.crash(fenced)
            return False
        return True


# --------------------------------------------------------------------------- the consumer

# Set while the consumer thread fetches for the exactly-once consumer: the spans of what aiokafka
# hands out go there (other consumers in the process are left alone).
_spans: contextvars.ContextVar[list | None] = contextvars.ContextVar("talkwire_fetch_spans", default=None)
_original_getall = FetchResult.getall


def _getall_with_span(self: FetchResult, max_records: int | None = None):
    spans = _spans.get()
    start = _handed_out_from(self) if spans is not None else None
    records = _original_getall(self, max_records)
    if start is not None:
        end = self._assignment.state_value(self._topic_partition).position  # getall moved it past the batch
        if records or end > start:
            spans.append((self._topic_partition, start, end, [r.offset for r in records]))
    return records


def _handed_out_from(result: FetchResult) -> int | None:
    """The offset the records ``getall`` is about to hand out start from, or None if it hands out
    nothing (no more records; the partition paused, revoked or sought elsewhere meanwhile)."""
    if not result.has_more() or not result._assignment.active:
        return None
    state = result._assignment.state_value(result._topic_partition)
    if state is None or state.paused or not state.has_valid_position:
        return None
    start = result._partition_records.next_fetch_offset
    return start if state.position == start else None


FetchResult.getall = _getall_with_span


class RecordsWithSpans(dict):
    spans: list


class ExactlyOnceConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    async def _fetch_records(self, consumer, active_partitions, timeout=None, max_records=None):
        spans: list = []
        token = _spans.set(spans)
        try:
            records = await super()._fetch_records(consumer, active_partitions, timeout=timeout,
                                                   max_records=max_records)
        finally:
            _spans.reset(token)
        result = RecordsWithSpans(records)
        result.spans = spans
        return result

    async def _highwaters(self, partitions):
        # Faust reads last_stable_offset(), known only after a fetch: None (no restore) after a restart.
        return await self._ensure_consumer().end_offsets(list(partitions))


class ExactlyOnceConsumer(AtLeastOnceConsumer):
    """The at-least-once consumer (no read-offset shortcuts, stalled partitions read again) with
    commits at the gate and the offsets aiokafka skipped counted as passable."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commit_gate = CommitGate()
        self._skipped: defaultdict[TP, list[tuple[int, int]]] = defaultdict(list)  # [start, end) ranges
        self._first_fetched: dict[TP, int] = {}
        self._unsent: set[asyncio.Future] = set()
        self._buffer_hooked = False
        self._reading_again: asyncio.Future | None = None  # the seeks of the last flow resume
        self._flow_resumes = 0

    def _new_consumer_thread(self) -> ExactlyOnceConsumerThread:
        return ExactlyOnceConsumerThread(self, loop=self.loop, beacon=self.beacon)

    # ---- what aiokafka skipped

    async def _getmany(self, active_partitions, timeout):
        resumes = await self._after_reading_again()
        records = await super()._getmany(active_partitions, timeout)
        if resumes != self._flow_resumes:
            # The flow resumed during the fetch: these records may come from before the read-again's
            # seeks (handing them out would take later offsets before the earlier ones read again).
            # Drop them and seek once more, as the fetch may have moved past them after the seeks.
            await self._after_reading_again()
            await self._read_again_from_commits()
            return {}
        for tp, start, end, offsets in getattr(records, "spans", ()):
            tp = TP(tp.topic, tp.partition)
            self._first_fetched.setdefault(tp, start)
            present = set(offsets)
            run_start = None
            for offset in range(start, end):
                if offset in present:
                    if run_start is not None:
                        self._skipped[tp].append((run_start, offset))
                        run_start = None
                elif run_start is None:
                    run_start = offset
            if run_start is not None:
                self._skipped[tp].append((run_start, end))
        return records

    async def on_partitions_revoked(self, revoked) -> None:
        for tp in revoked:
            self._skipped.pop(tp, None)
            self._first_fetched.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    def _start(self, tp: TP) -> int | None:
        """Where the partition's commits start: its committed offset, else the first offset fetched."""
        committed = self._committed_offset[tp]
        if committed is not None:
            return committed
        firsts = [*self._acked[tp], *(a for a, _ in self._skipped.get(tp, ())),
                  *([self._first_fetched[tp]] if tp in self._first_fetched else [])]
        return min(firsts, default=None)

    def _passable_to(self, tp: TP, start: int) -> int:
        """The offset after the run of processed or skipped offsets that starts at ``start``."""
        acked_index, skipped = self._acked_index[tp], self._skipped.get(tp, ())
        position = start
        while True:
            if position in acked_index:
                position += 1
                continue
            span = next((b for a, b in skipped if a <= position < b), None)
            if span is None:
                return position
            position = span

    def _unpassable(self) -> dict[TP, list[int]]:
        """Partitions with processed offsets a commit cannot reach (an offset below them was fetched
        and not processed): their outputs are in the transaction, their offsets could not be."""
        held = {}
        for tp, acked in self._acked.items():
            start = self._start(tp) if acked else None
            if start is not None:
                position = self._passable_to(tp, start)
                above = sorted(offset for offset in acked if offset >= position)
                if above:
                    held[tp] = [position, *above[:3]]
        return held

    def _new_offset(self, tp: TP) -> int | None:
        """The offset after the run of processed or skipped offsets that starts at the committed one."""
        start = self._start(tp)
        if start is None:
            return None
        position = self._passable_to(tp, start)
        self._skipped[tp] = [(max(a, position), b) for a, b in self._skipped.get(tp, ()) if b > position]
        acked, acked_index = self._acked[tp], self._acked_index[tp]
        acked[:] = [offset for offset in acked if offset >= position]
        acked_index.difference_update([o for o in list(acked_index) if o < position])
        committed = self._committed_offset[tp]
        if position == start or (committed is not None and position <= committed):
            return None
        return position

    def resume_flow(self) -> None:
        """Faust resumes its flow control just before this, which empties the stream queues: the
        messages fetched and not yet taken by an agent are gone, and the fetch position is past them.
        Read every partition again from where its commits start (what was processed meanwhile is
        skipped by :meth:`processed`), or those offsets would hold every later commit."""
        super().resume_flow()
        self._flow_resumes += 1
        self._reading_again = asyncio.ensure_future(self._read_again_from_commits())

    async def _after_reading_again(self) -> int:
        """Wait until the seeks of the last flow resume are done; return the count of resumes so far.
        A fetch made before them would hand out the offsets past the emptied queues first, then the
        emptied ones: an agent would meet the partition out of order (the cluster stage relabels an
        article A -> B -> A, and the record repeated is committed twice)."""
        while self._reading_again is not None and not self._reading_again.done():
            await asyncio.wait({self._reading_again})
        return self._flow_resumes

    async def _read_again_from_commits(self) -> None:
        for tp in list(self.assignment()):
            if not self.app.topics.acks_enabled_for(tp.topic):
                continue
            start = self._start(tp)
            if start is not None:
                await self.seek(tp, start)

    def processed(self, message: Message) -> bool:
        """The message's offset is processed, or in processing, already: at the end of a recovery
        Faust resumes the stream partitions before it seeks them to their committed offsets, so the
        records fetched in between come again after the seek. A second processing would put the
        outputs in the transaction twice."""
        tp, offset = message.tp, message.offset
        committed = self._committed_offset[tp]
        if committed is not None and offset < committed:
            return True
        return offset in self._acked_index[tp] or self.commit_gate.in_processing_at(tp, offset)

    # ---- acks: only processed messages

    def ack(self, message: Message) -> bool:
        passed = self.commit_gate.done(message)
        if not passed and not message.acked and self.app.topics.acks_enabled_for(message.topic):
            # dropped by the stream without processing (a rebalance): not passable by a commit
            message.acked = True
            self._unacked_messages.discard(message)
            notify(self._waiting_for_ack)
            return False
        return super().ack(message)

    # ---- commits only at the gate

    def _hook_producer_buffer(self) -> None:
        """Track the records Faust's producer buffer holds (table changes): a commit waits for them."""
        if self._buffer_hooked:
            return
        buffer = self.app.producer.buffer
        put = buffer.put

        def tracked_put(fut) -> None:
            self._unsent.add(fut)
            fut.add_done_callback(self._unsent.discard)
            put(fut)

        buffer.put = tracked_put
        self._buffer_hooked = True

    async def on_start(self) -> None:
        self._hook_producer_buffer()
        await super().on_start()

    async def force_commit(self, topics=None, start_new_transaction: bool = True) -> bool:
        # One transaction holds every partition's records: commit all or nothing (topics ignored).
        gate = self.commit_gate
        gate.close()
        try:
            if not await gate.wait_idle(self.app.consumer_generation_id, IDLE_TIMEOUT_S):
                self.log.warning("commit put off: %d events still in processing: %r", gate.in_processing,
                                 gate.describe()[:10])
                self.log.warning("agents:\n%s", self.app.agents.human_tracebacks())
                return False
            if not await self._wait_unsent(FLUSH_TIMEOUT_S):
                self.log.warning("commit put off: %d table changes not yet delivered", len(self._unsent))
                return False
            held = self._unpassable()
            if held:
                # Committing now would commit their outputs without their offsets (sent again after a
                # crash): the transaction stays open until the offsets below are read again (resume_flow).
                self.log.warning("commit put off: offsets fetched and not processed below processed ones "
                                 "(partition: [first unprocessed, processed...]): %r", held)
                return False
            return await super().force_commit(None, start_new_transaction=start_new_transaction)
        finally:
            gate.open()

    async def _wait_unsent(self, timeout_s: float) -> bool:
        if not self._unsent:
            return True
        done, pending = await asyncio.wait(list(self._unsent), timeout=timeout_s)
        return not pending


class ExactlyOnceTransport(aiokafka_driver.Transport):
    Consumer = ExactlyOnceConsumer
    TransactionManager = WorkerTransactions
