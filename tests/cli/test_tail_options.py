"""``talkwire tail`` read like kcat -C, and ``produce`` edge cases, on the real broker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from kafka_helpers import export_settings

from talkwire.cli import main
from talkwire.processors.records import CanonicalEvent
from talkwire.settings import Settings
from talkwire.streams.connection import client_options
from talkwire.streams.topics import describe_topics

pytestmark = pytest.mark.kafka
HOUR_MS = 3_600_000
T0_MS = int(datetime(2022, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)


def send(settings: Settings, topic: str, records: list[tuple[int, str, bytes | None, int | None]]) -> None:
    """(partition, key, value, timestamp ms) in order, each acknowledged before the next."""

    async def run() -> None:
        producer = AIOKafkaProducer(**client_options(settings), acks="all")
        await producer.start()
        try:
            for partition, key, value, stamp in records:
                await (await producer.send(topic, value=value, key=key.encode(), partition=partition,
                                           timestamp_ms=stamp))
        finally:
            await producer.stop()

    asyncio.run(run())


@pytest.fixture
def env(stream_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return export_settings(stream_settings, monkeypatch)


@pytest.fixture
def raw(env: Settings) -> Settings:
    """Five records on partition 0, an hour apart from 2022-01-01, and three on partition 1."""
    send(env, env.topic_raw, [(0, f"k{i}", f"v{i}".encode(), T0_MS + i * HOUR_MS) for i in range(5)]
         + [(1, f"p1-{i}", f"w{i}".encode(), T0_MS) for i in range(3)])
    return env


def tail(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], float]:
    started = time.monotonic()
    code = main(["tail", *args, "--json", "--timeout", "60"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = [orjson.loads(line) for line in out.splitlines()]
    return code, lines, time.monotonic() - started


def values(lines: list[dict]) -> list:
    return sorted(line["value"] for line in lines)


def test_exit_at_end_offsets_partitions_keys_and_max(raw: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, seconds = tail(capsys, "raw", "--from-beginning", "-e")
    assert code == 0 and seconds < 20 and values(lines) == ["v0", "v1", "v2", "v3", "v4", "w0", "w1", "w2"]
    assert values(tail(capsys, "raw", "--offset", "3", "--partition", "0", "-e")[1]) == ["v3", "v4"]
    assert values(tail(capsys, "raw", "--offset", "-1", "-e")[1]) == ["v4", "w2"]  # empty partitions give nothing
    assert values(tail(capsys, "raw", "--from-beginning", "--key", "k1", "-e")[1]) == ["v1"]
    code, lines, seconds = tail(capsys, "raw", "--from-beginning", "--max", "2")
    assert code == 0 and len(lines) == 2 and seconds < 20
    assert values(tail(capsys, "raw", "--since", "2022-01-01T02:30:00+00:00", "-p", "0", "-e")[1]) == ["v3", "v4"]
    assert values(tail(capsys, "raw", "--since", "1h", "-e")[1]) == []  # nothing that recent
    assert main(["tail", "raw", "--partition", "9", "-e"]) == 1
    assert "no partition 9" in capsys.readouterr().err


def test_idle_exit_fires_on_an_empty_topic(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, seconds = tail(capsys, "dead-letters", "--from-beginning", "--idle-exit", "1")
    assert (code, lines) == (0, []) and seconds < 15


def test_readers_and_producers_never_create_a_topic(env: Settings, capsys: pytest.CaptureFixture[str],
                                                     tmp_path) -> None:
    typo = env.topic_raw + "-typo"
    source = tmp_path / "a.jsonl"
    source.write_bytes(b'{"id": "a1"}\n')
    assert main(["produce", str(source), "--topic", typo, "--quiet"]) == 1
    assert main(["tail", typo, "-e"]) == 1
    err = capsys.readouterr().err
    assert err.count(f"{typo!r} does not exist") == 2, err
    assert asyncio.run(describe_topics(env, [typo])) == {}


def test_a_failed_message_says_why(env: Settings, capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"date 2022-03 " + b"x" * 2_200_000)
    assert main(["produce", str(big), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"failed: {big}: MessageSizeTooLargeError" in err and "sent 0, failed 1" in err, err


def test_produce_to_an_unreachable_broker_closes_its_producer(env: Settings, tmp_path) -> None:
    source = tmp_path / "a.jsonl"
    source.write_bytes(b'{"id": "a1"}\n')
    run = subprocess.run([sys.executable, "-W", "error::ResourceWarning", "-m", "talkwire.cli", "produce",
                          str(source), "--bootstrap", "127.0.0.1:1"], capture_output=True, timeout=120,
                         env={**os.environ, "PYTHONDEVMODE": "1"})
    err = run.stderr.decode()
    assert run.returncode == 1 and "Unclosed" not in err, err


def events(*records: CanonicalEvent | str) -> list[tuple[int, str, bytes | None, None]]:
    return [(0, r, None, None) if isinstance(r, str) else (0, r.event_id, r.to_json(), None) for r in records]


def test_latest_lists_live_events_only_and_ctrl_c_prints_the_summary(env: Settings) -> None:
    send(env, env.topic_events, events(CanonicalEvent(event_id="e1", version=1, title="Talks"),
                                       CanonicalEvent(event_id="e2", version=1, title="Other"),
                                       CanonicalEvent(event_id="e2", version=2, merged_into="e1"),
                                       CanonicalEvent(event_id="e3", version=1), "e3"))
    tail_run = subprocess.Popen([sys.executable, "-m", "talkwire.cli", "tail", "events", "--latest"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "COLUMNS": "200"})
    time.sleep(8)  # long enough to read the five records
    tail_run.send_signal(signal.SIGINT)
    out, err = tail_run.communicate(timeout=30)
    assert tail_run.returncode == 130, err.decode()[-2000:]
    text = out.decode()
    assert "1 live events, 1 redirects, 1 deleted on" in text and "Talks" in text and "Traceback" not in err.decode()
