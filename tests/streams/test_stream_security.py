"""SASL settings reach the Kafka clients, and the password never shows in logs or errors."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace

import pytest
from kafka_helpers import WorkerProcess, settings_env

from talkwire.settings import Settings
from talkwire.streams.app import app_options
from talkwire.streams.connection import client_options

pytestmark = pytest.mark.kafka

PASSWORD = "pw-Zq81-never-print-me"


def sasl(settings: Settings) -> Settings:
    """SASL towards the local broker, which does not speak it: the profile is set, as asking the
    broker which it is would fail too (after 30 s, with the error talkwire.streams.broker_profile gives)."""
    return replace(settings, security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256",
                   sasl_username="talkwire", sasl_password=PASSWORD, broker_profile="kafka")


def test_sasl_settings_reach_faust_and_aiokafka(stream_settings: Settings) -> None:
    settings = sasl(stream_settings)
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_mechanism"] == "SCRAM-SHA-256"
    assert options["sasl_plain_password"] == PASSWORD
    credentials = app_options(settings)["broker_credentials"]
    assert credentials.mechanism.value == "SCRAM-SHA-256" and credentials.username == "talkwire"
    assert PASSWORD not in repr(settings) and PASSWORD not in repr(credentials)


def test_password_absent_from_worker_log_and_cli_errors(stream_settings: Settings, tmp_path) -> None:
    settings = sasl(stream_settings)  # the local broker does not speak SASL: every connection fails
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    try:
        time.sleep(8)
    finally:
        worker.stop()
    produce = subprocess.run(
        [sys.executable, "-m", "talkwire.cli", "--log-level", "debug", "topics"],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=120,
    )
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert log.strip(), "the worker wrote nothing"
    assert produce.returncode == 1
    assert PASSWORD not in log
    assert PASSWORD not in produce.stdout + produce.stderr
