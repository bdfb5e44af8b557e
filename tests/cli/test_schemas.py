"""The committed JSON Schemas are current, and real output records validate against them."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator
from repo_paths import ROOT

from talkwire.cli import main
from talkwire.cli.schemas import schema_documents, stale_files
from talkwire.processors.pipeline import OfflinePipeline, read_messages
from talkwire.processors.records import OUTPUT_RECORDS, CanonicalEvent, RawMessage, ReplayResult
from talkwire.settings import Settings

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


BODY = "Les délégations se sont retrouvées jeudi au Bélarus pour un deuxième round de pourparlers."
VALID_ARTICLES = [
    {"id": "a1", "source": "AFP", "published_at": "2022-03-04T10:00:00+01:00", "body": BODY},
    {"id": "a2", "source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": f"<p>{BODY}</p>",
     "title": "Pourparlers", "language": "fr-FR", "url": "https://example.org/a2"},
    {"id": "a3", "source": "AP", "published_at": "2022-03-04 10:00-05:00", "body": BODY, "title": None,
     "language": None},
    {"id": "a4", "source": "AP", "published_at": "2022-03-04T10:00:00.123456+00:00", "body": BODY, "tags": [1, 2]},
]
INVALID_ARTICLES = [
    ["not", "an", "object"],
    {"source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": BODY},
    {"id": "b1", "published_at": "2022-03-04T10:00:00Z", "body": BODY},
    {"id": "b2", "source": "AFP", "body": BODY},
    {"id": "b3", "source": "AFP", "published_at": "2022-03-04T10:00:00Z"},
    {"id": 4, "source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": BODY},
    {"id": "", "source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": BODY},
    {"id": "   ", "source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": BODY},
    {"id": "b5", "source": ["AFP"], "published_at": "2022-03-04T10:00:00Z", "body": BODY},
    {"id": "b6", "source": "AFP", "published_at": "2022-03-04T10:00:00", "body": BODY},
    {"id": "b7", "source": "AFP", "published_at": "last thursday", "body": BODY},
    {"id": "b8", "source": "AFP", "published_at": 1646388000, "body": BODY},
    {"id": "b9", "source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": 12},
    {"id": "b10", "source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": BODY, "title": 3},
    {"id": "b11", "source": "AFP", "published_at": "2022-03-04T10:00:00Z", "body": BODY, "language": ["fr"]},
]


def parser_accepts(document) -> bool:
    from talkwire.processors.errors import InputError
    from talkwire.processors.parse.parsing import parse_message

    try:
        parse_message(orjson.dumps(document), Settings().limits)
    except InputError:
        return False
    return True


@pytest.mark.parametrize("document", VALID_ARTICLES + INVALID_ARTICLES)
def test_the_parser_and_the_article_schema_agree(document) -> None:
    schema_accepts = not errors("article", document)
    assert schema_accepts == (document in VALID_ARTICLES)
    assert parser_accepts(document) == schema_accepts


def test_the_article_schema_states_the_limits() -> None:
    schema = json.loads((SCHEMAS / "article.schema.json").read_text())
    limits = Settings().limits
    assert schema["x-talkwire-limits"] == {"max_message_bytes": limits.max_message_bytes,
                                           "max_body_chars": limits.max_body_chars, "min_body_letters": 20}
    assert schema["required"] == ["id", "source", "published_at", "body"]
    assert "date YYYY-MM" in schema["description"]


@pytest.mark.parametrize("published_at", ["2022-03-04t10:00z", "2022-03-04T10:00", "2022-03-04"])
def test_published_at_forms_the_schema_refuses_the_parser_refuses(published_at: str) -> None:
    document = {**VALID_ARTICLES[0], "published_at": published_at}
    assert errors("article", document) and not parser_accepts(document)
