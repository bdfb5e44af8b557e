"""Topic names, their configuration, and creating them on the broker.

Inputs and outputs are plain topics the project creates (``talkwire topics create``, and the worker at
start); the two repartition topics between stages are Faust-internal and created by Faust.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from talkwire.settings import Settings
from talkwire.streams.connection import client_options

WEEK_MS = 7 * 24 * 3600 * 1000
LISTED_TIMEOUT_S = 10.0
REPLICATION_FACTOR = 1  # single-broker default; raise it with `kafka-topics --alter` on a real cluster


@dataclass(frozen=True)
class TopicSpec:
    name: str
    role: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def by_id_topic(settings: Settings) -> str:
    """Parsed articles keyed by article id (where conflicting duplicate ids are caught)."""
    return f"{settings.app_id}-articles-by-id"


def by_block_topic(settings: Settings) -> str:
    """Article features keyed by blocking key (one block's articles in one partition)."""
    return f"{settings.app_id}-articles-by-block"


def by_track_topic(settings: Settings) -> str:
    """An event joining or leaving a track, keyed by track id (the tracks stage's repartition)."""
    return f"{settings.app_id}-events-by-track"


def project_topics(settings: Settings) -> list[TopicSpec]:
    partitions = settings.topic_partitions
    return [
        TopicSpec(settings.topic_raw, "raw articles in (JSON or dispatch text)", partitions,
                  {"cleanup.policy": "delete", "retention.ms": str(4 * WEEK_MS)}),
        TopicSpec(settings.topic_enriched, "enriched articles, key = article id", partitions,
                  {"cleanup.policy": "compact"}),
        TopicSpec(settings.topic_events, "canonical events, key = event id (upserts, tombstones)", partitions,
                  {"cleanup.policy": "compact"}),
        TopicSpec(settings.topic_tracks, "negotiation tracks, key = track id (timelines, tombstones)", partitions,
                  {"cleanup.policy": "compact"}),
        TopicSpec(settings.topic_dead_letters, "inputs that could not be processed, with reason", partitions,
                  {"cleanup.policy": "delete", "retention.ms": str(4 * WEEK_MS)}),
    ]


async def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create the missing topics; return the names created."""
    specs = project_topics(settings) if specs is None else specs
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        for spec in missing:
            try:
                await admin.create_topics([NewTopic(
                    spec.name, num_partitions=spec.partitions, replication_factor=REPLICATION_FACTOR,
                    topic_configs=spec.config,
                )])
            except TopicAlreadyExistsError:  # created meanwhile by another worker
                pass
        created = [spec.name for spec in missing]
        await _wait_until_listed(admin, created)
        return created
    finally:
        await admin.close()


async def _wait_until_listed(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """Apache Kafka answers CreateTopics before its brokers' metadata lists the topic: a describe or
    a reader right after would find it missing."""
    deadline = time.monotonic() + LISTED_TIMEOUT_S
    while not set(names) <= set(await admin.list_topics()) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def describe_topics(settings: Settings, names: list[str]) -> dict[str, dict]:
    """Partitions and configuration per existing topic (missing topics are left out)."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        present = [name for name in names if name in existing]
        if not present:
            return {}
        metadata = await admin.describe_topics(present)
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in present]
        )
        described = {
            item["topic"]: {"partitions": len(item["partitions"]), "config": {}} for item in metadata
        }
        for response in configs:
            for resource in response.resources:
                name, entries = resource[3], resource[4]
                if name in described:
                    described[name]["config"] = {entry[0]: entry[1] for entry in entries}
        return described
    finally:
        await admin.close()
