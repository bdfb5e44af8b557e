import pytest

from talkwire.processors.evaluation import b_cubed, evaluate, group_pairs, load_corpus, pair_precision_recall
from talkwire.processors.records import (
    Article,
    CanonicalEvent,
    EnrichedArticle,
    EventFrame,
    Location,
    ReplayResult,
)


def test_b_cubed_perfect_and_all_in_one():
    gold = {"a": "x", "b": "x", "c": "y"}
    assert b_cubed(gold, gold) == (1.0, 1.0, 1.0)
    precision, recall, f1 = b_cubed({"a": 1, "b": 1, "c": 1}, gold)
    assert recall == 1.0 and precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert f1 < 1.0


def test_pair_precision_recall():
    predicted = group_pairs({"a": "a", "b": "a", "c": "c"})
    gold = group_pairs({"a": "g", "b": "g", "c": "g"})
    assert pair_precision_recall(predicted, gold) == (1.0, pytest.approx(1 / 3))
    assert pair_precision_recall(set(), set()) == (1.0, 1.0)


def enriched(article_id, event_id, date, duplicate_of=None):
    article = Article(id=article_id, source="S", published_at="2022-03-03T10:00:00+00:00",
                      published_precision="day", body="x", content_hash="h")
    return EnrichedArticle(article=article, language="fr", language_status="supported",
                           frame=EventFrame(date=date, date_precision="day"), event_id=event_id,
                           duplicate_of=duplicate_of)


def test_evaluate_reports_every_metric(tmp_path):
    (tmp_path / "gold.jsonl").write_text(
        '{"id": "a", "cluster": "r2", "dup_group": "w", "event_date": "2022-03-03"}\n'
        '{"id": "b", "cluster": "r2", "dup_group": "w", "event_date": "2022-03-03"}\n'
        '{"id": "c", "cluster": "other-1", "dup_group": "c", "event_date": "2022-03-02"}\n'
    )
    (tmp_path / "events.json").write_text(
        '{"r2": {"event_type": "negotiation_round", "parties": ["RU", "UA"], "round": 2,'
        ' "location": {"country": "BY"}, "date": "2022-03-03"}}'
    )
    corpus = load_corpus(tmp_path)
    event = CanonicalEvent(event_id="ev-1", version=1, event_type="negotiation_round", parties=["BY", "RU", "UA"],
                           round=2, location=Location(country="BY"))
    result = ReplayResult(
        events=[event],
        enriched=[enriched("a", "ev-1", "2022-03-03"), enriched("b", "ev-1", "2022-03-04", "a"),
                  enriched("c", None, "2022-03-02")],
        seconds=2.0,
    )
    metrics = evaluate(result, corpus, articles=3)
    assert metrics["b3_f1"] == 1.0
    assert metrics["dup_precision"] == 1.0 and metrics["dup_recall"] == 1.0
    assert metrics["event_date_acc"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["event_type_acc"] == 1.0 and metrics["round_acc"] == 1.0 and metrics["country_acc"] == 1.0
    assert metrics["parties_jaccard"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["articles_per_s"] == 1.5 and metrics["events"] == 1
