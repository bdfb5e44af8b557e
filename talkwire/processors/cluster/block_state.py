"""The state of one block (see ``clustering`` for its keys): the store view with its decoded-value
caches, the members and their sorted indexes (LSH bands, hour buckets, event days), and the
queries on them that clustering, scoring, eviction and publishing share."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import orjson

from talkwire.processors.cluster.embedding import decode_vector
from talkwire.processors.cluster.fingerprint import decode_signature
from talkwire.processors.records import (
    ArticleFeatures,
    BlockMember,
    BlockMeta,
    EnrichedArticle,
    EventFrame,
    EventState,
    MemberText,
    PublishedEvent,
    Record,
)
from talkwire.settings import Limits

SOFT_GAP_DAYS = 3  # dates this far apart only lower the score (GAP_PENALTY a day past the tolerance)
MEETING_SLACK_DAYS = 1  # a meeting's length is loosely counted: "five days of talks" from a Thursday to a Tuesday
RECENT_DAYS = 3  # undated articles and representatives: events reported this many days back
DECODED_CACHE_SIZE = 4096  # decoded member features kept per process, keyed by their JSON
SortKey = tuple[str, str]


def event_id_for(earliest_member_id: str) -> str:
    return "ev-" + hashlib.sha1(earliest_member_id.encode()).hexdigest()[:12]


def cutoff_day(meta: BlockMeta, limits: Limits) -> str:
    newest = date.fromisoformat(day_of(meta.newest))
    return (newest - timedelta(days=limits.active_window_days)).isoformat()


def day_of(sort_key: SortKey) -> str:
    """The UTC publication day of a sort key (its instant is UTC ISO)."""
    return sort_key[0][:10]


def hour_key(sort_key: SortKey) -> str:
    """The hour bucket of a sort key: ``d/YYYY-MM-DDTHH``."""
    return "d/" + sort_key[0][:13]


def hour_keys(day: str) -> list[str]:
    return [f"d/{day}T{hour:02d}" for hour in range(24)]


def day_members(state: BlockState, day: str) -> list[SortKey]:
    """Sort keys of a day's bucketed members, in replay order."""
    return [item for key in hour_keys(day) for item in state.sort_keys(key)]


@dataclass(frozen=True)
class Evidence:
    """What ``pair_score`` reads of an article, decoded once: it runs for hundreds of pairs per article."""

    round: int | None
    day: int | None  # the event day's ordinal, when the frame dates it to the day
    parties: frozenset[str]
    event_type: str
    country: str | None
    entities: frozenset[str]  # people and places
    meeting_days: int = 0  # how long the meeting had lasted by its day, when the report says
    planned_days: int = 0  # how long the meeting is to last from its day, when the report says


@dataclass
class Decoded:
    features: ArticleFeatures
    signature: np.ndarray
    vector: np.ndarray
    frame: EventFrame
    evidence: Evidence


@lru_cache(maxsize=DECODED_CACHE_SIZE)
def _decode(raw: bytes) -> Decoded:
    """Features as scoring and publishing read them; shared, so never mutated.

    The cached features drop what is kept decoded beside them (signature, vector, entities): a
    third of the cache's memory.
    """
    features = ArticleFeatures.from_json(raw)
    frame = features.enriched.frame or EventFrame()
    entities = frozenset(
        f"{entity.kind}:{entity.canonical}" for entity in features.enriched.entities if entity.kind in ("person", "place")
    )
    day = frame_event_day(frame)
    evidence = Evidence(round=frame.round, day=day.toordinal() if day else None, parties=frozenset(frame.parties),
                         event_type=frame.event_type, country=frame.location.country, entities=entities,
                        meeting_days=frame.meeting_days or 0, planned_days=frame.planned_days or 0)
    return Decoded(
        features=features.model_copy(
            update={"minhash": "", "embedding": None, "enriched": features.enriched.model_copy(update={"entities": []})}
        ),
        signature=decode_signature(features.minhash),
        vector=decode_vector(features.embedding or ""),
        frame=frame,
        evidence=evidence,
    )


@lru_cache(maxsize=DECODED_CACHE_SIZE)
def _decode_event(raw: bytes) -> EventState:
    return EventState.from_json(raw)


class BlockState:
    """Typed access to the store for one call: values decoded once, writes applied by ``flush``."""

    def __init__(self, store: MutableMapping[str, bytes]) -> None:
        self.store = store
        self.values: dict[str, object] = {}
        self.dirty: set[str] = set()

    def _get(self, key: str, decode: Callable[[bytes], object]):
        if key not in self.values:
            raw = self.store.get(key)
            self.values[key] = None if raw is None else decode(raw)
        return self.values[key]

    def put(self, key: str, value: object) -> None:
        self.values[key] = value
        self.dirty.add(key)

    def delete(self, key: str) -> None:
        self.put(key, None)

    def flush(self) -> None:
        for key in sorted(self.dirty):
            value = self.values[key]
            if value is None:
                self.store.pop(key, None)
                continue
            encoded = value.to_json() if isinstance(value, Record) else value if isinstance(value, bytes) else orjson.dumps(value)
            self.store[key] = exact_json(encoded)
        self.dirty.clear()

    def member(self, article_id: str) -> BlockMember | None:
        return self._get("m/" + article_id, BlockMember.from_json)

    def raw_features(self, article_id: str) -> bytes:
        return self._get("f/" + article_id, bytes)

    def enriched(self, article_id: str) -> EnrichedArticle:
        """A member's enriched article as it came in, rebuilt from ``f/`` and ``x/``."""
        # not the decoded cache: it drops the entities
        enriched = ArticleFeatures.from_json(self.raw_features(article_id)).enriched
        text = self._get("x/" + article_id, MemberText.from_json)
        article = enriched.article.model_copy(update={"body": text.body})
        return enriched.model_copy(update={"article": article, "dates": text.dates})

    def decoded(self, article_id: str) -> Decoded:
        return _decode(self.raw_features(article_id))

    def event(self, label: str) -> EventState | None:
        """An event label's state, to read only (decoded states are shared between calls)."""
        return self._get("e/" + label, _decode_event)

    def edit_event(self, label: str) -> EventState:
        """An event label's state to change; it is written back by ``flush``."""
        key = "e/" + label
        if key not in self.dirty:
            self.put(key, self.event(label).model_copy(deep=True))
        return self.values[key]

    def published(self, event_id: str) -> PublishedEvent | None:
        return self._get("v/" + event_id, PublishedEvent.from_json)

    def meta(self) -> BlockMeta:
        if self._get("meta", BlockMeta.from_json) is None:
            self.values["meta"] = BlockMeta()
        return self.values["meta"]

    def sort_keys(self, key: str) -> list[SortKey]:
        return self._get(key, lambda raw: [tuple(item) for item in orjson.loads(raw)]) or []

    def labels(self, key: str) -> list[str]:
        return self._get(key, orjson.loads) or []

    def resolve(self, label: str | None) -> str | None:
        """The live label a label was merged into (itself when live); None when it is gone."""
        while label is not None:
            event = self.event(label)
            if event is None or event.merged_into is None:
                return label if event is not None else None
            label = event.merged_into
        return None

    def label_of(self, member: BlockMember) -> str | None:
        return self.resolve(member.joined)


def exact_json(encoded: bytes) -> bytes:
    """An exact-size copy: orjson's output keeps its (>= 4 KiB) write buffer, 20x what a dict store or a cache key should hold."""
    return bytes(memoryview(encoded))


def insert_sorted(state: BlockState, key: str, item, read: Callable[[str], list]) -> None:
    items = read(key)
    position = bisect.bisect_left(items, item)
    if position == len(items) or items[position] != item:
        items.insert(position, item)
        state.put(key, items)


def remove_sorted(state: BlockState, key: str, item, read: Callable[[str], list]) -> bool:
    """Remove an item from a sorted list key; True when the key is now empty (and deleted)."""
    if key not in state.values and state.store.get(key) == orjson.dumps([item]):
        state.delete(key)  # most band postings list one member: drop them unread (eviction's main cost)
        return True
    items = read(key)
    if item not in items:
        return False
    items.remove(item)
    state.put(key, items or None)
    return not items


def _slim(features: ArticleFeatures) -> ArticleFeatures:
    """The copy kept in the store: no body or date mentions, the signature says enough."""
    article = features.enriched.article.model_copy(update={"body": ""})
    enriched = features.enriched.model_copy(update={"article": article, "dates": []})
    return features.model_copy(update={"enriched": enriched})


def add_member(state: BlockState, features: ArticleFeatures) -> BlockMember:
    key = tuple(features.sort_key)
    state.put("f/" + features.article_id, exact_json(_slim(features).to_json()))
    enriched = features.enriched
    state.put("x/" + features.article_id, exact_json(MemberText(body=enriched.article.body, dates=enriched.dates).to_json()))
    for band in features.bands:
        insert_sorted(state, "b/" + band, key, state.sort_keys)
    insert_sorted(state, hour_key(key), key, state.sort_keys)
    meta = state.meta()
    meta.members += 1
    meta.newest = max(meta.newest or key, key)
    if day_of(key) not in meta.days:
        bisect.insort(meta.days, day_of(key))
    state.put("meta", meta)
    return BlockMember(id=features.article_id, sort_key=key, content_hash=features.content_hash)


def members_after(state: BlockState, key: SortKey) -> list[BlockMember]:
    """Members later in replay order than ``key``, in replay order (from the hour buckets)."""
    meta = state.meta()
    if meta.newest is None or tuple(meta.newest) < key:
        return []
    later = [item for day in meta.days if day >= day_of(key) for item in day_members(state, day) if item > key]
    return [state.member(article_id) for _, article_id in later]


def frame_event_day(frame: EventFrame) -> date | None:
    if frame.date_precision != "day" or not frame.date:
        return None
    return date.fromisoformat(frame.date)


def meeting_reach(frame: EventFrame) -> tuple[int, int]:
    """How many days the report's meeting reaches before and after its day: the days it says the
    meeting had lasted ("after six days of talks": five before) or is to last ("expected to last a
    week": six after), each with MEETING_SLACK_DAYS more; (0, 0) when it says neither."""
    def reach(days: int | None) -> int:
        return days - 1 + MEETING_SLACK_DAYS if days else 0

    return reach(frame.meeting_days), reach(frame.planned_days)


def index_keys(frame: EventFrame, key: SortKey) -> list[str]:
    """The day indexes an original is listed under (every day of its meeting), and its round's."""
    event_day = frame_event_day(frame)
    if event_day:
        before, after = meeting_reach(frame)
        days = [f"t/{(event_day + timedelta(days=n)).isoformat()}" for n in range(-before, after + 1)]
    else:
        days = [f"u/{day_of(key)}"]
    return days + [f"p/{day_of(key)}"] + ([f"r/{frame.round}"] if frame.round is not None else [])


def candidate_keys(frame: EventFrame, key: SortKey) -> list[str]:
    """The day indexes that list every event a member with this frame can score with."""
    published = date.fromisoformat(day_of(key))
    recent = [published - timedelta(days=n) for n in range(RECENT_DAYS + 1)]
    event_day = frame_event_day(frame)
    if event_day is None:
        return [f"p/{day.isoformat()}" for day in recent]
    # SOFT_GAP_DAYS around its day, or as far as its meeting reaches; a report whose meeting reaches
    # this day is listed under it (index_keys)
    before, after = meeting_reach(frame)
    around = [event_day + timedelta(days=n) for n in range(-max(SOFT_GAP_DAYS, before), max(SOFT_GAP_DAYS, after) + 1)]
    rounds = [f"r/{frame.round}"] if frame.round is not None else []
    return [f"t/{day.isoformat()}" for day in around] + [f"u/{day.isoformat()}" for day in recent] + rounds


def subtree(state: BlockState, label: str) -> list[str]:
    labels, pending = [], [label]
    while pending:
        labels.append(pending.pop())
        pending.extend(state.event(labels[-1]).children)
    return labels


def event_roster(state: BlockState, label: str) -> list[SortKey]:
    """Sort keys of every member of a live label's event, in replay order."""
    return sorted(
        key for part in subtree(state, label) for key in state.event(part).originals + state.event(part).copies
    )
