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
- ``t/<day>`` labels with an original whose event is dated that day, or whose meeting had lasted
  since then by its day or is to last till then ("after a week of talks", "expected to last a
  week": ``meeting_reach``); ``u/<day>`` with an undated original published that day; ``p/<day>``
  with any original published that day;
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

from collections.abc import MutableMapping

import numpy as np

from talkwire.processors.cluster.block_state import (
    BlockState,
    Decoded,
    add_member,
    candidate_keys,
    cutoff_day,
    day_of,
    event_id_for,
    event_roster,
    index_keys,
    insert_sorted,
    members_after,
    remove_sorted,
)
from talkwire.processors.cluster.event_vote import build_event
from talkwire.processors.cluster.eviction import evict
from talkwire.processors.cluster.fingerprint import copy_similarity
from talkwire.processors.cluster.publishing import emit, retract, survivor_of
from talkwire.processors.cluster.scoring import MAX_FRAME_BONUS, pair_score
from talkwire.processors.records import (
    ArticleFeatures,
    BlockMember,
    BlockMeta,
    CanonicalEvent,
    ClusterResult,
    EnrichedArticle,
    EventState,
)
from talkwire.settings import Limits

BLOCK_KEY = "events"
JOIN_SCORE = 0.60  # dev: same-event pairs >= 0.65, different-event pairs <= 0.55
MERGE_SCORE = 0.70  # a member this close to a second event folds it in (0.65 merged distinct yemen and lebanon events)
REPRESENTATIVES_PER_EVENT = 12  # originals compared per event: the most recent ones


def blocking_key(features: ArticleFeatures) -> str:
    """The block an article is clustered in (see the module docstring)."""
    return BLOCK_KEY


def cluster_article(store: MutableMapping[str, bytes], features: ArticleFeatures, limits: Limits) -> ClusterResult:
    """Add one article to its block's store; return the article labelled and the events that changed.

    The store is only written at the end, once the step succeeded.
    """
    state = BlockState(store)
    known = state.member(features.article_id)
    if known is not None:
        status = "redelivery" if known.content_hash == features.content_hash else "conflict"
        return ClusterResult(enriched=_labelled(state, features.enriched, known), status=status)
    if features.enriched.frame is None or features.embedding is None or _too_old(state.meta(), features, limits):
        return ClusterResult(enriched=features.enriched, status="unclustered")
    fold = _Fold(state)
    later = members_after(state, tuple(features.sort_key))
    for member in reversed(later):
        fold.undo(member)
    for member in [add_member(state, features), *later]:
        fold.step(member)
    events, tombstones = fold.publish(limits)
    relabelled = fold.relabelled()
    evict(state, limits)
    state.flush()
    member = state.member(features.article_id)
    enriched = _labelled(state, features.enriched, member) if member else features.enriched
    return ClusterResult(enriched=enriched, relabelled=relabelled, events=events, tombstones=tombstones,
                         status="clustered")


def _labelled(state: BlockState, enriched: EnrichedArticle, member: BlockMember) -> EnrichedArticle:
    return enriched.model_copy(
        update={
            "duplicate_of": member.duplicate_of,
            "duplicate_similarity": member.duplicate_similarity,
            "event_id": _published_event_id(state, state.label_of(member)),
        }
    )


def _published_event_id(state: BlockState, label: str | None) -> str | None:
    """The event a live label stands for; None while it has published none (it reports no event)."""
    event_id = event_id_for(label) if label else None
    return event_id if event_id and state.published(event_id) is not None else None


def _too_old(meta: BlockMeta, features: ArticleFeatures, limits: Limits) -> bool:
    return meta.newest is not None and day_of(tuple(features.sort_key)) < cutoff_day(meta, limits)


class _Fold:
    """Steps taken and undone in one call, plus each touched label as it was before the call."""

    def __init__(self, state: BlockState) -> None:
        self.state = state
        self.before: dict[str, list[str] | None] = {}  # label -> member ids when it was a live event
        self.copy_before: dict[str, tuple[str | None, float | None]] = {}  # undone member -> (duplicate_of, similarity)
        self.silent_before: set[str] = set()  # live labels that had published no event (they reported none)

    def _touch(self, label: str) -> None:
        """Remember a label and the labels it was merged into, before the first change to them."""
        while label is not None and label not in self.before:
            event = self.state.event(label)
            live = event is not None and event.merged_into is None
            self.before[label] = [article_id for _, article_id in event_roster(self.state, label)] if live else None
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
            for index_key in index_keys(state.decoded(member.id).frame, key):
                if index_key not in event.index_keys:
                    event.index_keys.append(index_key)
                insert_sorted(state, index_key, label, state.labels)
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
                remove_sorted(state, index_key, label, state.labels)
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
            roster = [state.member(article_id) for _, article_id in event_roster(state, label)]
            items = [state.decoded(member.id).features for member in roster]
            if any(item.enriched.frame.reports_event for item in items):
                emit(state, build_event(event_id_for(label), roster, items, limits), events)
            elif state.published(event_id_for(label)) is not None:  # its last report of an event left it
                tombstones += retract(state, event_id_for(label))
        for label in sorted(l for l, former in self.before.items() if former is not None and state.resolve(l) != l):
            event_id, survivor = event_id_for(label), survivor_of(state, self.before[label])
            if state.published(event_id) is None:
                continue  # it never reported an event: it goes without a word
            if survivor is None or state.published(event_id_for(survivor)) is None:
                tombstones += retract(state, event_id)
            else:
                emit(state, CanonicalEvent(event_id=event_id, version=0, merged_into=event_id_for(survivor)), events)
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


def _refresh(state: BlockState, event: EventState) -> None:
    """Recompute representatives and newest member from the label's own members and children."""
    children = [state.event(child) for child in event.children]
    representatives = event.originals[-REPRESENTATIVES_PER_EVENT:] + [k for c in children for k in c.representatives]
    event.representatives = sorted(representatives)[-REPRESENTATIVES_PER_EVENT:]
    event.newest = max([tuple(c.newest) for c in children] + event.originals[-1:] + event.copies[-1:])


def _copy_source(state: BlockState, member: BlockMember, mine: Decoded) -> tuple[BlockMember | None, float]:
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


def _event_scores(state: BlockState, member: BlockMember, mine: Decoded) -> dict[str, float]:
    """Best pair score of the member against the representatives of each event it can score with."""
    labels = {label for key in candidate_keys(mine.frame, tuple(member.sort_key)) for label in state.labels(key)}
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
