"""How well an article fits an event: the pair score of two reports' evidence (frame, dates,
embedding cosine)."""

from __future__ import annotations

from talkwire.processors.cluster.block_state import Evidence, MEETING_SLACK_DAYS, SOFT_GAP_DAYS
from talkwire.processors.event_kinds import event_kinds

DATE_TOLERANCE_DAYS = 1
GAP_PENALTY = 0.12
ROUND_SPAN_DAYS = 30  # reports of one numbered round: a round of talks can last weeks
UNTYPED_PENALTY = 0.08  # see pair_score
MAX_FRAME_PENALTY = 0.15  # the most frame evidence can take off: one report's noisy frame cannot outvote a close embedding
MAX_FRAME_BONUS = 0.45  # the most frame evidence can add to the cosine (see pair_score)


def pair_score(a: Evidence, b: Evidence, similarity: float) -> float:
    """Embedding cosine plus language-independent frame evidence (at most MAX_FRAME_PENALTY against);
    -1 when the frames conflict (another round, days apart)."""
    if a.round is not None and b.round is not None and a.round != b.round:
        return -1.0
    same_round = a.round is not None and a.round == b.round
    day_gap = None if a.day is None or b.day is None else abs(a.day - b.day)
    within_meeting = day_gap is not None and _within_meeting(a, b)  # "after a week of talks"
    score = similarity
    frame = 0.0  # the frame evidence, for and against
    if day_gap is not None and day_gap > DATE_TOLERANCE_DAYS and not (
            (same_round and day_gap <= ROUND_SPAN_DAYS) or within_meeting):
        if day_gap > SOFT_GAP_DAYS:
            return -1.0
        score -= GAP_PENALTY * (day_gap - DATE_TOLERANCE_DAYS)  # a misread weekday, a multi-day meeting
    if a.parties and b.parties:  # disjoint party sets are evidence against, not just no evidence
        frame += 0.25 * _party_agreement(a.parties, b.parties) - 0.10
    frame += 0.10 * _jaccard(a.entities, b.entities)
    if day_gap == 0:
        frame += 0.05
    if a.round is not None and a.round == b.round:
        frame += 0.10
    if a.event_type != "other" and b.event_type != "other":
        if a.event_type == b.event_type:
            frame += 0.05
        else:  # a summit read as talks is a slip; a call read as a meeting is another event
            kinds = event_kinds()
            frame -= 0.05 if kinds[a.event_type].family == kinds[b.event_type].family else 0.20
    elif a.event_type != b.event_type:
        # One report names the kind of event and the other names none: weak evidence against
        # (a same-day story about one of the leaders is not a report of their call).
        frame -= UNTYPED_PENALTY
    if a.country and b.country and a.country != b.country:
        frame -= 0.10
    return score + max(frame, -MAX_FRAME_PENALTY)


def _within_meeting(a: Evidence, b: Evidence) -> bool:
    """Whether the later-dated report's meeting, as long as it says it had lasted, began by the other's
    day, or the earlier-dated one's, as long as it says it is to last, runs to the other's; and both
    report the same kind of event (the deal that ends a week of talks is an event of its own)."""
    earlier, later = sorted((a, b), key=lambda evidence: evidence.day)
    length = max(later.meeting_days, earlier.planned_days)
    return later.day - earlier.day < length + MEETING_SLACK_DAYS and a.event_type == b.event_type


def _jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    return len(first & second) / len(first | second) if first or second else 0.0


def _party_agreement(first: frozenset[str], second: frozenset[str]) -> float:
    """How far two reports' parties agree: the share of the smaller set found in the other when both
    name two parties or more (a report that also names a side another leaves out, the opposition or
    the mediator, still reports the same talks), else the Jaccard index (one party is too little to go
    on: "Russia" alone is in every report of the war)."""
    if min(len(first), len(second)) < 2:
        return _jaccard(first, second)
    return len(first & second) / min(len(first), len(second))
