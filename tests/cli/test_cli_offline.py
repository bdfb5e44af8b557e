import argparse

import orjson
import pytest
from pipeline_helpers import FrameFromExtra, write_corpus

import talkwire.cli.offline as offline
from talkwire.processors.pipeline import OfflinePipeline


@pytest.fixture(autouse=True)
def fake_extractor(monkeypatch):
    class Pipeline(OfflinePipeline):
        def __init__(self, settings):
            super().__init__(settings, extractor=FrameFromExtra())

    monkeypatch.setattr(offline, "OfflinePipeline", Pipeline)


def parse(argv):
    parser = argparse.ArgumentParser()
    offline.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_replay_json_prints_one_event_line_and_writes_dead_letters(tmp_path, capsys):
    path = write_corpus(tmp_path)
    out = tmp_path / "dead.jsonl"
    args = parse(["replay", str(path), "--json", "--dead-letters", str(out)])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    event = orjson.loads(lines[0])
    assert {"event_id", "version", "event_type", "parties", "location", "date", "round", "outcomes",
            "participants", "sources", "articles", "provenance"} <= set(event)
    assert len(out.read_text().splitlines()) == 2


def test_replay_strict_fails_on_dead_letters(tmp_path, capsys):
    args = parse(["replay", str(write_corpus(tmp_path)), "--strict"])
    assert args.func(args) == 1
    assert "1 events" in capsys.readouterr().out


def test_eval_json_prints_exactly_one_object(tmp_path, capsys):
    write_corpus(tmp_path)
    (tmp_path / "gold.jsonl").write_text(
        "\n".join(
            orjson.dumps({"id": i, "cluster": c, "dup_group": d, "event_date": "2022-03-03"}).decode()
            for i, c, d in [("a", "r2", "w"), ("b", "r2", "w"), ("c", "other-1", "c"), ("d", "r2", "d")]
        )
    )
    (tmp_path / "events.json").write_text('{"r2": {"event_type": "negotiation_round", "parties": ["RU", "UA"],'
                                          ' "round": 2, "location": {"country": "BY"}}}')
    args = parse(["eval", str(tmp_path), "--json"])
    assert args.func(args) == 0
    (line,) = capsys.readouterr().out.splitlines()
    metrics = orjson.loads(line)
    assert metrics["dup_precision"] == 1.0 and metrics["dup_recall"] == 1.0
    assert metrics["articles"] == 5 and metrics["events"] == 1
    assert metrics["b3_precision"] == 1.0 and metrics["b3_recall"] < 1.0
