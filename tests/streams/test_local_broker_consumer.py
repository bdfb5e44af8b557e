"""The local broker's ListOffsets quirk and the end offsets the worker's consumer reads instead.

Tansu 0.6 answers ListOffsets(latest) with the first offset of the last write batch + 1; Faust's
recovery reads a changelog up to that highwater, so talkwire's consumer reads the true end from
the last batch (talkwire.streams.consumer.last_batch_ends).
"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kafka_helpers import create_topics

from talkwire.settings import Settings
from talkwire.streams.connection import client_options
from talkwire.streams.consumer import last_batch_ends

pytestmark = [pytest.mark.kafka, pytest.mark.tansu]  # the workaround is for Tansu; Kafka must agree


async def _write_batches(settings: Settings, topic: str, batches: int, size: int) -> None:
    producer = AIOKafkaProducer(**client_options(settings), linger_ms=100, acks="all")
    await producer.start()
    try:
        for batch in range(batches):
            sent = [await producer.send(topic, f"{batch}-{i}".encode(), partition=0) for i in range(size)]
            await asyncio.gather(*sent)  # one linger window: one write batch
    finally:
        await producer.stop()


async def _reported_end(settings: Settings, tp: TopicPartition) -> int:
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False)
    await consumer.start()
    await asyncio.sleep(0)
    try:
        return (await consumer.end_offsets([tp]))[tp]
    finally:
        await consumer.stop()


def test_end_offsets_are_read_from_the_last_write_batch(stream_settings: Settings) -> None:
    create_topics(stream_settings)  # the run's topics: raw has 4 partitions, only partition 0 is written
    topic = stream_settings.topic_raw
    tp, empty = TopicPartition(topic, 0), TopicPartition(topic, 1)
    asyncio.run(_write_batches(stream_settings, topic, batches=3, size=10))

    reported = asyncio.run(_reported_end(stream_settings, tp))
    ends = asyncio.run(last_batch_ends(stream_settings, {tp: reported, empty: 0}))

    assert ends == {tp: 30, empty: 0}
    print(f"ListOffsets(latest) says {reported}, the last batch ends at {ends[tp]}")
