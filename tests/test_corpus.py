"""Structural checks of every labelled corpus in tests/data and of the demo sample.

The corpora are what `eval` measures accuracy on, so a malformed line or a label that points
nowhere would silently skew every metric; these tests keep them consistent with formats.md.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest

from talkwire.processors.records import EventType, Location, Participant

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
DEV = DATA / "dev"
CORPORA = sorted(path.name for path in DATA.iterdir() if (path / "articles.jsonl").exists())
EXAMPLES = ROOT / "examples" / "articles.jsonl"
SEED = ROOT / "examples" / "000_0a95cf361c5ddf75.txt"

ARTICLE_FIELDS = {"id", "source", "published_at", "title", "body"}  # + "language" (may be missing), extra fields
GOLD_FIELDS = {"id", "cluster", "dup_group", "event_date"}
EVENT_FIELDS = {"event_type", "parties", "location", "date", "round", "outcomes", "participants"}
OPTIONAL_EVENT_FIELDS = {"mentioned", "track"}
OPAQUE_ID = re.compile(r"^[0-9a-f]{10}$")
OTHER_CLUSTER = re.compile(r"^other-\d+$")
PARTY_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,11}$")  # ISO alpha-2, or an organisation's short name (docs/codes.md)
SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
PREVIEW_DAYS = 14  # a preview reports an event up to two weeks ahead
MEETING_DAYS = 7  # a report of a multi-day meeting may be dated to its first day, up to a week back


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number} is blank"
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{number} is not an object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module", params=CORPORA)
def corpus(request: pytest.FixtureRequest) -> Path:
    return DATA / request.param


@pytest.fixture(scope="module")
def articles(corpus: Path) -> list[dict]:
    return read_jsonl(corpus / "articles.jsonl")


@pytest.fixture(scope="module")
def gold(corpus: Path) -> list[dict]:
    return read_jsonl(corpus / "gold.jsonl")


@pytest.fixture(scope="module")
def events(corpus: Path) -> dict[str, dict]:
    return json.loads((corpus / "events.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dev_articles() -> list[dict]:
    return read_jsonl(DEV / "articles.jsonl")


@pytest.fixture(scope="module")
def dev_gold_by_id() -> dict[str, dict]:
    return {row["id"]: row for row in read_jsonl(DEV / "gold.jsonl")}


@pytest.fixture(scope="module")
def gold_by_id(gold: list[dict]) -> dict[str, dict]:
    return {row["id"]: row for row in gold}


def test_article_lines_have_the_producer_fields(articles):
    for article in articles:
        assert set(article) >= ARTICLE_FIELDS, article.get("id")
        assert all(isinstance(article[name], str) and article[name] for name in ARTICLE_FIELDS)
        assert article.get("language", "fr") in {"fr", "en"}, article["id"]


def test_gold_lines_have_the_label_fields(gold):
    for row in gold:
        assert set(row) == GOLD_FIELDS, row.get("id")


def test_ids_are_unique_and_opaque(articles, gold, events):
    ids = [article["id"] for article in articles]
    assert len(ids) == len(set(ids))
    labels = set(events) | {row["cluster"] for row in gold} | {row["dup_group"] for row in gold}
    for article_id in ids:
        assert OPAQUE_ID.match(article_id), article_id
        assert not any(label in article_id for label in labels)


def test_gold_and_articles_cover_the_same_ids(articles, gold):
    gold_ids = [row["id"] for row in gold]
    assert len(gold_ids) == len(set(gold_ids))
    assert set(gold_ids) == {article["id"] for article in articles}


def test_every_cluster_is_an_event_or_a_singleton_other(gold, events):
    clusters = Counter(row["cluster"] for row in gold)
    for cluster, size in clusters.items():
        if OTHER_CLUSTER.match(cluster):
            assert size == 1, f"{cluster} must be a singleton"
        else:
            assert cluster in events, cluster
            assert size >= 2, f"{cluster} has only {size} article: nothing to fold"
    assert set(events) <= set(clusters), "events.json has events without articles"


def test_event_dates_are_valid_and_not_after_publication(articles, gold_by_id):
    for article in articles:
        event_date = date.fromisoformat(gold_by_id[article["id"]]["event_date"])
        published = datetime.fromisoformat(article["published_at"])
        local_day = published.date()
        assert local_day - timedelta(days=MEETING_DAYS) <= event_date <= local_day + timedelta(days=PREVIEW_DAYS), article["id"]


def test_published_at_is_iso_8601_with_an_offset(articles):
    for article in articles:
        published = datetime.fromisoformat(article["published_at"])
        assert published.utcoffset() is not None, article["id"]
        assert re.search(r"[+-]\d\d:\d\d$", article["published_at"]), article["published_at"]


def test_languages_are_french_and_english_in_the_planned_mix(articles):
    languages = Counter(article["language"] for article in articles if "language" in article)
    assert set(languages) == {"fr", "en"}
    assert 0.5 <= languages["fr"] / sum(languages.values()) <= 0.7


def test_corpus_is_large_enough(articles, events):
    assert len(articles) >= 44
    assert len(events) >= 8


def test_wire_copies_form_enough_dup_groups_within_one_cluster(gold):
    members: dict[str, list[dict]] = {}
    for row in gold:
        members.setdefault(row["dup_group"], []).append(row)
    copied = {group: rows for group, rows in members.items() if len(rows) >= 2}
    assert len(copied) >= 5
    for group, rows in copied.items():  # copies of one unrelated story are each their own other-N
        clusters = {row["cluster"] for row in rows}
        assert len(clusters) == 1 or all(OTHER_CLUSTER.match(cluster) for cluster in clusters), group


def test_bodies_are_articles_with_paragraphs(articles):
    for article in articles:
        paragraphs = article["body"].split("\n\n")
        words = len(article["body"].split())
        assert 4 <= len(paragraphs) <= 12, article["id"]
        assert 120 <= words <= 450, article["id"]
        assert all(paragraph.strip() for paragraph in paragraphs), article["id"]


def test_events_follow_the_events_json_format(events):
    event_types = set(get_args(EventType))
    for cluster, event in events.items():
        assert EVENT_FIELDS <= set(event) <= EVENT_FIELDS | OPTIONAL_EVENT_FIELDS, cluster
        assert event["event_type"] in event_types, cluster
        assert event["parties"] and len(set(event["parties"])) == len(event["parties"]), cluster
        assert all(PARTY_CODE.match(party) for party in event["parties"]), cluster
        location = Location.model_validate(event["location"])
        assert location.country is None or PARTY_CODE.match(location.country), cluster
        date.fromisoformat(event["date"])
        assert event["round"] is None or (isinstance(event["round"], int) and event["round"] >= 1)
        assert all(SNAKE_CASE.match(outcome) for outcome in event["outcomes"]), cluster
        for participant in [*event["participants"], *event.get("mentioned", [])]:
            assert Participant.model_validate(participant).name
        assert event.get("track") is None or isinstance(event["track"], str), cluster


def test_seed_dispatch_is_part_of_the_corpus(dev_articles, dev_gold_by_id):
    articles, gold_by_id = dev_articles, dev_gold_by_id
    lead = SEED.read_text(encoding="utf-8").strip().split("\n", 1)[0].split(" ", 2)[2]
    matches = [article for article in articles if article["body"].startswith(lead)]
    assert len(matches) == 1
    seed = matches[0]
    assert seed["published_at"] == "2022-03-03T19:40:00+01:00" and seed["source"] == "AFP"
    assert gold_by_id[seed["id"]]["cluster"] == "ua-ru-round2"


def test_demo_sample_is_a_subset_of_the_dev_corpus_without_the_seed(dev_articles, dev_gold_by_id):
    articles, gold_by_id = dev_articles, dev_gold_by_id
    demo = read_jsonl(EXAMPLES)
    by_id = {article["id"]: article for article in articles}
    assert len(demo) == 20
    assert all(by_id.get(article["id"]) == article for article in demo)
    assert {article["language"] for article in demo} == {"fr", "en"}
    assert all(article["published_at"] != "2022-03-03T19:40:00+01:00" or article["source"] != "AFP" for article in demo)
    dup_groups = Counter(gold_by_id[article["id"]]["dup_group"] for article in demo)
    assert any(count >= 2 for count in dup_groups.values())
