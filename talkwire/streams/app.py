"""The Faust application, configured from :class:`~talkwire.settings.Settings`."""

from __future__ import annotations

from typing import Any

import faust

from talkwire.settings import Settings
from talkwire.streams.broker_profile import tansu_profile
from talkwire.streams.connection import bootstrap_servers, faust_credentials
from talkwire.streams.consumer import TalkwireApp

# Tansu (the demo's broker) needs these; see "Tansu's limits" in the README.
LOCAL_BROKER_PROFILE: dict[str, Any] = {
    "broker_session_timeout": 6,  # a group join waits half the session timeout
    "broker_heartbeat_interval": 1,
}


CONSUMER_METADATA_MAX_AGE_MS = 5_000


def app_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "broker": [f"kafka://{server}" for server in bootstrap_servers(settings)],
        "store": "rocksdb://",
        "datadir": settings.data_dir,
        "web_host": settings.web_host,
        "web_bind": settings.web_host,
        "web_port": settings.web_port,
        "key_serializer": "raw",
        "value_serializer": "raw",  # records are orjson-encoded by talkwire.processors.records
        "topic_partitions": settings.topic_partitions,
        "processing_guarantee": "exactly_once" if settings.exactly_once else "at_least_once",
        "autodiscover": False,
        # Apache Kafka answers CreateTopics before its metadata lists the topic: the repartition topics
        # Faust creates just before its group join can miss the first assignment, and only a metadata
        # refresh (every 5 min by default) brings them in with a rebalance. Measured: a worker on Kafka
        # left its extract and cluster stages unassigned for 240 s (test_state_recovery).
        "consumer_metadata_max_age_ms": CONSUMER_METADATA_MAX_AGE_MS,
    }
    credentials = faust_credentials(settings)
    if credentials is not None:
        options["broker_credentials"] = credentials
    if tansu_profile(settings):
        options.update(LOCAL_BROKER_PROFILE)
    return options


def create_app(settings: Settings) -> faust.App:
    """A Faust app with talkwire's topics, tables and agents registered."""
    from talkwire.streams.agents import register_agents
    from talkwire.streams.events_view import EventsView
    from talkwire.streams.web import install_web

    app = TalkwireApp(settings, **app_options(settings))
    register_agents(app, settings)
    install_web(app, settings, EventsView(settings))
    return app
