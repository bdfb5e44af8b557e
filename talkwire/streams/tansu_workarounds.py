"""Tansu's workarounds, applied on the Tansu profile only (``talkwire.streams.broker_profile``).

Tansu 0.6, the demo's broker, differs from Apache Kafka in two ways that the worker's consumer
(``talkwire.streams.consumer.LocalBrokerConsumer``) works around. tests/test_local_broker_consumer.py
measures each on both brokers: the quirk shows on Tansu and not on Apache Kafka, where the
workaround would change nothing and so is not applied.

- **End offsets**: Tansu answers ListOffsets(latest) with the first offset of the partition's last
  write batch + 1, so Faust's recovery, which reads a changelog up to that highwater, would stop
  short of the last batch's other records (or fail on an offset "above the highwater"). The true
  end is read from that last batch itself (``last_batch_ends``).
- **Long-poll wait**: Tansu answers a fetch of several partitions only when its wait is over, even
  when records arrived meanwhile, so Faust's fixed 1.5 s made every stage of the stream wait up to
  1.5 s. The worker's consumer waits at most ``LOCAL_BROKER_FETCH_WAIT_MS`` (100 ms), as do
  talkwire's readers (``talkwire.streams.connection.reader_options``).

The app's session and heartbeat settings for Tansu's slow group joins are
``talkwire.streams.app.LOCAL_BROKER_PROFILE``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP

from talkwire.settings import Settings
from talkwire.streams.connection import LOCAL_BROKER_FETCH_WAIT_MS, reader_options

LAST_BATCH_POLL_MS = 200  # a partition silent for one poll after its last batch is at its end
LAST_BATCH_TIMEOUT_S = 30.0


class TansuFetchWaitThread(aiokafka_driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: aiokafka_driver.Transport) -> AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = LOCAL_BROKER_FETCH_WAIT_MS  # Faust passes a fixed 1500; read at start()
        return consumer


class TansuFetchWait:
    """Consumer mixin: the worker's long-poll waits at most ``LOCAL_BROKER_FETCH_WAIT_MS``."""

    def _new_consumer_thread(self) -> TansuFetchWaitThread:
        return TansuFetchWaitThread(self, loop=self.loop, beacon=self.beacon)


class TansuEndOffsets:
    """Consumer mixin: the highwaters Faust's recovery reads changelogs up to, from their last batches."""

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
