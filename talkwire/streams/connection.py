"""Kafka connection settings (bootstrap, SASL, TLS) for Faust and for plain aiokafka clients.

Passwords go into client objects only: they are never formatted into messages or logs.
"""

from __future__ import annotations

import ssl
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.helpers import create_ssl_context

from talkwire.settings import Settings
from talkwire.streams.broker_profile import tansu_profile

SASL_PROTOCOLS = {"SASL_PLAINTEXT", "SASL_SSL"}
TLS_PROTOCOLS = {"SSL", "SASL_SSL"}


def bootstrap_servers(settings: Settings) -> list[str]:
    return [server.strip() for server in settings.kafka_bootstrap.split(",") if server.strip()]


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.security_protocol.upper() not in TLS_PROTOCOLS:
        return None
    return create_ssl_context(
        cafile=settings.ssl_cafile, certfile=settings.ssl_certfile, keyfile=settings.ssl_keyfile
    )


def sasl_mechanism(settings: Settings) -> str:
    """PLAIN unless set; upper case, as Faust and aiokafka only accept it so (scram-sha-256 is common in env files)."""
    return (settings.sasl_mechanism or "PLAIN").upper()


def faust_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    protocol = settings.security_protocol.upper()
    context = ssl_context(settings)
    if protocol in SASL_PROTOCOLS:
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password,
            mechanism=sasl_mechanism(settings),
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments shared by aiokafka producers, consumers and admin clients."""
    protocol = settings.security_protocol.upper()
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers(settings),
        "security_protocol": protocol,
    }
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if protocol in SASL_PROTOCOLS:
        options["sasl_mechanism"] = sasl_mechanism(settings)
        options["sasl_plain_username"] = settings.sasl_username
        options["sasl_plain_password"] = settings.sasl_password
    return options


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic`` (none when it does not exist), from fresh metadata.

    ``consumer.partitions_for_topic`` knows only the topics of the client's own metadata, and
    aiokafka's bootstrap asks for no topic (nor does ``consumer.topics()`` update it): Tansu answers
    that request with every topic, Apache Kafka with none, so readers found no partition on Kafka."""
    cluster = await consumer._client.fetch_all_metadata()  # aiokafka has no public call for this
    return [TopicPartition(topic, number) for number in sorted(cluster.partitions_for_topic(topic) or ())]


# Tansu answers a fetch of several partitions only when its wait is over, even when records arrived
# meanwhile: readers of the local broker wait at most this long (aiokafka's default is 500 ms).
LOCAL_BROKER_FETCH_WAIT_MS = 100


def reader_options(settings: Settings) -> dict[str, Any]:
    """``client_options`` for consumers: no offset commits, and a short long-poll on Tansu."""
    options = {**client_options(settings), "enable_auto_commit": False}
    if tansu_profile(settings):
        options["fetch_max_wait_ms"] = LOCAL_BROKER_FETCH_WAIT_MS
    return options
