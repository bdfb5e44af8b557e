"""Scores of a replay against a labelled corpus (the metrics of formats.md, same names).

A corpus folder holds ``articles.jsonl`` (the input), ``gold.jsonl`` (cluster, dup_group,
event_date per article) and ``events.json`` (gold events keyed by cluster).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import orjson

from talkwire.processors.extract.gazetteer import strip_accents
from talkwire.processors.records import CanonicalEvent, EnrichedArticle, ReplayResult


@dataclass(frozen=True)
class GoldArticle:
    id: str
    cluster: str
    dup_group: str
    event_date: str | None


@dataclass(frozen=True)
class Corpus:
    articles_path: Path
    gold: dict[str, GoldArticle]
    events: dict[str, dict[str, Any]]


def load_corpus(folder: str | Path) -> Corpus:
    folder = Path(folder)
    gold = {}
    for line in (folder / "gold.jsonl").read_bytes().splitlines():
        if line.strip():
            row = orjson.loads(line)
            gold[row["id"]] = GoldArticle(row["id"], row["cluster"], row["dup_group"], row.get("event_date"))
    events_path = folder / "events.json"
    events = orjson.loads(events_path.read_bytes()) if events_path.exists() else {}
    return Corpus(folder / "articles.jsonl", gold, events)


def b_cubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over the items of ``gold``."""
    by_predicted, by_gold = defaultdict(set), defaultdict(set)
    for item in gold:
        by_predicted[predicted[item]].add(item)
        by_gold[gold[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        same_predicted, same_gold = by_predicted[predicted[item]], by_gold[gold[item]]
        overlap = len(same_predicted & same_gold)
        precision += overlap / len(same_predicted)
        recall += overlap / len(same_gold)
    count = max(1, len(gold))
    precision, recall = precision / count, recall / count
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def group_pairs(groups: dict[str, str]) -> set[frozenset[str]]:
    """Every unordered pair of items that share a group."""
    members = defaultdict(list)
    for item, group in groups.items():
        members[group].append(item)
    return {frozenset(pair) for items in members.values() for pair in combinations(sorted(items), 2)}


def pair_precision_recall(predicted: set[frozenset[str]], gold: set[frozenset[str]]) -> tuple[float, float]:
    hits = len(predicted & gold)
    return (hits / len(predicted) if predicted else 1.0, hits / len(gold) if gold else 1.0)


def evaluate(result: ReplayResult, corpus: Corpus, *, articles: int,
             baseline: dict[str, str] | None = None) -> dict[str, float | int]:
    """Every metric of formats.md; an article in no event (or dead-lettered) is its own singleton.

    ``baseline``: article id -> cluster of the embedding-centroid anchor (``baseline.py``), scored
    as ``baseline_b3_f1`` beside talkwire's own B-cubed.
    """
    enriched = {item.article.id: item for item in result.enriched if item.article.id in corpus.gold}
    events = {event.event_id: event for event in result.events}
    event_of = {
        article_id: (enriched[article_id].event_id if article_id in enriched else None) or f"single:{article_id}"
        for article_id in corpus.gold
    }
    gold_clusters = {g.id: g.cluster for g in corpus.gold.values()}
    precision, recall, f1 = b_cubed(event_of, gold_clusters)
    copy_root = {
        article_id: (enriched[article_id].duplicate_of if article_id in enriched else None) or article_id
        for article_id in corpus.gold
    }
    dup_precision, dup_recall = pair_precision_recall(
        group_pairs(copy_root), group_pairs({g.id: g.dup_group for g in corpus.gold.values()})
    )
    seconds = max(result.seconds, 1e-9)
    if baseline is not None:
        anchor = {article_id: baseline.get(article_id, f"single:{article_id}") for article_id in corpus.gold}
        extra = {"baseline_b3_f1": round(b_cubed(anchor, gold_clusters)[2], 4)}
    else:
        extra = {}
    return {
        "b3_precision": round(precision, 4),
        "b3_recall": round(recall, 4),
        "b3_f1": round(f1, 4),
        "dup_precision": round(dup_precision, 4),
        "dup_recall": round(dup_recall, 4),
        "event_date_acc": round(_date_accuracy(enriched, corpus), 4),
        **_event_field_scores(enriched, events, corpus),
        **_participant_scores(enriched, events, corpus),
        **_track_scores(event_of, events, corpus),
        **extra,
        "articles": articles,
        "events": len(result.events),
        "seconds": round(result.seconds, 3),
        "articles_per_s": round(articles / seconds, 2),
    }


def _date_accuracy(enriched: dict[str, EnrichedArticle], corpus: Corpus) -> float:
    right = sum(
        1
        for gold in corpus.gold.values()
        if gold.id in enriched
        and enriched[gold.id].frame is not None
        and enriched[gold.id].frame.date == gold.event_date
    )
    return right / max(1, len(corpus.gold))


def _event_field_scores(
    enriched: dict[str, EnrichedArticle], events: dict[str, CanonicalEvent], corpus: Corpus
) -> dict[str, float]:
    """event_type, round, country and parties of the event each article was put in vs its gold event."""
    totals = {"event_type_acc": 0.0, "round_acc": 0.0, "country_acc": 0.0, "parties_jaccard": 0.0}
    scored = [gold for gold in corpus.gold.values() if gold.cluster in corpus.events]
    for gold in scored:
        expected = corpus.events[gold.cluster]
        event = _event_of_gold(gold, enriched, events)
        if event is None:
            continue
        totals["event_type_acc"] += event.event_type == expected.get("event_type")
        totals["round_acc"] += event.round == expected.get("round")
        totals["country_acc"] += event.location.country == (expected.get("location") or {}).get("country")
        totals["parties_jaccard"] += _jaccard(set(event.parties), set(expected.get("parties") or []))
    return {name: round(total / max(1, len(scored)), 4) for name, total in totals.items()}


def _event_of_gold(gold: GoldArticle, enriched: dict[str, EnrichedArticle],
                   events: dict[str, CanonicalEvent]) -> CanonicalEvent | None:
    item = enriched.get(gold.id)
    return events.get(item.event_id) if item is not None and item.event_id else None


def surname(name: str) -> str:
    """The accent-folded, lower-case last word of a person's name: how participants are matched."""
    words = strip_accents(name).lower().replace("-", " ").split()
    return words[-1] if words else ""


def _participant_scores(enriched: dict[str, EnrichedArticle], events: dict[str, CanonicalEvent],
                        corpus: Corpus) -> dict[str, float]:
    """Participants of the event each article was put in vs its gold event's, by surname."""
    scored = [gold for gold in corpus.gold.values() if gold.cluster in corpus.events]
    precision = recall = 0.0
    for gold in scored:
        expected = {surname(p["name"]) for p in corpus.events[gold.cluster].get("participants") or []}
        event = _event_of_gold(gold, enriched, events)
        found = {surname(p.name) for p in event.participants} if event is not None else set()
        hits = len(found & expected)
        precision += hits / len(found) if found else float(not expected)
        recall += hits / len(expected) if expected else 1.0
    count = max(1, len(scored))
    return {"participants_precision": round(precision / count, 4), "participants_recall": round(recall / count, 4)}


def _track_scores(event_of: dict[str, str], events: dict[str, CanonicalEvent], corpus: Corpus) -> dict[str, float]:
    """Pairs of gold events in one gold track vs in one predicted track (the track of the event
    holding most of each gold event's articles; an event without a track shares none)."""
    members: dict[str, list[str]] = defaultdict(list)
    for gold in corpus.gold.values():
        members[gold.cluster].append(event_of[gold.id])
    gold_track, predicted_track = {}, {}
    for cluster, spec in corpus.events.items():
        if not spec.get("track") or not members.get(cluster):
            continue
        gold_track[cluster] = spec["track"]
        held = Counter(members[cluster]).most_common()
        event = events.get(min(held, key=lambda pair: (-pair[1], pair[0]))[0])
        predicted_track[cluster] = (event.track_id if event is not None else None) or f"none:{cluster}"
    precision, recall = pair_precision_recall(group_pairs(predicted_track), group_pairs(gold_track))
    return {"track_precision": round(precision, 4), "track_recall": round(recall, 4)}


def _jaccard(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second) if first or second else 1.0
