"""The Faust application, configured from :class:`~talkwire.settings.Settings`."""

from __future__ import annotations

from typing import Any

import faust

from talkwire.settings import Settings
from talkwire.streams.broker_profile import tansu_profile
from talkwire.streams.connection import bootstrap_servers, faust_credentials
from talkwire.streams.consumer import TalkwireApp
from talkwire.streams.log_filters import install_log_filters

# Tansu (the demo's broker) needs these; see "Tansu's limits" in the README.
LOCAL_BROKER_PROFILE: dict[str, Any] = {
    "broker_session_timeout": 6,  # a group join waits half the session timeout
    "broker_heartbeat_interval": 1,
}


FAUST_DEBUG_VIEWS = ("web_tables_enabled", "web_router_enabled", "web_stats_enabled", "web_graph_enabled")
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
        # Faust's own views (/table/... shows table contents, /router the cluster's hosts, / and
        # /graph statistics) are off on the public port unless TALKWIRE_WEB_DEBUG_VIEWS is set.
        **dict.fromkeys(FAUST_DEBUG_VIEWS, settings.web_debug_views),
        # Apache Kafka answers CreateTopics before its metadata lists the topic: the repartition topics
        # Faust creates just before its group join can miss the first assignment, and only a metadata
        # refresh (every 5 min by default) brings them in with a rebalance. Measured: a worker on Kafka
        # left its extract and cluster stages unassigned for 240 s (test_state_recovery).
        "consumer_metadata_max_age_ms": CONSUMER_METADATA_MAX_AGE_MS,
    }
    if settings.exactly_once:
        from talkwire.streams.faust_transactions import GatedStream

        options["Stream"] = GatedStream  # a commit holds the agents between two events
    credentials = faust_credentials(settings)
    if credentials is not None:
        options["broker_credentials"] = credentials
    if tansu_profile(settings):
        options.update(LOCAL_BROKER_PROFILE)
    return options


def create_app(settings: Settings) -> faust.App:
    """A Faust app with talkwire's topics, tables and agents registered."""
    from talkwire.streams.agents import make_executor, register_agents, warm_up
    from talkwire.streams.events_view import EventsView
    from talkwire.streams.health import BrokerProbe, Health, ModelWarmup
    from talkwire.streams.track_agents import register_track_agents
    from talkwire.streams.web import install_web

    install_log_filters()
    executor = make_executor(settings)
    models = warm_up(executor, settings)  # loads while the worker joins its group and restores its tables
    app = TalkwireApp(settings, **app_options(settings))
    topology = register_agents(app, settings, executor)
    register_track_agents(app, settings, topology.events)
    health = Health(app, settings)
    app.service(BrokerProbe(app, settings, health))
    install_web(app, settings, EventsView(settings), health)
    app.service(ModelWarmup(models, health, settings))
    return app
