"""Broker security settings: SASL (PLAIN, SCRAM) and TLS reach Faust and aiokafka as configured,
and a password never appears in a worker's log."""

from __future__ import annotations

import ssl
import time
from dataclasses import replace
from pathlib import Path

import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from talkwire.settings import Settings
from talkwire.streams.app import app_options
from talkwire.streams.connection import client_options

PASSWORD = "pw-7f3a9c2e-never-in-logs"
# The brokers are names only (nothing is reached): the profile is set, not asked of them.
ENV = {"TALKWIRE_KAFKA_BOOTSTRAP": "broker1:9093, broker2:9093", "TALKWIRE_SASL_USERNAME": "talkwire",
       "TALKWIRE_SASL_PASSWORD": PASSWORD, "TALKWIRE_BROKER_PROFILE": "kafka"}


def faust_auth(settings: Settings) -> dict:
    """What Faust's aiokafka driver passes to its producer and consumers."""
    return dict(credentials_to_aiokafka_auth(app_options(settings).get("broker_credentials")))


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_plaintext_mechanisms(mechanism: str) -> None:
    settings = Settings.from_env({**ENV, "TALKWIRE_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                                  "TALKWIRE_SASL_MECHANISM": mechanism})
    expected = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": mechanism,
                "sasl_plain_username": "talkwire", "sasl_plain_password": PASSWORD}
    assert faust_auth(settings) == {**expected, "ssl_context": None}
    assert client_options(settings) == {**expected, "bootstrap_servers": ["broker1:9093", "broker2:9093"]}
    assert app_options(settings)["broker"] == ["kafka://broker1:9093", "kafka://broker2:9093"]


def test_sasl_without_a_mechanism_is_plain() -> None:
    settings = Settings.from_env({**ENV, "TALKWIRE_SECURITY_PROTOCOL": "SASL_PLAINTEXT"})
    assert faust_auth(settings)["sasl_mechanism"] == client_options(settings)["sasl_mechanism"] == "PLAIN"


def test_mechanism_and_protocol_are_case_insensitive() -> None:
    settings = Settings.from_env({**ENV, "TALKWIRE_SECURITY_PROTOCOL": "sasl_ssl",
                                  "TALKWIRE_SASL_MECHANISM": "scram-sha-256"})
    for options in (faust_auth(settings), client_options(settings)):
        assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-256")


def test_sasl_ssl_carries_a_verifying_tls_context() -> None:
    settings = Settings.from_env({**ENV, "TALKWIRE_SECURITY_PROTOCOL": "SASL_SSL",
                                  "TALKWIRE_SASL_MECHANISM": "SCRAM-SHA-512"})
    for options in (faust_auth(settings), client_options(settings)):
        assert options["security_protocol"] == "SASL_SSL"
        assert options["sasl_mechanism"] == "SCRAM-SHA-512"
        assert options["sasl_plain_password"] == PASSWORD
        context = options["ssl_context"]
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_tls_with_ca_and_client_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    settings = Settings.from_env({"TALKWIRE_SECURITY_PROTOCOL": "SSL", "TALKWIRE_SSL_CAFILE": str(cert),
                                  "TALKWIRE_BROKER_PROFILE": "kafka",
                                  "TALKWIRE_SSL_CERTFILE": str(cert), "TALKWIRE_SSL_KEYFILE": str(key)})
    for options in (faust_auth(settings), client_options(settings)):
        assert options["security_protocol"] == "SSL"
        assert "sasl_mechanism" not in options
        context = options["ssl_context"]
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert len(context.get_ca_certs()) == 1  # the CA file was loaded


def test_plaintext_has_no_credentials() -> None:
    settings = Settings.from_env({"TALKWIRE_SASL_PASSWORD": PASSWORD, "TALKWIRE_BROKER_PROFILE": "kafka"})
    assert "broker_credentials" not in app_options(settings)
    assert client_options(settings) == {"bootstrap_servers": ["127.0.0.1:9092"], "security_protocol": "PLAINTEXT"}
    assert faust_auth(settings) == {"security_protocol": "PLAINTEXT"}


def test_password_is_not_in_reprs() -> None:
    settings = Settings.from_env({**ENV, "TALKWIRE_SECURITY_PROTOCOL": "SASL_PLAINTEXT"})
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    assert PASSWORD not in repr(app_options(settings)["broker_credentials"])


@pytest.mark.kafka
def test_worker_log_never_contains_the_password(stream_settings: Settings, start_worker) -> None:
    # The local broker does not do SASL: the worker's connection attempts fail and are logged,
    # which is where a careless message would print the credentials.
    settings = replace(stream_settings, security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256",
                       sasl_username="talkwire", sasl_password=PASSWORD, broker_profile="kafka")
    worker = start_worker(settings)
    deadline = time.monotonic() + 20
    while worker.alive() and time.monotonic() < deadline:
        time.sleep(0.5)
    worker.stop()
    log = worker.log_path.read_text(errors="replace")
    # it tried SASL and logged the failure: Tansu answers the handshake with UnsupportedSaslMechanism,
    # a Kafka listener without SASL with IllegalSaslState
    assert "UnsupportedSaslMechanism" in log or "IllegalSaslStateError" in log, log
    assert PASSWORD not in log


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate and key (openssl, as any TLS setup has)."""
    import subprocess

    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key
