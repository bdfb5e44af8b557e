"""The broker profile: Tansu's workarounds on Tansu only, detected from the broker itself."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from kafka_helpers import free_port

from talkwire.settings import Settings
from talkwire.streams.app import LOCAL_BROKER_PROFILE, app_options
from talkwire.streams.broker_profile import BrokerProfileError, broker_profile, detect_broker
from talkwire.streams.connection import LOCAL_BROKER_FETCH_WAIT_MS, reader_options
from talkwire.streams.consumer import LocalBrokerTransport, TalkwireApp

@pytest.mark.kafka
@pytest.mark.tansu
def test_the_broker_says_which_it_is(stream_settings: Settings, broker_kind: str) -> None:
    assert asyncio.run(detect_broker(stream_settings)) == broker_kind


@pytest.mark.kafka
@pytest.mark.tansu
def test_auto_applies_the_tansu_workarounds_only_on_tansu(stream_settings: Settings, broker_kind: str) -> None:
    settings = replace(stream_settings, broker_profile="auto")
    on_tansu = broker_kind == "tansu"
    assert broker_profile(settings) == broker_kind
    options = app_options(settings)
    assert (options.get("broker_session_timeout") == LOCAL_BROKER_PROFILE["broker_session_timeout"]) is on_tansu
    assert (reader_options(settings).get("fetch_max_wait_ms") == LOCAL_BROKER_FETCH_WAIT_MS) is on_tansu
    app = TalkwireApp(settings, **options)
    assert isinstance(app.transport, LocalBrokerTransport) is on_tansu


def test_a_set_profile_wins_without_asking_any_broker() -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    assert broker_profile(Settings(kafka_bootstrap=nowhere, broker_profile="tansu")) == "tansu"
    assert broker_profile(Settings(kafka_bootstrap=nowhere, broker_profile="Kafka")) == "kafka"
    with pytest.raises(BrokerProfileError, match="one of auto, kafka, tansu"):
        broker_profile(Settings(kafka_bootstrap=nowhere, broker_profile="redpanda"))


def test_an_unreachable_broker_is_reported_with_the_way_out() -> None:
    settings = Settings(kafka_bootstrap=f"127.0.0.1:{free_port()}")
    with pytest.raises(BrokerProfileError, match="TALKWIRE_BROKER_PROFILE=kafka or tansu"):
        asyncio.run(detect_broker(settings, timeout_s=1))
