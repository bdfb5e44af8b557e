"""``talkwire dead-letters replay`` on the real broker: chosen letters go back once, with their bytes and key."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from kafka_helpers import consume_until, export_settings, produce

from talkwire.cli import main
from talkwire.cli.dead_letters import ledger_topic
from talkwire.processors.dead_letters import make_dead_letter
from talkwire.settings import Settings
from talkwire.streams.topics import describe_topics

pytestmark = pytest.mark.kafka
NOW = datetime.now(timezone.utc)


@pytest.fixture
def env(stream_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return export_settings(stream_settings, monkeypatch)


def letter(settings: Settings, key: str, raw: bytes, reason: str, age: timedelta, **options) -> tuple[str, bytes]:
    made = make_dead_letter(raw, reason=reason, message="m", stage="parse", topic=settings.topic_raw, partition=0,
                            offset=1, key=key, now=NOW - age, **options)
    return key, made.to_json()


def raw_records(settings: Settings, count: int):
    return consume_until(settings, settings.topic_raw, lambda rs: len(rs) >= count, timeout_s=5, settle_s=1)


def test_replay_sends_chosen_letters_once(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    produce(env, env.topic_dead_letters, [
        letter(env, "a1", b'{"id": "a1", "body": ', "invalid_json", timedelta(hours=3)),
        letter(env, "a2", b'{"id": "a2"', "invalid_json", timedelta(minutes=5)),
        letter(env, "a3", b"\xff\xfe binary", "invalid_encoding", timedelta(minutes=5)),
        letter(env, "a4", b"x" * 5000 + b"{", "invalid_json", timedelta(minutes=5), max_bytes=1000),
    ])
    assert main(["dead-letters", "replay", "--reason", "invalid_json", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.count("would send") == 2 and "original cut to fit the broker, 5001 bytes" in out, out
    assert "4 dead letters, 3 chosen, would send 2, skipped 1" in err
    assert asyncio_describe(env, ledger_topic(env)) == {} and raw_records(env, 1) == []

    assert main(["dead-letters", "replay", "--reason", "invalid_json", "--since", "1h"]) == 0
    assert "3 chosen" not in capsys.readouterr().err
    assert [(r.key, r.value) for r in raw_records(env, 1)] == [("a2", b'{"id": "a2"')]

    assert main(["dead-letters", "replay", "--key", "a3", "--key", "a2"]) == 0
    out, err = capsys.readouterr()
    assert "replayed before" in out and "sent 1, skipped 1" in err, (out, err)
    assert main(["dead-letters", "replay", "--until", (NOW - timedelta(hours=1)).isoformat()]) == 0
    assert "sent 1" in capsys.readouterr().err
    assert main(["dead-letters", "replay"]) == 0  # everything left: only the cut one, which cannot go
    assert "4 chosen, sent 0, skipped 4" in capsys.readouterr().err
    sent = {r.key: r.value for r in raw_records(env, 3)}
    assert sent == {"a1": b'{"id": "a1", "body": ', "a2": b'{"id": "a2"', "a3": b"\xff\xfe binary"}


def asyncio_describe(settings: Settings, topic: str) -> dict:
    import asyncio

    return asyncio.run(describe_topics(settings, [topic]))


def test_a_replayed_letter_goes_through_the_worker_once_the_limit_is_raised(
    env: Settings, start_worker, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    import orjson

    body = ("Les délégations russe et ukrainienne se sont retrouvées jeudi au Bélarus pour un deuxième round "
            "de pourparlers et se sont entendues sur des couloirs humanitaires pour les civils. ") * 3
    article = orjson.dumps({"id": "long", "source": "Wire", "published_at": "2022-03-03T18:00:00+01:00",
                            "title": "Pourparlers", "body": body})
    strict = replace(env, limits=replace(env.limits, max_body_chars=100))
    worker = start_worker(strict)
    produce(env, env.topic_raw, [("long", article)])
    dead = consume_until(env, env.topic_dead_letters, lambda rs: rs, timeout_s=120)
    assert [r.key for r in dead] == ["long"]
    worker.stop()

    start_worker(env)
    assert main(["dead-letters", "replay", "--reason", "body_too_large"]) == 0
    assert "sent 1" in capsys.readouterr().err
    enriched = consume_until(env, env.topic_enriched, lambda rs: rs, timeout_s=120)
    assert [r.key for r in enriched] == ["long"]
    assert main(["dead-letters", "replay", "--reason", "body_too_large"]) == 0
    assert "sent 0, skipped 1" in capsys.readouterr().err
