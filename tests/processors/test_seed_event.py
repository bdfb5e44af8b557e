"""Acceptance test of issue 5 on the seed dispatch (offline, real extraction, no broker).

The seed (plain text, published_at known only to the month) and the same-evening French rewrite of
the second round by another outlet end in one event with two sources; the dev corpus' first round
(28 February, Gomel region) and third round (7 March) stay events of their own.
"""

from __future__ import annotations

import orjson
import pytest
from repo_paths import ROOT, TESTS_DATA

from talkwire.cli import main
from talkwire.processors.pipeline import OfflinePipeline
from talkwire.processors.records import CanonicalEvent, RawMessage, ReplayResult
from talkwire.settings import Settings

SEED_PATH = ROOT / "examples" / "000_0a95cf361c5ddf75.txt"
DEV = TESTS_DATA / "dev"
ROUNDS = ("ua-ru-round1", "ua-ru-round2", "ua-ru-round3")


def dev_articles() -> list[dict]:
    gold = {row["id"]: row for row in map(orjson.loads, (DEV / "gold.jsonl").read_bytes().splitlines())}
    articles = [orjson.loads(line) for line in (DEV / "articles.jsonl").read_bytes().splitlines() if line.strip()]
    return [{**article, "cluster": gold[article["id"]]["cluster"]} for article in articles]


def same_evening_rewrite(articles: list[dict]) -> dict:
    """The round-2 report another outlet wrote in the seed's language on the evening of 3 March."""
    matches = [
        article for article in articles
        if article["cluster"] == "ua-ru-round2" and article["source"] != "AFP" and article.get("language") == "fr"
        and article["published_at"].startswith("2022-03-03T") and int(article["published_at"][11:13]) >= 18
    ]
    assert len(matches) == 1, [article["id"] for article in matches]
    return matches[0]


def as_message(article: dict) -> RawMessage:
    fields = {name: value for name, value in article.items() if name != "cluster"}
    return RawMessage(value=orjson.dumps(fields), key=article["id"])


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[dict]]:
    articles = dev_articles()
    return {
        "rewrite": [same_evening_rewrite(articles)],
        "round1": [a for a in articles if a["cluster"] == "ua-ru-round1"],
        "round3": [a for a in articles if a["cluster"] == "ua-ru-round3"],
    }


@pytest.fixture(scope="module")
def replay(corpus: dict[str, list[dict]]) -> ReplayResult:
    seed = RawMessage(value=SEED_PATH.read_bytes(), key=SEED_PATH.stem, source=str(SEED_PATH))
    others = [as_message(article) for group in corpus.values() for article in group]
    result = OfflinePipeline(Settings.from_env()).run([seed, *others])
    assert result.dead_letters == []
    return result


def event_of(result: ReplayResult, article_id: str) -> CanonicalEvent:
    holding = [event for event in result.events if article_id in {ref.id for ref in event.articles}]
    assert len(holding) == 1, f"{article_id} is in {len(holding)} live events"
    return holding[0]


def test_seed_and_same_evening_rewrite_are_one_event_with_two_sources(replay, corpus) -> None:
    rewrite = corpus["rewrite"][0]
    event = event_of(replay, SEED_PATH.stem)
    assert {ref.id for ref in event.articles} == {SEED_PATH.stem, rewrite["id"]}
    assert event.sources == 2
    assert event.title == rewrite["title"]  # the seed dispatch, reported first, has no title
    assert event.event_type == "negotiation_round"
    assert event.round == 2
    assert event.parties == ["RU", "UA"]
    assert event.date == "2022-03-03"  # the rewrite dates the Thursday the seed only knows by its month


def test_three_rounds_stay_three_events(replay, corpus) -> None:
    round1 = {event_of(replay, a["id"]).event_id for a in corpus["round1"]}
    round3 = {event_of(replay, a["id"]).event_id for a in corpus["round3"]}
    round2 = event_of(replay, SEED_PATH.stem).event_id
    assert len(round1) == 1 and len(round3) == 1
    assert len({*round1, *round3, round2}) == 3
    assert len(replay.events) == 3
    by_id = {event.event_id: event for event in replay.events}
    first, third = by_id[round1.pop()], by_id[round3.pop()]
    gold = orjson.loads((DEV / "events.json").read_bytes())
    for event, cluster in ((first, "ua-ru-round1"), (third, "ua-ru-round3")):
        expected = gold[cluster]
        assert (event.round, event.date) == (expected["round"], expected["date"])
        assert event.location.model_dump() == expected["location"]


def test_replay_command_prints_the_seed_event(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(SEED_PATH), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    event = orjson.loads(lines[0])
    assert event["event_type"] == "negotiation_round"
    assert event["parties"] == ["RU", "UA"]
    assert event["round"] == 2
    assert event["location"] == {"place": "Belovejskaïa Poucha", "region": "Brest", "country": "BY"}
    assert (event["date"], event["date_precision"]) == ("2022-03", "month")
    assert event["sources"] == 1 and [ref["id"] for ref in event["articles"]] == [SEED_PATH.stem]
    # a dispatch has no title and names no agency: shown by its lead sentence, its outlet unknown
    lead = "Ce jeudi avait lieu une deuxième session de pourparlers entre l'Ukraine et la Russie, à Belovejskaïa Poucha, au Bélarus."
    assert event["title"] == event["articles"][0]["title"] == lead
    assert event["articles"][0]["source"] is None
