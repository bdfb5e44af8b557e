"""Deterministic incremental clustering of articles into canonical events.

Blocking key: only articles of one block are compared, so all reports of one event must share
the key. Measured on tests/data/dev (100 same-event article pairs, extracted frames): the
sorted party set splits 11% of them, the smallest party code 6%, the venue country 15%, the
event month 0% (but any month boundary would split), the event type 0% (but a misclassified
type would split an event for good, where scoring only penalises it). So the key is one block,
``"events"``: correct by construction, at the cost of cluster-stage parallelism; the state
layout below keeps the cost per article independent of how much the block holds.

Within a block, members are kept in replay order (``article_sort_key``). The assignment is a
fold of one step function over that order: a member is a wire copy of the earliest earlier
member whose MinHash it matches (then it joins that member's event), otherwise it joins the
best-scoring event if the score passes ``JOIN_SCORE``, merging every event that scores above
``MERGE_SCORE``, otherwise it starts an event. Event labels are the ids of their earliest
member, event ids derive from them; ids that vanish get a redirect (to the event holding most
of their former members) or a tombstone. A redirect always names a live event: when its target is
absorbed in turn, it is republished pointing at the new survivor. The enriched records of earlier
members whose event (or copy source) a step changed are republished with the live event id.

State: ``store`` is a flat key-value map scoped to one block, values are JSON:

- ``f/<id>`` the member's features (no body, no date mentions), written once; ``x/<id>`` the body
  and date mentions, read only to republish the member's enriched record when its event changes;
- ``m/<id>`` its step (label joined, labels absorbed, copy of);
- ``e/<label>`` the members that joined the label, the labels it absorbed, its most recent
  originals (the representatives scored against); ``merged_into`` once absorbed, so a member's
  event is found by following it from the label the member joined;
- ``b/<band>`` sort keys of the members with that LSH band; ``d/<day>T<hour>`` of the members
  published that (UTC) hour (hour buckets: a day's list would be rewritten whole by every member);
- ``t/<day>`` labels with an original whose event is dated that day; ``u/<day>`` with an
  undated original published that day; ``p/<day>`` with any original published that day;
- ``v/<event id>`` version and digest of the last published record; ``meta``.

A member arriving in order reads its bands' postings, the day indexes around its dates and the
representatives of the events listed there: an event can only score when one of its
representatives is dated within ``DATE_TOLERANCE_DAYS`` or undated (``pair_score``), and undated
representatives and articles are compared with events reported in the last ``RECENT_DAYS``.
It writes a constant number of keys. A member arriving out of order undoes the steps of the
later members (from the hour buckets, so bounded by the window), takes its step and redoes
theirs: the result depends only on the set of members. Eviction drops the hour buckets of the days older
than ``active_window_days`` behind the newest member; an event goes whole once its newest
member is that old (members of a live event stay until it goes); past ``max_block_members``
the events of the oldest members go.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import orjson

from talkwire.processors.cluster.embedding import decode_vector
from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.extract.event_type import NO_VENUE_TYPES
from talkwire.processors.cluster.fingerprint import copy_similarity, decode_signature
from talkwire.processors.records import (
    ArticleFeatures,
    ArticleRef,
    BlockMember,
    BlockMeta,
    CanonicalEvent,
    ClusterResult,
    EnrichedArticle,
    EventFrame,
    EventState,
    Location,
    MemberText,
    Participant,
    PublishedEvent,
    Quote,
    Record,
)
from talkwire.processors.cluster.reports import report_url
from talkwire.processors.tracks import track_id
from talkwire.settings import Limits

BLOCK_KEY = "events"
JOIN_SCORE = 0.60  # dev: same-event pairs >= 0.65, different-event pairs <= 0.55
MERGE_SCORE = 0.80
DATE_TOLERANCE_DAYS = 1
SOFT_GAP_DAYS = 3  # dates this far apart only lower the score (GAP_PENALTY a day past the tolerance)
GAP_PENALTY = 0.12
ROUND_SPAN_DAYS = 30  # reports of one numbered round: a round of talks can last weeks
RECENT_DAYS = 3  # undated articles and representatives: events reported this many days back
REPRESENTATIVES_PER_EVENT = 12  # originals compared per event: the most recent ones
UNTYPED_PENALTY = 0.08  # see pair_score
MAX_FRAME_BONUS = 0.45  # the most frame evidence can add to the cosine (see pair_score)
DECODED_CACHE_SIZE = 4096  # decoded member features kept per process, keyed by their JSON
COPY_WEIGHT = 0.4  # a wire copy's vote, relative to an original report
MAX_QUOTES = 3
MAX_PARTICIPANTS = 20

SortKey = tuple[str, str]


def blocking_key(features: ArticleFeatures) -> str:
    """The block an article is clustered in (see the module docstring)."""
    return BLOCK_KEY


def event_id_for(earliest_member_id: str) -> str:
    return "ev-" + hashlib.sha1(earliest_member_id.encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- entry points


def cluster_article(store: MutableMapping[str, bytes], features: ArticleFeatures, limits: Limits) -> ClusterResult:
    """Add one article to its block's store; return the article labelled and the events that changed.

    The store is only written at the end, once the step succeeded.
    """
    state = _State(store)
    known = state.member(features.article_id)
    if known is not None:
        status = "redelivery" if known.content_hash == features.content_hash else "conflict"
        return ClusterResult(enriched=_labelled(state, features.enriched, known), status=status)
    if features.enriched.frame is None or features.embedding is None or _too_old(state.meta(), features, limits):
        return ClusterResult(enriched=features.enriched, status="unclustered")
    fold = _Fold(state)
    later = _members_after(state, tuple(features.sort_key))
    for member in reversed(later):
        fold.undo(member)
    for member in [_add_member(state, features), *later]:
        fold.step(member)
    events, tombstones = fold.publish(limits)
    relabelled = fold.relabelled()
    _evict(state, limits)
    state.flush()
    member = state.member(features.article_id)
    enriched = _labelled(state, features.enriched, member) if member else features.enriched
    return ClusterResult(enriched=enriched, relabelled=relabelled, events=events, tombstones=tombstones,
                         status="clustered")


def _labelled(state: _State, enriched: EnrichedArticle, member: BlockMember) -> EnrichedArticle:
    return enriched.model_copy(
        update={
            "duplicate_of": member.duplicate_of,
            "duplicate_similarity": member.duplicate_similarity,
            "event_id": _published_event_id(state, state.label_of(member)),
        }
    )


def _published_event_id(state: _State, label: str | None) -> str | None:
    """The event a live label stands for; None while it has published none (it reports no event)."""
    event_id = event_id_for(label) if label else None
    return event_id if event_id and state.published(event_id) is not None else None


def _too_old(meta: BlockMeta, features: ArticleFeatures, limits: Limits) -> bool:
    return meta.newest is not None and _day(tuple(features.sort_key)) < _cutoff_day(meta, limits)


def _cutoff_day(meta: BlockMeta, limits: Limits) -> str:
    newest = date.fromisoformat(_day(meta.newest))
    return (newest - timedelta(days=limits.active_window_days)).isoformat()


def _day(sort_key: SortKey) -> str:
    """The UTC publication day of a sort key (its instant is UTC ISO)."""
    return sort_key[0][:10]


def _hour_key(sort_key: SortKey) -> str:
    """The hour bucket of a sort key: ``d/YYYY-MM-DDTHH``."""
    return "d/" + sort_key[0][:13]


def _hour_keys(day: str) -> list[str]:
    return [f"d/{day}T{hour:02d}" for hour in range(24)]


def _day_members(state: _State, day: str) -> list[SortKey]:
    """Sort keys of a day's bucketed members, in replay order."""
    return [item for key in _hour_keys(day) for item in state.sort_keys(key)]


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class _Evidence:
    """What ``pair_score`` reads of an article, decoded once: it runs for hundreds of pairs per article."""

    round: int | None
    day: int | None  # the event day's ordinal, when the frame dates it to the day
    parties: frozenset[str]
    event_type: str
    country: str | None
    entities: frozenset[str]  # people and places


@dataclass
class _Decoded:
    features: ArticleFeatures
    signature: np.ndarray
    vector: np.ndarray
    frame: EventFrame
    evidence: _Evidence


@lru_cache(maxsize=DECODED_CACHE_SIZE)
def _decode(raw: bytes) -> _Decoded:
    """Features as scoring and publishing read them; shared, so never mutated.

    The cached features drop what is kept decoded beside them (signature, vector, entities): a
    third of the cache's memory.
    """
    features = ArticleFeatures.from_json(raw)
    frame = features.enriched.frame or EventFrame()
    entities = frozenset(
        f"{entity.kind}:{entity.canonical}" for entity in features.enriched.entities if entity.kind in ("person", "place")
    )
    day = _event_day(frame)
    evidence = _Evidence(round=frame.round, day=day.toordinal() if day else None, parties=frozenset(frame.parties),
                         event_type=frame.event_type, country=frame.location.country, entities=entities)
    return _Decoded(
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


class _State:
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
            self.store[key] = _exact(encoded)
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

    def decoded(self, article_id: str) -> _Decoded:
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


def _exact(encoded: bytes) -> bytes:
    """An exact-size copy: orjson's output keeps its (>= 4 KiB) write buffer, 20x what a dict store or a cache key should hold."""
    return bytes(memoryview(encoded))


def _insert(state: _State, key: str, item, read: Callable[[str], list]) -> None:
    items = read(key)
    position = bisect.bisect_left(items, item)
    if position == len(items) or items[position] != item:
        items.insert(position, item)
        state.put(key, items)


def _remove(state: _State, key: str, item, read: Callable[[str], list]) -> bool:
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


# --------------------------------------------------------------------------- members


def _slim(features: ArticleFeatures) -> ArticleFeatures:
    """The copy kept in the store: no body or date mentions, the signature says enough."""
    article = features.enriched.article.model_copy(update={"body": ""})
    enriched = features.enriched.model_copy(update={"article": article, "dates": []})
    return features.model_copy(update={"enriched": enriched})


def _add_member(state: _State, features: ArticleFeatures) -> BlockMember:
    key = tuple(features.sort_key)
    state.put("f/" + features.article_id, _exact(_slim(features).to_json()))
    enriched = features.enriched
    state.put("x/" + features.article_id, _exact(MemberText(body=enriched.article.body, dates=enriched.dates).to_json()))
    for band in features.bands:
        _insert(state, "b/" + band, key, state.sort_keys)
    _insert(state, _hour_key(key), key, state.sort_keys)
    meta = state.meta()
    meta.members += 1
    meta.newest = max(meta.newest or key, key)
    if _day(key) not in meta.days:
        bisect.insort(meta.days, _day(key))
    state.put("meta", meta)
    return BlockMember(id=features.article_id, sort_key=key, content_hash=features.content_hash)


def _members_after(state: _State, key: SortKey) -> list[BlockMember]:
    """Members later in replay order than ``key``, in replay order (from the hour buckets)."""
    meta = state.meta()
    if meta.newest is None or tuple(meta.newest) < key:
        return []
    later = [item for day in meta.days if day >= _day(key) for item in _day_members(state, day) if item > key]
    return [state.member(article_id) for _, article_id in later]


def _event_day(frame: EventFrame) -> date | None:
    if frame.date_precision != "day" or not frame.date:
        return None
    return date.fromisoformat(frame.date)


def _index_keys(frame: EventFrame, key: SortKey) -> list[str]:
    """The day indexes an original is listed under, and its round's."""
    event_day = _event_day(frame)
    keys = [f"t/{event_day.isoformat()}" if event_day else f"u/{_day(key)}", f"p/{_day(key)}"]
    return keys + ([f"r/{frame.round}"] if frame.round is not None else [])


def _candidate_keys(frame: EventFrame, key: SortKey) -> list[str]:
    """The day indexes that list every event a member with this frame can score with."""
    published = date.fromisoformat(_day(key))
    recent = [published - timedelta(days=n) for n in range(RECENT_DAYS + 1)]
    event_day = _event_day(frame)
    if event_day is None:
        return [f"p/{day.isoformat()}" for day in recent]
    around = [event_day + timedelta(days=n) for n in range(-SOFT_GAP_DAYS, SOFT_GAP_DAYS + 1)]
    rounds = [f"r/{frame.round}"] if frame.round is not None else []
    return [f"t/{day.isoformat()}" for day in around] + [f"u/{day.isoformat()}" for day in recent] + rounds


# --------------------------------------------------------------------------- the step function


class _Fold:
    """Steps taken and undone in one call, plus each touched label as it was before the call."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.before: dict[str, list[str] | None] = {}  # label -> member ids when it was a live event
        self.copy_before: dict[str, tuple[str | None, float | None]] = {}  # undone member -> (duplicate_of, similarity)
        self.silent_before: set[str] = set()  # live labels that had published no event (they reported none)

    def _touch(self, label: str) -> None:
        """Remember a label and the labels it was merged into, before the first change to them."""
        while label is not None and label not in self.before:
            event = self.state.event(label)
            live = event is not None and event.merged_into is None
            self.before[label] = [article_id for _, article_id in _roster(self.state, label)] if live else None
            if live and self.state.published(event_id_for(label)) is None:
                self.silent_before.add(label)
            label = event.merged_into if event is not None else None

    def step(self, member: BlockMember) -> None:
        """Assign a member using only the members before it (they are all the fold holds)."""
        state = self.state
        mine = state.decoded(member.id)
        original, similarity = _copy_source(state, member, mine)
        if original is not None:
            member.duplicate_of, member.duplicate_similarity = original.id, round(similarity, 3)
            member.joined = state.label_of(original)
            self._join(member, is_original=False)
            return
        scores = _event_scores(state, member, mine)
        joinable = sorted((label for label, score in scores.items() if score >= JOIN_SCORE), key=lambda l: (-scores[l], l))
        if not joinable:
            self._touch(member.id)
            state.put("e/" + member.id, EventState(label=member.id, first=member.sort_key, newest=member.sort_key))
            member.joined = member.id
        else:
            merged = [joinable[0]] + [label for label in joinable[1:] if scores[label] >= MERGE_SCORE]
            member.joined = min(merged, key=lambda label: tuple(state.event(label).first))
            member.absorbed = sorted(label for label in merged if label != member.joined)
            for label in member.absorbed:
                self._absorb(member.joined, label)
        self._join(member, is_original=True)

    def _join(self, member: BlockMember, *, is_original: bool) -> None:
        state, label, key = self.state, member.joined, tuple(member.sort_key)
        self._touch(label)
        event = state.edit_event(label)
        if is_original:
            event.originals.append(key)
            event.representatives = (event.representatives + [key])[-REPRESENTATIVES_PER_EVENT:]
            for index_key in _index_keys(state.decoded(member.id).frame, key):
                if index_key not in event.index_keys:
                    event.index_keys.append(index_key)
                _insert(state, index_key, label, state.labels)
        else:
            event.copies.append(key)
        event.newest = max(tuple(event.newest), key)
        state.put("m/" + member.id, member)

    def _absorb(self, survivor: str, label: str) -> None:
        state = self.state
        self._touch(label)
        self._touch(survivor)
        absorbed, event = state.edit_event(label), state.edit_event(survivor)
        absorbed.merged_into = survivor
        event.children.append(label)
        event.representatives = sorted(event.representatives + absorbed.representatives)[-REPRESENTATIVES_PER_EVENT:]
        event.newest = max(tuple(event.newest), tuple(absorbed.newest))

    def undo(self, member: BlockMember) -> None:
        """Take back the step of the latest member of the fold."""
        state, label, key = self.state, member.joined, tuple(member.sort_key)
        self._touch(label)
        self.copy_before.setdefault(member.id, (member.duplicate_of, member.duplicate_similarity))
        event = state.edit_event(label)
        (event.copies if member.duplicate_of else event.originals).remove(key)
        for child in member.absorbed:
            self._touch(child)
            absorbed = state.edit_event(child)
            absorbed.merged_into = None
            event.children.remove(child)
        if label == member.id:  # it started the label, and the later members are undone already
            for index_key in event.index_keys:
                _remove(state, index_key, label, state.labels)
            state.delete("e/" + label)
        else:
            _refresh(state, event)
        member.joined, member.absorbed, member.duplicate_of, member.duplicate_similarity = None, [], None, None
        state.put("m/" + member.id, member)

    def publish(self, limits: Limits) -> tuple[list[CanonicalEvent], list[str]]:
        """Records for the touched events: upserts when changed, redirects, tombstones."""
        state = self.state
        events: list[CanonicalEvent] = []
        tombstones: list[str] = []
        for label in sorted({root for label in self.before if (root := state.resolve(label))}):
            roster = [state.member(article_id) for _, article_id in _roster(state, label)]
            items = [state.decoded(member.id).features for member in roster]
            if any(item.enriched.frame.reports_event for item in items):
                _emit(state, build_event(event_id_for(label), roster, items, limits), events)
            elif state.published(event_id_for(label)) is not None:  # its last report of an event left it
                tombstones += _retract(state, event_id_for(label))
        for label in sorted(l for l, former in self.before.items() if former is not None and state.resolve(l) != l):
            event_id, survivor = event_id_for(label), _survivor(state, self.before[label])
            if state.published(event_id) is None:
                continue  # it never reported an event: it goes without a word
            if survivor is None or state.published(event_id_for(survivor)) is None:
                tombstones += _retract(state, event_id)
            else:
                _emit(state, CanonicalEvent(event_id=event_id, version=0, merged_into=event_id_for(survivor)), events)
        return events, tombstones

    def relabelled(self) -> list[EnrichedArticle]:
        """The enriched records of the earlier members whose event or copy source the call changed.

        ``before`` lists every member of every touched live event, under its label before the call.
        """
        state, records = self.state, {}
        for label, former in self.before.items():
            for article_id in former or ():
                member = state.member(article_id)
                if member is None:
                    continue
                copy_now = (member.duplicate_of, member.duplicate_similarity)
                event_before = None if label in self.silent_before else event_id_for(label)
                event_now = _published_event_id(state, state.label_of(member))
                if (event_before, self.copy_before.get(article_id, copy_now)) != (event_now, copy_now):
                    records[article_id] = _labelled(state, state.enriched(article_id), member)
        return [records[article_id] for article_id in sorted(records)]


def _refresh(state: _State, event: EventState) -> None:
    """Recompute representatives and newest member from the label's own members and children."""
    children = [state.event(child) for child in event.children]
    representatives = event.originals[-REPRESENTATIVES_PER_EVENT:] + [k for c in children for k in c.representatives]
    event.representatives = sorted(representatives)[-REPRESENTATIVES_PER_EVENT:]
    event.newest = max([tuple(c.newest) for c in children] + event.originals[-1:] + event.copies[-1:])


def _subtree(state: _State, label: str) -> list[str]:
    labels, pending = [], [label]
    while pending:
        labels.append(pending.pop())
        pending.extend(state.event(labels[-1]).children)
    return labels


def _roster(state: _State, label: str) -> list[SortKey]:
    """Sort keys of every member of a live label's event, in replay order."""
    return sorted(
        key for part in _subtree(state, label) for key in state.event(part).originals + state.event(part).copies
    )


def _copy_source(state: _State, member: BlockMember, mine: _Decoded) -> tuple[BlockMember | None, float]:
    """The earliest earlier original this member is a wire copy of (chains collapse to it)."""
    key = tuple(member.sort_key)
    candidates = sorted({item for band in mine.features.bands for item in state.sort_keys("b/" + band) if item < key})
    for _, candidate in candidates:
        theirs = state.decoded(candidate)
        similarity = copy_similarity(mine.signature, mine.features.shingles, theirs.signature, theirs.features.shingles)
        if similarity is not None:
            source = state.member(candidate)
            original = state.member(source.duplicate_of) if source.duplicate_of else None
            return original or source, similarity
    return None, 0.0


def _event_scores(state: _State, member: BlockMember, mine: _Decoded) -> dict[str, float]:
    """Best pair score of the member against the representatives of each event it can score with."""
    labels = {label for key in _candidate_keys(mine.frame, tuple(member.sort_key)) for label in state.labels(key)}
    roots = sorted({root for label in labels if (root := state.resolve(label))})
    pairs = [(root, state.decoded(other)) for root in roots for _, other in reversed(state.event(root).representatives)]
    if not pairs:
        return {}
    similarities = np.array([theirs.vector for _, theirs in pairs]) @ mine.vector
    scores: dict[str, float] = {}
    for (label, theirs), similarity in zip(pairs, similarities.tolist()):
        if similarity + MAX_FRAME_BONUS >= JOIN_SCORE:
            score = pair_score(mine.evidence, theirs.evidence, similarity)
            scores[label] = max(score, scores.get(label, score))
    return scores


def pair_score(a: _Evidence, b: _Evidence, similarity: float) -> float:
    """Embedding cosine plus language-independent frame evidence; -1 when the frames conflict."""
    if a.round is not None and b.round is not None and a.round != b.round:
        return -1.0
    same_round = a.round is not None and a.round == b.round
    day_gap = None if a.day is None or b.day is None else abs(a.day - b.day)
    score = similarity
    if day_gap is not None and day_gap > DATE_TOLERANCE_DAYS and not (same_round and day_gap <= ROUND_SPAN_DAYS):
        if day_gap > SOFT_GAP_DAYS:
            return -1.0
        score -= GAP_PENALTY * (day_gap - DATE_TOLERANCE_DAYS)  # a misread weekday, a multi-day meeting
    if a.parties and b.parties:  # disjoint party sets are evidence against, not just no evidence
        score += 0.25 * _jaccard(a.parties, b.parties) - 0.10
    score += 0.10 * _jaccard(a.entities, b.entities)
    if day_gap == 0:
        score += 0.05
    if a.round is not None and a.round == b.round:
        score += 0.10
    if a.event_type != "other" and b.event_type != "other":
        if a.event_type == b.event_type:
            score += 0.05
        else:  # a summit read as talks is a slip; a call read as a meeting is another event
            kinds = event_kinds()
            score -= 0.05 if kinds[a.event_type].family == kinds[b.event_type].family else 0.20
    elif a.event_type != b.event_type:
        # One report names the kind of event and the other names none: weak evidence against
        # (a same-day story about one of the leaders is not a report of their call).
        score -= UNTYPED_PENALTY
    if a.country and b.country and a.country != b.country:
        score -= 0.10
    return score


def _jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    return len(first & second) / len(first | second) if first or second else 0.0


# --------------------------------------------------------------------------- eviction


def _evict(state: _State, limits: Limits) -> None:
    """Drop the buckets of days behind the window (and the events that ended there), then events past the cap."""
    meta = state.meta()
    cutoff = _cutoff_day(meta, limits)
    while meta.days and meta.days[0] < cutoff:
        day = meta.days[0]
        for _, article_id in _day_members(state, day):
            member = state.member(article_id)
            label = state.label_of(member) if member else None
            if label and _day(tuple(state.event(label).newest)) < cutoff:
                _drop_event(state, label)
        for key in _hour_keys(day):
            if state.sort_keys(key):
                state.delete(key)
        if meta.days and meta.days[0] == day:
            meta.days.pop(0)
    while meta.members > limits.max_block_members and meta.days:
        _, article_id = _day_members(state, meta.days[0])[0]
        _drop_event(state, state.label_of(state.member(article_id)))
    state.put("meta", meta)


def _drop_event(state: _State, label: str) -> None:
    """Forget an event whole: its labels, members, postings, index entries and published versions."""
    for part in _subtree(state, label):
        event = state.event(part)
        for key in event.originals + event.copies:
            _drop_member(state, key)
        for index_key in event.index_keys:
            _remove(state, index_key, part, state.labels)
        state.delete("e/" + part)
        _drop_published(state, event_id_for(part))


def _drop_member(state: _State, key: SortKey) -> None:
    article_id, meta = key[1], state.meta()
    # only the bands: validating the features of a member about to go cost more than removing it
    for band in orjson.loads(state.raw_features(article_id))["bands"]:
        _remove(state, "b/" + band, key, state.sort_keys)
    if _remove(state, _hour_key(key), key, state.sort_keys) and not _day_members(state, _day(key)):
        meta.days.remove(_day(key))
    state.delete("m/" + article_id)
    state.delete("f/" + article_id)
    state.delete("x/" + article_id)
    meta.members -= 1


def _drop_published(state: _State, event_id: str) -> None:
    published = state.published(event_id)
    if published is None:
        return
    state.delete("v/" + event_id)
    for alias in published.aliases:
        redirect = state.published(alias)
        if redirect is not None and redirect.merged_into == event_id:
            _drop_published(state, alias)


# --------------------------------------------------------------------------- publishing


def _survivor(state: _State, former: list[str]) -> str | None:
    """The live label holding most of a vanished label's former members (ties: smallest label)."""
    counts: dict[str, int] = {}
    for article_id in former:
        member = state.member(article_id)
        label = state.label_of(member) if member else None
        if label:
            counts[label] = counts.get(label, 0) + 1
    return min(counts, key=lambda l: (-counts[l], l)) if counts else None


def _retract(state: _State, event_id: str) -> list[str]:
    """Forget a published event and the redirects to it (a redirect to a deleted event would be a
    dead end); the ids to tombstone."""
    gone = [event_id, *_redirects_to(state, event_id)]
    for dead in gone:
        state.delete("v/" + dead)
    return gone


def _redirects_to(state: _State, event_id: str) -> list[str]:
    """The event ids currently published as redirects to this one."""
    published = state.published(event_id)
    aliases = published.aliases if published else []
    return [alias for alias in aliases if (redirect := state.published(alias)) and redirect.merged_into == event_id]


def _emit(state: _State, event: CanonicalEvent, out: list[CanonicalEvent]) -> None:
    """Publish only when the record changed; the version is monotonic per event id.

    A redirect takes over the redirects to its event: they are republished pointing at its
    target, so a client never follows more than one hop.
    """
    digest = hashlib.sha1(orjson.dumps(event.model_dump(mode="json", exclude={"version"}))).hexdigest()[:16]
    published = state.published(event.event_id)
    if published is not None and published.digest == digest:
        return
    version = (published.version if published else 0) + 1
    moved = _redirects_to(state, event.event_id) if event.merged_into else []
    aliases = published.aliases if published and not event.merged_into else []
    state.put("v/" + event.event_id, PublishedEvent(version=version, digest=digest, merged_into=event.merged_into, aliases=aliases))
    target = state.published(event.merged_into) if event.merged_into else None
    if target is not None and event.event_id not in target.aliases:
        target.aliases.append(event.event_id)
        state.put("v/" + event.merged_into, target)
    out.append(event.model_copy(update={"version": version}))
    for alias in moved:
        _emit(state, CanonicalEvent(event_id=alias, version=0, merged_into=event.merged_into), out)


# --------------------------------------------------------------------------- canonical event


@dataclass(frozen=True)
class _Vote:
    article_id: str
    weight: float
    frame: EventFrame
    language: str | None


def build_event(
    event_id: str,
    roster: list[BlockMember],
    items: list[ArticleFeatures],
    limits: Limits,
) -> CanonicalEvent:
    """The merged frame of an event's members (in replay order), by weighted vote."""
    votes = [
        _Vote(m.id, COPY_WEIGHT if m.duplicate_of else 1.0, item.enriched.frame or EventFrame(), item.enriched.language)
        for m, item in zip(roster, items)
    ]
    provenance: dict[str, list[str]] = {}
    confidence: dict[str, float] = {}

    def decide(name: str, value_of) -> object:
        value, supporters, share = _vote(votes, lambda vote: value_of(vote.frame))
        if supporters:
            provenance[name] = supporters[: limits.max_articles_per_event]
            backing = set(supporters)
            mean = sum(v.frame.confidence.get(name, 0.5) for v in votes if v.article_id in backing) / len(supporters)
            confidence[name] = round(share * mean, 3)
        return value

    # "other" is a vote like any type; a venue is only voted on by articles that found one, and an
    # event of a type without venue (a call) has none whatever a stray article named
    event_type = decide("event_type", lambda f: f.event_type if f.reports_event else None) or "other"
    parties = decide("parties", lambda f: tuple(f.parties) or None) or ()
    has_venue = event_type not in NO_VENUE_TYPES
    country = decide("location", lambda f: f.location.country) if has_venue else None
    place_votes = [v for v in votes if v.frame.location.country == country] if has_venue else []
    place = _vote(place_votes, lambda v: (v.frame.location.place, v.frame.location.region) if v.frame.location.place else None)[0]
    day = decide("date", lambda f: (f.date, f.date_precision, f.date_description) if f.date and f.date_precision == "day" else None)
    when = day or decide("date", lambda f: (f.date, f.date_precision, f.date_description) if f.date else None)
    round_number = decide("round", lambda f: f.round)
    outcomes = _outcomes(votes)
    if outcomes:
        backing = [v.article_id for v in votes if set(v.frame.outcomes) & set(outcomes)]
        provenance["outcomes"] = backing[: limits.max_articles_per_event]
    originals = [item for m, item in zip(roster, items) if not m.duplicate_of] or items
    language = _vote(votes, lambda vote: vote.language)[0]
    refs = [
        ArticleRef(
            id=m.id,
            source=item.outlet,
            published_at=item.enriched.article.published_at,
            duplicate_of=m.duplicate_of,
            title=item.display_title,
            language=item.enriched.language,
            url=report_url(item.enriched.article),
        )
        for m, item in zip(roster, items)
    ]
    confidence["event"] = round(min(1.0, 0.5 + 0.1 * len(originals)), 3)
    participants, mentioned = _participants(votes, language)
    return CanonicalEvent(
        event_id=event_id,
        version=0,
        event_type=event_type,
        parties=sorted(parties),
        location=Location(
            place=place[0] if place else None, region=place[1] if place else None, country=country
        ),
        date=when[0] if when else None,
        date_precision=when[1] if when else None,
        date_description=when[2] if when else None,
        round=round_number,
        outcomes=outcomes,
        outcome_phrases=_unique(p for v in votes for p in v.frame.outcome_phrases)[:10],
        participants=participants,
        mentioned=mentioned,
        quotes=_best_quotes(originals),
        track_id=track_id(event_type, parties),
        title=_event_title(roster, items, language) or originals[0].display_title,
        first_seen=items[0].enriched.article.published_at,
        last_updated=items[-1].enriched.article.published_at,
        sources=len({_folded(ref.source) if ref.source else None for ref in refs}),
        independent_reports=sum(1 for m in roster if not m.duplicate_of),
        articles=refs[: limits.max_articles_per_event],
        provenance=provenance,
        confidence=confidence,
    )


def _event_title(roster: list[BlockMember], items: list[ArticleFeatures], language: str | None) -> str:
    """The title of the best titled report: an original before a copy, then one in the event's
    language, then the earliest; "" when no report has a title."""
    ranked = [
        (m.duplicate_of is not None, item.enriched.language != language, index)
        for index, (m, item) in enumerate(zip(roster, items))
        if item.enriched.article.title
    ]
    return items[min(ranked)[2]].enriched.article.title if ranked else ""


@lru_cache(maxsize=DECODED_CACHE_SIZE)  # the same few outlet names and roles, for every member of every event
def _folded(name: str) -> str:
    """A name as compared ignoring case and spacing ("Le Soir", "le  soir")."""
    return " ".join(name.casefold().split())


def _vote(votes: list[_Vote], value_of) -> tuple[object, list[str], float]:
    """(winning value, ids of the articles that gave it, its share of the weight); ties: earliest."""
    totals: dict[object, float] = {}
    first_seen: dict[object, int] = {}
    for index, vote in enumerate(votes):
        value = value_of(vote)
        if value is None:
            continue
        totals[value] = totals.get(value, 0.0) + vote.weight
        first_seen.setdefault(value, index)
    if not totals:
        return None, [], 0.0
    winner = min(totals, key=lambda value: (-totals[value], first_seen[value]))
    supporters = [v.article_id for v in votes if value_of(v) == winner]
    return winner, supporters, totals[winner] / sum(totals.values())


def _outcomes(votes: list[_Vote]) -> list[str]:
    """Labels backed by at least a third of the weight of the members that report any outcome."""
    reporting = [v for v in votes if v.frame.outcomes]
    total = sum(v.weight for v in reporting)
    weight: dict[str, float] = {}
    for vote in reporting:
        for label in set(vote.frame.outcomes):
            weight[label] = weight.get(label, 0.0) + vote.weight
    return sorted(label for label, w in weight.items() if w >= total / 3)


def _participants(votes: list[_Vote], language: str | None) -> tuple[list[Participant], list[Participant]]:
    """(participants, mentioned): a person took part when the reports that put them in the room
    weigh at least as much as those that only name them. Each as its first report names them,
    with the role the vote gives; most supported first."""
    took_part: dict[str, float] = {}
    named: dict[str, float] = {}
    first: dict[str, Participant] = {}
    for vote in votes:
        for person, in_room in _people(vote):
            named[person.name] = named.get(person.name, 0.0) + vote.weight
            took_part[person.name] = took_part.get(person.name, 0.0) + (vote.weight if in_room else 0.0)
            first.setdefault(person.name, person)
    ranked = sorted(named, key=lambda name: (-took_part[name], -named[name], name))
    inside = {name for name in ranked if took_part[name] and 2 * took_part[name] >= named[name]}
    roles = _roles(votes, language)
    cards = {name: first[name].model_copy(update={"role": roles.get(name)}) for name in ranked}
    return ([cards[n] for n in ranked if n in inside][:MAX_PARTICIPANTS],
            [cards[n] for n in ranked if n not in inside][:MAX_PARTICIPANTS])


def _people(vote: _Vote) -> list[tuple[Participant, bool]]:
    """Everyone a report names, True for those it puts in the room."""
    return [*((p, True) for p in vote.frame.participants), *((p, False) for p in vote.frame.mentioned)]


def _roles(votes: list[_Vote], language: str | None) -> dict[str, str]:
    """Each person's role by the weighted vote of the reports in the event's language that give
    one (else of all reports), case aside; ties: earliest, spelt as its earliest voter wrote it.
    A report in another language cannot change it, so a role does not flip between languages
    from one version to the next."""
    overall: dict[str, dict[str, list]] = {}  # name -> folded role -> [weight, first index, surface]
    in_language: dict[str, dict[str, list]] = {}
    for index, vote in enumerate(votes):
        for person, _ in _people(vote):
            if not person.role:
                continue
            key = _folded(person.role)
            for tally in (overall, in_language) if vote.language == language else (overall,):
                entry = tally.setdefault(person.name, {}).setdefault(key, [0.0, index, person.role])
                entry[0] += vote.weight
    return {name: min(options.values(), key=lambda e: (-e[0], e[1]))[2] for name, options in (overall | in_language).items()}


def _best_quotes(originals: list[ArticleFeatures]) -> list[Quote]:
    """Attributed quotes first, longer first, one per distinct text."""
    quotes: dict[str, Quote] = {}
    for item in originals:
        for quote in item.enriched.quotes:
            quotes.setdefault(" ".join(quote.text.lower().split()), quote)
    ranked = sorted(quotes.values(), key=lambda q: (q.speaker is None, -len(q.text), q.text))
    return ranked[:MAX_QUOTES]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
