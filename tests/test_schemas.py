"""The committed JSON Schemas are current, and real output records validate against them."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from talkwire.cli import main
from talkwire.cli.schemas import schema_documents, stale_files
from talkwire.processors.pipeline import OfflinePipeline, read_messages
from talkwire.processors.records import OUTPUT_RECORDS, CanonicalEvent, RawMessage, ReplayResult
from talkwire.settings import Settings

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "schemas"
EXAMPLES = ROOT / "examples"


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(name: str, document: dict) -> list[str]:
    return [error.message for error in validator(name).iter_errors(document)]


@pytest.fixture(scope="module")
def replay() -> ReplayResult:
    """The seed, the example articles and two malformed messages through the real processors."""
    messages = [*read_messages(EXAMPLES / "000_0a95cf361c5ddf75.txt"), *read_messages(EXAMPLES / "articles.jsonl"),
                RawMessage(value=b'{"id": "broken", "body": ', key="broken"),
                RawMessage(value=b"\xff\xfe not utf-8", key="bytes")]
    return OfflinePipeline(Settings()).run(messages)


def test_committed_schemas_are_up_to_date() -> None:
    assert stale_files(SCHEMAS) == [], "run `talkwire schemas` and commit schemas/"
    assert sorted(path.name for path in SCHEMAS.glob("*.schema.json")) == sorted(schema_documents())


def test_one_schema_per_output_topic_with_the_record_fields() -> None:
    for name, record in OUTPUT_RECORDS.items():
        schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
        assert schema["$schema"].endswith("2020-12/schema")
        assert set(schema["properties"]) == set(record.model_fields)
        assert schema["additionalProperties"] is False


def test_check_fails_on_a_stale_or_missing_file_and_write_repairs_it(tmp_path: Path, capsys) -> None:
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 0
    event_file = tmp_path / "event.schema.json"
    event_file.write_text(event_file.read_text().replace('"event_id"', '"event_key"', 1))
    (tmp_path / "dead_letter.schema.json").unlink()
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 1
    assert "event.schema.json" in capsys.readouterr().err
    assert sorted(stale_files(tmp_path)) == ["dead_letter.schema.json", "event.schema.json"]


def test_replayed_events_validate(replay: ReplayResult) -> None:
    assert replay.events, "the replay produced no event"
    for event in replay.events:
        assert errors("event", orjson.loads(event.to_json())) == []


def test_redirect_and_enriched_and_dead_letter_records_validate(replay: ReplayResult) -> None:
    redirect = CanonicalEvent(event_id="ev-absorbed", version=3, merged_into=replay.events[0].event_id)
    assert errors("event", orjson.loads(redirect.to_json())) == []
    assert replay.enriched and replay.dead_letters
    for enriched in replay.enriched:
        assert errors("enriched_article", orjson.loads(enriched.to_json())) == []
    assert {letter.reason for letter in replay.dead_letters} >= {"invalid_json", "invalid_encoding"}
    for letter in replay.dead_letters:
        assert errors("dead_letter", orjson.loads(letter.to_json())) == []


def test_schemas_reject_what_consumers_must_not_accept(replay: ReplayResult) -> None:
    event = orjson.loads(replay.events[0].to_json())
    assert errors("event", {**event, "event_type": "press_conference"})
    assert errors("event", {**event, "unexpected": 1})
    assert errors("event", {k: v for k, v in event.items() if k != "version"})
    letter = orjson.loads(replay.dead_letters[0].to_json())
    assert errors("dead_letter", {**letter, "stage": "publish"})
