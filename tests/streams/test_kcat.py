"""Interop: kcat (librdkafka, a client we did not write) produces the seed and reads the resulting event.

Tansu 0.6.0 answers ApiVersions v3 with every tagged field, defaults included; librdkafka 2.0.2
(Debian's kcat) fails to skip them ("Read underflow") and gives up on the broker. Against the local
broker the test therefore puts a small proxy in front of its own Tansu (advertised at the proxy's
address) that drops those tagged fields and forwards every other byte unchanged. With
``TALKWIRE_KAFKA_BOOTSTRAP`` (e.g. Apache Kafka) kcat talks to the cluster directly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from kafka_helpers import create_topics, free_port
from web_helpers import SEED_PATH, wait_until

from talkwire.broker import tansu_binary, wait_until_ready
from talkwire.processors.records import CanonicalEvent
from talkwire.settings import Settings

pytestmark = pytest.mark.kafka

API_VERSIONS_KEY = 18
FIRST_FLEXIBLE_API_VERSIONS = 3


def require_kcat() -> str:
    path = shutil.which("kcat") or shutil.which("kafkacat")
    if path is None:
        message = "kcat is not installed: run scripts/install-system-deps.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# --------------------------------------------------------------------------- the ApiVersions proxy


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> bytes:
    return _read_exact(sock, struct.unpack(">i", _read_exact(sock, 4))[0])


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def api_versions_without_tags(response: bytes) -> bytes:
    """An ApiVersions v3+ response (correlation id first) with its trailing tagged fields emptied.

    Layout: correlation id (4), error code (2), compact array of (key, min, max: int16, empty tags),
    throttle time (4), tagged fields.
    """
    entries_plus_one, pos = _uvarint(response, 6)
    end_of_throttle = pos + (entries_plus_one - 1) * 7 + 4
    return response[:end_of_throttle] + b"\x00"


class ApiVersionsProxy:
    """Forwards 127.0.0.1:port to ``upstream``, rewriting only flexible ApiVersions responses."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        for sock in [self.server, *self.sockets]:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # closed
                return
            try:
                broker = socket.create_connection(self.upstream)
            except OSError:  # the broker is not up yet: the client retries
                client.close()
                continue
            self.sockets += [client, broker]
            rewrite: set[int] = set()  # correlation ids of flexible ApiVersions requests
            threading.Thread(target=self._requests, args=(client, broker, rewrite), daemon=True).start()
            threading.Thread(target=self._responses, args=(broker, client, rewrite), daemon=True).start()

    @staticmethod
    def _requests(client: socket.socket, broker: socket.socket, rewrite: set[int]) -> None:
        try:
            while True:
                frame = _read_frame(client)
                api_key, api_version, correlation_id = struct.unpack(">hhi", frame[:8])
                if api_key == API_VERSIONS_KEY and api_version >= FIRST_FLEXIBLE_API_VERSIONS:
                    rewrite.add(correlation_id)
                broker.sendall(struct.pack(">i", len(frame)) + frame)
        except OSError:
            broker.close()

    @staticmethod
    def _responses(broker: socket.socket, client: socket.socket, rewrite: set[int]) -> None:
        try:
            while True:
                frame = _read_frame(broker)
                correlation_id = struct.unpack(">i", frame[:4])[0]
                if correlation_id in rewrite:
                    rewrite.discard(correlation_id)
                    frame = api_versions_without_tags(frame)
                client.sendall(struct.pack(">i", len(frame)) + frame)
        except OSError:
            client.close()


def test_proxy_empties_only_the_trailing_tagged_fields() -> None:
    entries = struct.pack(">hhh", 0, 0, 11) + b"\x00" + struct.pack(">hhh", 18, 0, 4) + b"\x00"
    head = struct.pack(">ih", 7, 0) + bytes([3]) + entries + struct.pack(">i", 0)
    tags = bytes([2, 0, 1, 1, 1, 8]) + b"\xff" * 8
    assert api_versions_without_tags(head + tags) == head + b"\x00"


@pytest.fixture
def kcat_bootstrap(tmp_path: Path) -> Iterator[str]:
    """A broker kcat can talk to: the external cluster, or a Tansu of its own behind the proxy."""
    if os.environ.get("TALKWIRE_KAFKA_BOOTSTRAP"):
        yield os.environ["TALKWIRE_KAFKA_BOOTSTRAP"]
        return
    broker_port = free_port()
    proxy = ApiVersionsProxy(("127.0.0.1", broker_port))
    log = (tmp_path / "tansu.log").open("ab")
    broker = subprocess.Popen(
        [str(tansu_binary()), "broker", "--listener-url", f"tcp://127.0.0.1:{broker_port}",
         "--advertised-listener-url", f"tcp://127.0.0.1:{proxy.port}", "--storage-engine", "memory://tansu/"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    log.close()
    try:
        bootstrap = f"127.0.0.1:{proxy.port}"
        asyncio.run(wait_until_ready(bootstrap))
        yield bootstrap
    finally:
        broker.terminate()
        broker.wait(10)
        proxy.close()


def kcat(*args: str, timeout_s: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([require_kcat(), *args], capture_output=True, timeout=timeout_s)


def test_kcat_produces_the_seed_and_consumes_its_event(kcat_bootstrap: str, stream_settings: Settings,
                                                       start_worker) -> None:
    require_kcat()
    settings = replace(stream_settings, kafka_bootstrap=kcat_bootstrap)
    create_topics(settings)
    worker = start_worker(settings)

    # one file = one message, keyed like `talkwire produce` keys a dispatch (its file stem)
    produced = kcat("-b", kcat_bootstrap, "-P", "-t", settings.topic_raw, "-k", SEED_PATH.stem, str(SEED_PATH))
    assert produced.returncode == 0, produced.stderr.decode()

    def seed_event() -> CanonicalEvent | None:
        consumed = kcat("-b", kcat_bootstrap, "-C", "-t", settings.topic_events, "-o", "beginning", "-e", "-J", "-q")
        assert consumed.returncode == 0, consumed.stderr.decode()
        for line in consumed.stdout.splitlines():
            envelope = orjson.loads(line)
            if envelope["payload"] is None:
                continue
            event = CanonicalEvent.from_json(envelope["payload"])
            if envelope["key"] == event.event_id and SEED_PATH.stem in {a.id for a in event.articles}:
                return event
        return None

    event = wait_until(seed_event, timeout_s=180, interval_s=2, what="the seed's event read by kcat",
                       explain=worker.log_tail)
    assert worker.alive(), worker.log_tail()
    assert event.event_type == "negotiation_round"
    assert event.parties == ["RU", "UA"]
    assert (event.location.country, event.round) == ("BY", 2)
    assert event.date is not None and event.date.startswith("2022-03")  # the dispatch is dated to the month
    assert "humanitarian_corridors" in event.outcomes
    assert [a.source for a in event.articles] == [None] and event.sources == 1  # its lead credits no agency
