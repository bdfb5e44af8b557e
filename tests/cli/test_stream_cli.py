"""The Kafka-side commands on the real broker: topics, produce, tail; and the exit codes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import orjson
import pytest
from kafka_helpers import consume_until
from repo_paths import SEED

from talkwire.cli import main
from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.tansu]



@pytest.fixture
def cli_env(stream_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in {
        "KAFKA_BOOTSTRAP": stream_settings.kafka_bootstrap, "APP_ID": stream_settings.app_id,
        "TOPIC_RAW": stream_settings.topic_raw, "TOPIC_ENRICHED": stream_settings.topic_enriched,
        "TOPIC_EVENTS": stream_settings.topic_events, "TOPIC_DEAD_LETTERS": stream_settings.topic_dead_letters,
    }.items():
        monkeypatch.setenv(f"TALKWIRE_{name}", value)
    return stream_settings


def test_topics_create_then_describe(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topics", "create", "--partitions", "3"]) == 0
    out = capsys.readouterr().out
    assert cli_env.topic_raw in out and "3 partitions" in out
    assert f"{cli_env.topic_events}: 3 partitions, cleanup.policy=compact" in out
    assert main(["topics", "create"]) == 0
    assert "none (all exist)" in capsys.readouterr().out


def test_produce_keys_by_id_or_stem_and_tail_reads_back(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["topics", "create"]) == 0
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "two.jsonl").write_bytes(b'{"id": "a1", "body": "x"}\n{not json\n')
    (folder / "three.json").write_bytes(orjson.dumps([{"id": "b1"}, {"id": "b2"}]))
    assert main(["produce", str(folder), "--quiet"]) == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "c1", "body": "y"}\n')))
    assert main(["produce", "-", "--quiet"]) == 0
    assert "sent 1, failed 0" in capsys.readouterr().err

    records = consume_until(cli_env, cli_env.topic_raw, lambda rs: len(rs) >= 6, timeout_s=20)
    assert sorted(str(r.key) for r in records) == ["None", "a1", "b1", "b2", "c1", "seed"]

    assert main(["tail", "raw", "--from-beginning", "--json", "--idle-exit", "1", "--timeout", "20"]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 6
    assert {"key": "b1", "value": {"id": "b1"}} in lines
    assert {"key": None, "value": "{not json"} in lines


def test_exit_codes(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["produce"])
    assert usage.value.code == 2
    assert main(["produce", "/nonexistent/articles.jsonl"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["tail", "no-such-topic", "--timeout", "2"]) == 1


def test_two_dispatches_from_stdin_get_two_stable_keys(cli_env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["topics", "create"]) == 0
    texts = [b"date 2022-03 Les delegations se sont retrouvees jeudi au Belarus pour des pourparlers.\n",
             b"date 2022-04 Un nouveau round de pourparlers a eu lieu a Istanbul entre les delegations.\n"]
    for text in (*texts, texts[0]):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
        assert main(["produce", "-", "--quiet"]) == 0
    records = consume_until(cli_env, cli_env.topic_raw, lambda rs: len(rs) >= 3, timeout_s=20)
    keys = [r.key for r in sorted(records, key=lambda r: r.value)]
    assert len(set(keys)) == 2 and all(key.startswith("dispatch-") for key in keys)


HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202etxt.exe\x00[bold]"
ACTING = ("\x1b", "\x07", "\x9b", "\u202e", "\x00")


def test_tail_pretty_output_cannot_drive_the_terminal(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from kafka_helpers import produce

    from talkwire.processors.records import ArticleRef, CanonicalEvent, Participant

    assert main(["topics", "create"]) == 0
    event = CanonicalEvent(event_id="e1", version=1, title=HOSTILE, parties=["UA"],
                           participants=[Participant(name=HOSTILE, party="UA")],
                           articles=[ArticleRef(id="a1", source=HOSTILE, published_at="2022-03-04", title=HOSTILE)])
    produce(cli_env, cli_env.topic_events, [(HOSTILE, event.to_json())])
    produce(cli_env, cli_env.topic_raw, [(HOSTILE, HOSTILE.encode()), ("j", orjson.dumps({HOSTILE: [HOSTILE]})),
                                         (HOSTILE, None)])
    for topic in ("events", "raw"):
        assert main(["tail", topic, "--from-beginning", "--idle-exit", "1", "--timeout", "20"]) == 0
        out = capsys.readouterr().out
        assert not any(char in out for char in ACTING), repr(out)
        assert "\\x1b]0;pwned\\x07" in out and "\\u202etxt.exe" in out and "[bold]" in out, out
    assert main(["tail", "raw", "--from-beginning", "--json", "--idle-exit", "1", "--timeout", "20"]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"key": HOSTILE, "value": HOSTILE} in lines and {"key": "j", "value": {HOSTILE: [HOSTILE]}} in lines
