"""Which broker talkwire talks to, so that Tansu's workarounds apply only where Tansu runs.

``TALKWIRE_BROKER_PROFILE`` is ``auto`` (the default), ``kafka`` or ``tansu``. ``auto`` asks the
broker once per process and bootstrap address:

- Tansu answers the Metadata request with its cluster id, ``tansu_cluster`` unless set otherwise;
- Tansu 0.6 leaves OffsetForLeaderEpoch (API key 23) out of its ApiVersions answer, an API that
  Apache Kafka (since 0.11) and the Kafka-compatible brokers users run (Redpanda, MSK, Confluent)
  all list.

Either sign means Tansu; anything else gets the Apache Kafka profile (Faust's defaults), so a user
pointing talkwire at a real cluster needs to set nothing. The Tansu profile is
``talkwire.streams.app.LOCAL_BROKER_PROFILE``, the end-offset and fetch-wait workarounds of
``talkwire.streams.tansu_workarounds`` (the worker's ``LocalBrokerConsumer``) and the short fetch
wait of ``talkwire.streams.connection.reader_options``. The consumer's Faust overrides
(``talkwire.streams.consumer``) apply on every broker.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from talkwire.settings import Settings

PROFILES = ("auto", "kafka", "tansu")
TANSU_CLUSTER_ID = "tansu_cluster"  # Tansu's default --cluster-id
OFFSET_FOR_LEADER_EPOCH = 23
DETECT_TIMEOUT_S = 30.0

_detected: dict[tuple[str, str], str] = {}


class BrokerProfileError(RuntimeError):
    pass


def tansu_profile(settings: Settings) -> bool:
    """Whether Tansu's workarounds apply to the broker ``settings`` name."""
    return broker_profile(settings) == "tansu"


def broker_profile(settings: Settings) -> str:
    """``kafka`` or ``tansu``: the setting, or when ``auto`` what the broker says (asked once per
    process and address, in a thread of its own so that it works inside a running event loop too)."""
    profile = settings.broker_profile.strip().lower()
    if profile not in PROFILES:
        raise BrokerProfileError(f"TALKWIRE_BROKER_PROFILE={settings.broker_profile!r}: one of {', '.join(PROFILES)}")
    if profile != "auto":
        return profile
    key = (settings.kafka_bootstrap, settings.security_protocol.upper())
    if key not in _detected:
        with ThreadPoolExecutor(1, thread_name_prefix="talkwire-broker-profile") as pool:
            _detected[key] = pool.submit(asyncio.run, detect_broker(settings)).result()
    return _detected[key]


async def detect_broker(settings: Settings, timeout_s: float = DETECT_TIMEOUT_S) -> str:
    """``tansu`` or ``kafka``, from the broker's Metadata and ApiVersions answers; retried until
    ``timeout_s`` while the broker cannot be reached."""
    from aiokafka.client import AIOKafkaClient
    from aiokafka.protocol.admin import ApiVersionRequest
    from aiokafka.protocol.metadata import MetadataRequest

    from talkwire.streams.connection import client_options

    deadline = time.monotonic() + timeout_s
    while True:
        client = AIOKafkaClient(**client_options(settings), request_timeout_ms=5000)
        try:
            await client.bootstrap()
            node = next(iter(client.cluster.brokers())).nodeId
            metadata = await client.send(node, MetadataRequest([]))
            versions = await client.send(node, ApiVersionRequest())
            api_keys = {entry[0] for entry in versions.api_versions}
            is_tansu = getattr(metadata, "cluster_id", None) == TANSU_CLUSTER_ID or OFFSET_FOR_LEADER_EPOCH not in api_keys
            return "tansu" if is_tansu else "kafka"
        except Exception as exc:  # not reachable (yet): retried, then reported
            if time.monotonic() > deadline:
                raise BrokerProfileError(
                    f"cannot ask the broker at {settings.kafka_bootstrap} whether it is Apache Kafka or Tansu "
                    f"({exc!r}); set TALKWIRE_BROKER_PROFILE=kafka or tansu"
                ) from None
            await asyncio.sleep(0.5)
        finally:
            await client.close()
