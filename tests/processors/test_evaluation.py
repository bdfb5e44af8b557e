import orjson
import pytest

from talkwire.processors.evaluation import b_cubed, evaluate, group_pairs, load_corpus, pair_precision_recall
from talkwire.processors.records import (
    Article,
    CanonicalEvent,
    EnrichedArticle,
    EventFrame,
    Location,
    Participant,
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


def write_corpus(folder, gold: list[tuple[str, str, str, str]], events: dict):
    """A labelled corpus folder: gold lines (id, cluster, dup_group, event_date) and events.json."""
    (folder / "gold.jsonl").write_bytes(b"".join(
        orjson.dumps({"id": i, "cluster": c, "dup_group": d, "event_date": day}) + b"\n" for i, c, d, day in gold))
    (folder / "events.json").write_bytes(orjson.dumps(events))
    return load_corpus(folder)


def test_evaluate_reports_every_metric(tmp_path):
    corpus = write_corpus(tmp_path, [("a", "r2", "w", "2022-03-03"), ("b", "r2", "w", "2022-03-03"),
                                     ("c", "other-1", "c", "2022-03-02")],
                          {"r2": {"event_type": "negotiation_round", "parties": ["RU", "UA"], "round": 2,
                                  "location": {"country": "BY"}, "date": "2022-03-03"}})
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


def _participants_corpus(tmp_path):
    return write_corpus(
        tmp_path, [("a", "r1", "a", "2022-03-03"), ("b", "r2", "b", "2022-03-07"), ("c", "call", "c", "2022-03-08")],
        {"r1": {"event_type": "negotiation_round", "parties": ["RU", "UA"], "track": "ru-ua",
                "participants": [{"name": "Vladimir Medinski"}, {"name": "David Arakhamia"}]},
         "r2": {"event_type": "negotiation_round", "parties": ["RU", "UA"], "track": "ru-ua", "participants": []},
         "call": {"event_type": "phone_call", "parties": ["FR", "RU"], "track": "fr-ru", "participants": []}})


def test_participants_are_matched_by_folded_surname(tmp_path):
    corpus = _participants_corpus(tmp_path)
    r1 = CanonicalEvent(event_id="ev-1", version=1, track_id="tr-x",
                        participants=[Participant(name="Vladimir Médinski"), Participant(name="Sergueï Lavrov")])
    r2 = CanonicalEvent(event_id="ev-2", version=1, track_id="tr-x", participants=[Participant(name="Dmitri Peskov")])
    result = ReplayResult(events=[r1, r2], enriched=[enriched("a", "ev-1", None), enriched("b", "ev-2", None),
                                                     enriched("c", None, None)], seconds=1.0)
    metrics = evaluate(result, corpus, articles=3)
    # a: 1 of 2 found are right, 1 of 2 expected found; b: 0 of 1 right (gold has none); c: no event, gold none
    assert metrics["participants_precision"] == pytest.approx((0.5 + 0.0 + 1.0) / 3, abs=1e-4)
    assert metrics["participants_recall"] == pytest.approx((0.5 + 1.0 + 1.0) / 3, abs=1e-4)
    # r1 and r2 share a predicted track as in gold; the call has no event, so it shares no track
    assert metrics["track_precision"] == 1.0 and metrics["track_recall"] == 1.0


def test_track_pairs_count_wrong_joins_and_splits(tmp_path):
    corpus = _participants_corpus(tmp_path)
    events = [CanonicalEvent(event_id=f"ev-{n}", version=1, track_id=track)
              for n, track in ((1, "tr-x"), (2, "tr-y"), (3, "tr-y"))]
    result = ReplayResult(events=events, enriched=[enriched("a", "ev-1", None), enriched("b", "ev-2", None),
                                                   enriched("c", "ev-3", None)], seconds=1.0)
    metrics = evaluate(result, corpus, articles=3)
    assert metrics["track_precision"] == 0.0  # the one predicted pair (r2, call) is not a gold pair
    assert metrics["track_recall"] == 0.0  # the one gold pair (r1, r2) was split


def test_baseline_is_scored_beside_talkwire(tmp_path):
    corpus = _participants_corpus(tmp_path)
    result = ReplayResult(events=[], enriched=[], seconds=1.0)
    metrics = evaluate(result, corpus, articles=3, baseline={"a": "x", "b": "x", "c": "x"})
    assert metrics["baseline_b3_f1"] == pytest.approx(b_cubed({"a": 1, "b": 1, "c": 1},
                                                              {"a": "r1", "b": "r2", "c": "call"})[2], abs=1e-4)
    assert "baseline_b3_f1" not in evaluate(result, corpus, articles=3)
