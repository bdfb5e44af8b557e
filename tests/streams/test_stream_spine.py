"""End to end on the real broker: raw articles in, enriched articles, events and dead letters out."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest
from kafka_helpers import consume_until, latest_per_key, produce
from repo_paths import ROOT

from talkwire.processors.records import CanonicalEvent, DeadLetter, EnrichedArticle
from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.tansu]

EXAMPLES = ROOT / "examples"
SEED_PATH = EXAMPLES / "000_0a95cf361c5ddf75.txt"
SEED_KEY = SEED_PATH.stem
OTHER_ARTICLES = 20


def seed_as_json() -> bytes:
    """The seed dispatch as a producer would send it in JSON: lead as title, paragraphs as body."""
    lead, _, body = SEED_PATH.read_text().strip().partition("\n\n")
    return orjson.dumps({
        "id": "seed-json", "source": "AFP", "published_at": "2022-03-03T19:40:00+01:00", "language": "fr",
        "title": lead.removeprefix("date 2022-03").strip(), "body": body, "desk": "international",
    })


def example_articles() -> list[tuple[str, bytes]]:
    lines = [line for line in (EXAMPLES / "articles.jsonl").read_bytes().splitlines() if line.strip()]
    articles = [(orjson.loads(line)["id"], line) for line in lines]
    assert len(articles) >= OTHER_ARTICLES, "examples/articles.jsonl needs at least 20 articles"
    return articles[:OTHER_ARTICLES]


def article(article_id: str, body: str, **fields) -> bytes:
    return orjson.dumps({"id": article_id, "source": "Test Wire", "published_at": "2022-03-04T10:00:00+00:00",
                         "title": fields.pop("title", "Pourparlers"), "body": body, **fields})


SEED_BODY = SEED_PATH.read_text().strip().partition("\n\n")[2]
MALFORMED: list[tuple[str, bytes, str]] = [
    ("bad-json", b'{"id": "x", "body": ', "invalid_json"),
    ("bad-array", b"[1, 2, 3]", "not_an_object"),
    ("bad-missing", orjson.dumps({"id": "m1", "source": "S", "published_at": "2022-03-04T10:00:00+00:00"}),
     "missing_field"),
    ("bad-type", article("t1", SEED_BODY, title=["not", "a", "string"]), "wrong_type"),
    ("bad-date", article("d1", SEED_BODY, published_at="last thursday"), "invalid_published_at"),
    ("bad-bytes", b"\xff\xfe\xfa not utf-8 \xc3\x28", "invalid_encoding"),
    ("bad-empty", b"", "empty_message"),
    ("bad-huge", article("h1", "Les pourparlers continuent. " * 6000), "message_too_large"),
    ("bad-text", b"just some words, neither JSON nor a dispatch", "invalid_dispatch"),
]


def test_articles_flow_to_enriched_events_and_dead_letters(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings
    others = example_articles()
    conflict_id = others[0][0]
    good: list[tuple[str, bytes]] = [
        (SEED_KEY, SEED_PATH.read_bytes()),
        ("seed-json", seed_as_json()),
        *others,
        ("html-soup", article("html-soup", "<html><body><div class='x'><p>" + SEED_BODY.replace("\n\n", "</p><p>")
                              + "</p><script>var a = 1;</script></div></body></html>")),
        ("german", article("german", "Die Gespräche zwischen der Ukraine und Russland wurden am Donnerstag in "
                           "Belarus fortgesetzt. Beide Seiten einigten sich auf humanitäre Korridore für "
                           "die Zivilbevölkerung, sagte ein Sprecher der Delegation.", title="Gespräche", language="de")),
    ]
    conflicting = (conflict_id, article(conflict_id, "A completely different story about football results "
                                        "in the French league this weekend, with many goals."))
    # Interleave bad messages with good ones; the conflicting duplicate id comes after its original.
    messages = [m for pair in zip(good, [(key, value) for key, value, _ in MALFORMED]) for m in pair]
    messages += good[len(MALFORMED):] + [conflicting]
    worker = start_worker()
    produce(settings, settings.topic_raw, messages)

    good_ids = {key for key, _ in good}
    enriched_records = consume_until(
        settings, settings.topic_enriched, lambda rs: good_ids <= {r.key for r in rs}, timeout_s=300, settle_s=3
    )
    dead_records = consume_until(
        settings, settings.topic_dead_letters, lambda rs: len(rs) >= len(MALFORMED) + 1, timeout_s=60, settle_s=2
    )
    event_records = consume_until(settings, settings.topic_events, lambda rs: len(rs) > 0, timeout_s=60, settle_s=3)
    assert worker.alive(), worker.log_tail()

    # every article, with its entities (a record is republished only when its event moved)
    assert {r.key for r in enriched_records} == good_ids, worker.log_tail()
    enriched = {r.key: EnrichedArticle.from_json(r.value) for r in enriched_records}
    supported = [a for a in enriched.values() if a.language_status == "supported"]
    assert {a.article.id for a in supported} >= {SEED_KEY, "seed-json", "html-soup"}
    assert all(a.entities for a in supported), [a.article.id for a in supported if not a.entities]
    assert {e.canonical for e in enriched[SEED_KEY].entities} >= {"UA", "RU"}
    assert enriched[SEED_KEY].article.published_precision == "month"
    assert enriched["seed-json"].article.extra == {"desk": "international"}
    assert "<script>" not in enriched["html-soup"].article.body
    assert enriched["german"].language_status != "supported" and enriched["german"].frame is None

    # every malformed message dead-lettered with its reason, the original bytes kept
    dead = [DeadLetter.from_json(r.value) for r in dead_records]
    assert Counter(d.reason for d in dead) == Counter([reason for _, _, reason in MALFORMED] + ["duplicate_id_conflict"])
    by_key = {d.key: d for d in dead if d.stage == "parse"}
    assert by_key["bad-bytes"].original_encoding == "base64"
    assert all(d.topic == settings.topic_raw and d.offset is not None for d in by_key.values())
    assert next(d for d in dead if d.reason == "duplicate_id_conflict").article_id == conflict_id

    # events: the seed's two forms are reported in one live event
    live = {key: CanonicalEvent.from_json(value) for key, value in latest_per_key(event_records).items() if value}
    assert live, "no events published"
    live_ids = {e.event_id for e in live.values() if not e.merged_into}
    assert {a.event_id for a in supported if a.event_id} <= live_ids, "an enriched record names a dead event"
    seed_events = [e for e in live.values() if not e.merged_into and SEED_KEY in {ref.id for ref in e.articles}]
    assert len(seed_events) == 1
    assert "seed-json" in {ref.id for ref in seed_events[0].articles}
    assert seed_events[0].parties == ["RU", "UA"]
