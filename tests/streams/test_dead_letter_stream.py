"""Every kind of bad input, interleaved with good articles, on the real broker and in the offline replay.

Bad inputs land on the dead-letter topic with a reason code, the original bytes, the stage, the
source topic/partition/offset and a timestamp; the worker goes on and every good article is
enriched. Two outcomes are documented non-errors: a text in an unsupported language is an enriched
article with ``language_status == "unsupported"`` (and no frame), and an identical resend of an
article is a redelivery (one enriched record, no dead letter).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from kafka_helpers import consume_until, produce
from repo_paths import ROOT

from talkwire.processors.dead_letters import original_bytes
from talkwire.processors.records import Article, DeadLetter, EnrichedArticle
from talkwire.settings import Settings
from talkwire.streams.topics import by_id_topic

MAX_MESSAGE_BYTES = 20_000
EXAMPLES = ROOT / "examples" / "articles.jsonl"
GOOD_EXAMPLES = 10


def article(article_id: str, body: str, **fields) -> bytes:
    return orjson.dumps({"id": article_id, "source": "Test Wire", "published_at": "2022-03-04T10:00:00+00:00",
                         "title": "Pourparlers", "body": body, **fields})


TALKS = ("Les délégations russe et ukrainienne se sont retrouvées jeudi au Bélarus pour un deuxième round "
         "de pourparlers et se sont entendues sur des couloirs humanitaires pour les civils.")
# (producer key, message bytes, reason) for every input that must be dead-lettered at the parse stage
BAD: list[tuple[str, bytes, str]] = [
    ("invalid-json", b'{"id": "x", "body": ', "invalid_json"),
    ("json-array", b"[1, 2, 3]", "not_an_object"),
    ("json-object-list", b'[{"id": "a1", "body": "x"}]', "not_an_object"),
    # a JSON scalar does not start like JSON, so the parser reads it as a malformed dispatch
    ("json-null", b"null", "not_an_object"),
    ("missing-body", orjson.dumps({"id": "m1", "source": "S", "published_at": "2022-03-04T10:00:00+00:00"}),
     "missing_field"),
    ("body-number", article("t1", 12), "wrong_type"),
    ("id-number", article(5, TALKS), "wrong_type"),
    ("date-words", article("d1", TALKS, published_at="last thursday"), "invalid_published_at"),
    ("date-impossible", article("d2", TALKS, published_at="2022-02-30T10:00:00+00:00"), "invalid_published_at"),
    ("not-utf8", b"\xff\xfe\xfa not utf-8 \xc3\x28", "invalid_encoding"),
    ("latin1-json", article("l1", TALKS).replace("é".encode(), b"\xe9"), "invalid_encoding"),
    ("empty", b"", "empty_message"),
    ("whitespace", b" \r\n\t ", "empty_message"),
    ("oversized", article("h1", "Les pourparlers continuent. " * 1000), "message_too_large"),
    ("html-page", b"<!DOCTYPE html><html><head><title>Talks</title></head><body><div class='x'><p>"
                  + TALKS.encode() + b"</p></div></body></html>", "invalid_dispatch"),
    ("html-no-text", article("x1", "<div><script>var talks = 1;</script><br/><img src='a.png'></div>"),
     "empty_body"),
]
# good inputs beyond the examples: HTML soup in a body, unsupported languages (declared or not)
SOUP_BODY = ("<html><body><div class='story'><p>" + TALKS + "</p><p>Un troisième round est prévu lundi, "
             "a indiqué <b>Mykhaïlo Podoliak</b>.<br></p><script>track();</script><div>Publicité</div></body>")
GERMAN = ("Die Gespräche zwischen der Ukraine und Russland wurden am Donnerstag in Belarus fortgesetzt. Beide "
          "Seiten einigten sich auf humanitäre Korridore für die Zivilbevölkerung, sagte ein Sprecher.")
SPANISH = ("Las delegaciones de Rusia y Ucrania se reunieron el jueves en Bielorrusia y acordaron abrir "
           "corredores humanitarios para los civiles, según un portavoz de la delegación ucraniana.")
UNSUPPORTED = {"german": article("german", GERMAN, title="Gespräche"),
               "spanish": article("spanish", SPANISH, title="Conversaciones", language="es")}


def good_inputs() -> list[tuple[str, bytes]]:
    lines = [line for line in EXAMPLES.read_bytes().splitlines() if line.strip()][:GOOD_EXAMPLES]
    examples = [(orjson.loads(line)["id"], line) for line in lines]
    return [*examples, ("soup", article("soup", SOUP_BODY)), *UNSUPPORTED.items()]


def conflicting_duplicate(good: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """A later message reusing the first article's id with other content."""
    article_id = good[0][0]
    return article_id, article(article_id, "A completely different story about football results in the "
                                           "French league this weekend, with many goals and two red cards.")


def interleaved(good: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Good and bad alternate; then an identical resend and a conflicting duplicate of the first article."""
    messages: list[tuple[str, bytes]] = []
    for index in range(max(len(good), len(BAD))):
        messages += good[index:index + 1] + [(key, value) for key, value, _ in BAD[index:index + 1]]
    return [*messages, good[0], conflicting_duplicate(good)]


@pytest.mark.kafka
def test_bad_inputs_are_dead_lettered_and_the_stream_goes_on(stream_settings: Settings, start_worker) -> None:
    settings = replace(stream_settings, limits=replace(stream_settings.limits, max_message_bytes=MAX_MESSAGE_BYTES))
    good = good_inputs()
    assert all(len(value) < MAX_MESSAGE_BYTES for _, value in good)
    messages = interleaved(good)
    started = datetime.now(timezone.utc)
    worker = start_worker(settings)
    produce(settings, settings.topic_raw, messages)

    good_ids = {key for key, _ in good}
    enriched_records = consume_until(settings, settings.topic_enriched, lambda rs: good_ids <= {r.key for r in rs},
                                     timeout_s=240, settle_s=3)
    dead_records = consume_until(settings, settings.topic_dead_letters, lambda rs: len(rs) >= len(BAD) + 1,
                                 timeout_s=60, settle_s=2)
    raw_records = consume_until(settings, settings.topic_raw, lambda rs: len(rs) >= len(messages), timeout_s=30)
    finished = datetime.now(timezone.utc)
    assert worker.alive(), worker.log_tail()
    log = worker.log_path.read_text(errors="replace")
    assert "Traceback" not in log, worker.log_tail(80)

    # every good article enriched; the identical resend is a redelivery, so no record repeats itself
    # (an article is republished only when a later one moves it to another event)
    assert {r.key for r in enriched_records} == good_ids
    by_key: dict[str, list[bytes]] = {}
    for record in sorted(enriched_records, key=lambda r: (r.partition, r.offset)):
        by_key.setdefault(record.key, []).append(record.value)
    assert not [key for key, values in by_key.items() if any(a == b for a, b in zip(values, values[1:]))]
    enriched = {key: EnrichedArticle.from_json(values[-1]) for key, values in by_key.items()}
    for key in UNSUPPORTED:
        assert enriched[key].language_status == "unsupported" and enriched[key].frame is None, key
    assert "<" not in enriched["soup"].article.body and "track()" not in enriched["soup"].article.body
    assert enriched["soup"].language_status == "supported" and enriched["soup"].frame is not None

    # every bad input dead-lettered once, with its reason, original bytes, provenance and time
    dead = [DeadLetter.from_json(r.value) for r in dead_records]
    conflict_id, conflict_value = conflicting_duplicate(good)
    expected = {key: reason for key, _, reason in BAD} | {conflict_id: "duplicate_id_conflict"}
    assert Counter(d.key for d in dead) == Counter(expected.keys())
    assert {d.key: d.reason for d in dead} == expected
    raw_at = {(r.partition, r.offset): r.value or b"" for r in raw_records}
    sent = {key: value for key, value, _ in BAD} | {conflict_id: conflict_value}
    for letter in dead:
        assert letter.original_encoding == ("base64" if letter.key in {"not-utf8", "latin1-json"} else "utf-8")
        assert letter.message
        assert started - timedelta(seconds=1) <= datetime.fromisoformat(letter.timestamp) <= finished
        assert letter.partition is not None and letter.offset is not None
        if letter.stage == "parse":
            assert original_bytes(letter) == sent[letter.key], letter.key
            assert letter.topic == settings.topic_raw
            assert raw_at[(letter.partition, letter.offset)] == sent[letter.key], letter.key
        else:
            # caught after parsing: the letter holds the parsed article and its place on the internal topic
            assert (letter.stage, letter.topic, letter.article_id) == ("extract", by_id_topic(settings), conflict_id)
            assert Article.from_json(original_bytes(letter)).body == orjson.loads(conflict_value)["body"]
    print(f"dead letters: {len(messages)} inputs, {len(dead)} dead-lettered, {len(enriched)} enriched, "
          f"reasons {dict(Counter(d.reason for d in dead))}")


def replay(path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TALKWIRE_MAX_MESSAGE_BYTES": str(MAX_MESSAGE_BYTES)}
    return subprocess.run([sys.executable, "-m", "talkwire.cli", "replay", str(path), *args],
                          capture_output=True, env=env, timeout=300)


def test_replay_applies_the_same_rules(tmp_path: Path) -> None:
    # JSON lines cannot hold an empty message (blank lines are skipped) nor one with a raw newline
    bad = [(key, value, reason) for key, value, reason in BAD if value.strip() and b"\n" not in value]
    good = good_inputs()
    messages = interleaved(good)
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(b"\n".join(value for _, value in messages if value.strip()) + b"\n")
    out = tmp_path / "dead.jsonl"

    run = replay(source, "--dead-letters", str(out))
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    dead = [DeadLetter.from_json(line) for line in out.read_bytes().splitlines()]
    conflict_id, _ = conflicting_duplicate(good)
    assert Counter(d.reason for d in dead) == Counter([reason for _, _, reason in bad] + ["duplicate_id_conflict"])
    sent = {value for _, value, _ in bad}
    assert {original_bytes(d) for d in dead if d.stage == "parse"} == sent
    assert next(d for d in dead if d.reason == "duplicate_id_conflict").article_id == conflict_id
    assert f"{len(dead)} dead letters" in run.stdout.decode()

    only_bad = tmp_path / "bad.jsonl"
    only_bad.write_bytes(b"\n".join(value for _, value, _ in bad) + b"\n")
    strict = replay(only_bad, "--strict")
    assert strict.returncode == 1, strict.stderr.decode()[-2000:]
    assert replay(only_bad).returncode == 0
