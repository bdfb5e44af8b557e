"""The Kafka-side commands on the real broker: topics, produce, tail; and the exit codes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import orjson
import pytest
from kafka_helpers import consume_until

from talkwire.cli import main
from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.tansu]

SEED = Path(__file__).parent.parent / "examples" / "000_0a95cf361c5ddf75.txt"


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
