"""Shared by the fault tests (SIGKILL, network cut, lost state directory): a synthetic corpus, the
outputs of a run, and the effectively-once invariants checked against an uninterrupted run.

Delivery is at least once, so a fault redelivers the work that was not committed. The checks:
every article enriched, no key with two different values (enriched articles by id and labelling,
events by (event id, version)), the expected dead letters only (a redelivered bad message repeats its dead
letter: they count once per input), and the final per-key view of the events topic equal
to an uninterrupted run of the same functions (the offline replay).
"""

from __future__ import annotations

import functools
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from kafka_helpers import Record, consume_until, latest_per_key

from talkwire.processors.pipeline import OfflinePipeline
from talkwire.processors.records import CanonicalEvent, RawMessage
from talkwire.settings import Settings
from talkwire.streams.consumer import OVERRIDE_MARKS

DEV_ARTICLES = Path(__file__).parent / "data" / "dev" / "articles.jsonl"
VARIANTS = 8  # 8 x 66 dev articles = 528 inputs
VARIANT_SHIFT = timedelta(days=61)  # each variant lives two months later: its own events, not wire copies
# Volatile: how many versions an event went through (it depends on arrival order, the content does not).
VOLATILE_ENRICHED: set[str] = set()  # enriched records hold no run-dependent field
VOLATILE_EVENT = {"version"}


def synthetic_articles(variants: int = VARIANTS) -> list[tuple[str, bytes]]:
    """The dev corpus repeated with new ids, sources and publication times, in publication order.

    Bodies are cut to their lead paragraph to keep extraction cheap (the faults are the subject)."""
    originals = [orjson.loads(line) for line in DEV_ARTICLES.read_bytes().splitlines() if line.strip()]
    articles = []
    for variant in range(variants):
        for original in originals:
            published = datetime.fromisoformat(original["published_at"]) + variant * VARIANT_SHIFT
            article = {**original, "id": f"{original['id']}-v{variant}", "published_at": published.isoformat(),
                       "body": original["body"].split("\n\n")[0],
                       "source": original["source"] if variant == 0 else f"{original['source']} {variant}"}
            articles.append((published, article["id"], orjson.dumps(article)))
    return [(article_id, value) for _, article_id, value in sorted(articles)]


def fault_settings(settings: Settings) -> Settings:
    """Small batches (a crash lands mid-batch) and a window wide enough that no member is evicted,
    so the result does not depend on the order in which the partitions interleave."""
    limits = replace(settings.limits, active_window_days=3650)
    return replace(settings, limits=limits, batch_size=8, batch_within_s=0.2)


def comparable(events: list[CanonicalEvent]) -> dict[str, dict]:
    return {e.event_id: e.model_dump(exclude=VOLATILE_EVENT) for e in events if e.merged_into is None}


def uninterrupted_events(batch_size: int, active_window_days: int, variants: int) -> dict[str, dict]:
    """The events of one uninterrupted offline run over the synthetic corpus."""
    settings = Settings.from_env()
    settings = replace(settings, batch_size=batch_size,
                       limits=replace(settings.limits, active_window_days=active_window_days))
    messages = [RawMessage(value=value, key=key) for key, value in synthetic_articles(variants)]
    result = OfflinePipeline(settings).run(messages)
    assert not result.dead_letters, result.dead_letters[:3]
    return comparable(result.events)


_replays = ThreadPoolExecutor(1, thread_name_prefix="uninterrupted-replay")


@functools.cache
def _replay_once(batch_size: int, active_window_days: int, variants: int) -> Future:
    return _replays.submit(uninterrupted_events, batch_size, active_window_days, variants)


def expected_events(settings: Settings, variants: int = VARIANTS) -> Future:
    """The uninterrupted run's events, computed in the background (once per session) while the stream runs."""
    return _replay_once(settings.batch_size, settings.limits.active_window_days, variants)


def enriched_ids(settings: Settings, at_least: int, timeout_s: float) -> set[str]:
    """Article ids on the enriched topic, once at least ``at_least`` of them are (or time runs out)."""
    records = consume_until(settings, settings.topic_enriched, lambda rs: len({r.key for r in rs}) >= at_least,
                            timeout_s=timeout_s)
    return {r.key for r in records}


def seconds_until_progress(settings: Settings, started_at: float, already: int, timeout_s: float = 120) -> float:
    """Seconds from ``started_at`` until more than ``already`` articles are enriched."""
    ids = enriched_ids(settings, already + 1, timeout_s)
    assert len(ids) > already, "no progress after the restart"
    return time.monotonic() - started_at


@dataclass(frozen=True)
class Outcome:
    enriched: list[Record]
    events: list[Record]
    dead_letters: list[Record]


def collect_outcome(settings: Settings, ids: set[str], timeout_s: float = 600,
                    isolation_level: str = "read_uncommitted") -> Outcome:
    """Everything on the output topics once every article is enriched and the worker settled.

    The wait ends as soon as every article is out; the ceiling only bounds a broken run (a restart
    whose late articles each rewind part of the block is slow on a loaded 2-core machine)."""
    read = functools.partial(consume_until, settings, isolation_level=isolation_level)
    enriched = read(settings.topic_enriched, lambda rs: ids <= {r.key for r in rs}, timeout_s=timeout_s, settle_s=4)
    events = read(settings.topic_events, lambda rs: True, timeout_s=30, settle_s=2)
    dead_letters = read(settings.topic_dead_letters, lambda rs: True, timeout_s=10, settle_s=1)
    return Outcome(enriched, events, dead_letters)


def conflicting_keys(records: list[Record], key_of, volatile: set[str]) -> list:
    """Keys seen with two different values (volatile fields aside)."""
    seen: dict = {}
    conflicts = []
    for record in records:
        if record.value is None:
            continue
        value = {k: v for k, v in orjson.loads(record.value).items() if k not in volatile}
        key = key_of(record, value)
        if seen.setdefault(key, value) != value:
            conflicts.append(key)
    return conflicts


def assert_effectively_once(outcome: Outcome, ids: set[str], expected_run: Future,
                            dead_letter_reasons: tuple[str, ...] = ()) -> dict[str, int]:
    """The invariants of every fault test; returns the figures for the report."""
    enriched_keys = [r.key for r in outcome.enriched]
    assert set(enriched_keys) == ids, (f"lost: {sorted(ids - set(enriched_keys))[:10]}; "
                                       f"dead letters: {dead_letter_summaries(outcome)[:5]}")
    # an article is republished when its event moves: one value per article and labelling
    labelling = ("event_id", "duplicate_of", "duplicate_similarity")
    assert conflicting_keys(outcome.enriched, lambda r, v: (r.key, *map(v.get, labelling)), VOLATILE_ENRICHED) == []
    assert conflicting_keys(outcome.events, lambda r, v: (r.key, v["version"]), set()) == []
    assert sorted(reason for reason, *_ in dead_letter_sources(outcome)) == sorted(dead_letter_reasons)
    live = [CanonicalEvent.from_json(v) for v in latest_per_key(outcome.events).values() if v is not None]
    actual, expected = comparable(live), expected_run.result()
    assert actual.keys() == expected.keys(), (sorted(actual.keys() ^ expected.keys())[:10])
    differing = [event_id for event_id in expected if actual[event_id] != expected[event_id]]
    assert differing == [], differing[:5]
    return {"inputs": len(ids), "enriched_records": len(enriched_keys),
            "redelivered_enriched": len(enriched_keys) - len(ids), "event_records": len(outcome.events),
            "live_events": len(actual), "dead_letter_records": len(outcome.dead_letters)}


def dead_letter_summaries(outcome: Outcome) -> list[str]:
    """Stage, reason, message and article of each dead letter, for a failure message."""
    letters = [orjson.loads(r.value) for r in outcome.dead_letters]
    return [f"{d.get('stage')}/{d['reason']}: {d.get('message')} ({d.get('article_id')})" for d in letters]


def dead_letter_sources(outcome: Outcome) -> set[tuple]:
    """(reason, key, original bytes) of each dead letter: a redelivered message repeats them (at
    another offset when an earlier stage re-sent it), so this counts each rejected input once."""
    letters = [orjson.loads(r.value) for r in outcome.dead_letters]
    return {(d["reason"], d["key"], d["original"]) for d in letters}


def override_actions(*log_paths: Path) -> dict[str, int]:
    """How many times each of the consumer's Faust overrides changed what Faust would have done
    (its warnings in the workers' logs): the evidence of which one a broker needs."""
    text = "".join(path.read_text(errors="replace") for path in log_paths if path.exists())
    return {mark.strip("[]"): text.count(mark) for mark in OVERRIDE_MARKS}
