"""Who took part in the reported event, apart from the people merely named (formats.md).

Each person named in the article scores by how and where they are named: in a sentence saying
that people met, negotiated, signed, called or led a delegation (``taking_part`` cues), in the
title or lead, with the role of someone in the room (delegation, negotiator, mediator, envoy) or
of a commentator (spokesperson, analyst, expert). Mentions in sentences about another event (an
earlier round, last week's call) count for nothing. The cues are in ``data/participation.yaml``;
the canonical event then keeps as participants those most of its reports put in the room.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from talkwire.processors.records import PersonSpan
from talkwire.processors.extract.rule_text import Prefiltered, Sentence, clause_at, has_cue, load_rule_data, split_sentences

IN_SENTENCE_THAT_TAKES_PART = 2.0
IN_TITLE_OR_LEAD = 1.0
IN_THE_ROOM_ROLE = 2.0
COMMENTING_ROLE = -4.0
ABSENT = -4.0
PRINCIPAL_DOUBT = -1.0  # a leader whose delegation meets takes part only when the title or lead says so too
TAKES_PART_AT = 2.0  # a person scoring this much took part
LEAD_PARAGRAPHS = 1
SENDER_WINDOW = 60  # characters around a mention where "delegation of"/"'s envoys" is looked for


@dataclass(frozen=True)
class _Cues:
    taking_part: Prefiltered
    in_the_room: Prefiltered
    commenting: Prefiltered
    absent: Prefiltered
    sender_before: re.Pattern[str] | None
    sender_after: re.Pattern[str] | None


@cache
def _cues(language: str) -> _Cues:
    data = load_rule_data("participation")
    language = language if language in data["taking_part"] else "en"
    def either(kind: str) -> re.Pattern[str] | None:
        fragments = data[kind].get(language) or []
        return re.compile("|".join(f"(?:{f})" for f in fragments), re.IGNORECASE) if fragments else None

    return _Cues(*(Prefiltered.compile("|".join(f"(?:{f})" for f in data[kind][language]))
                   for kind in ("taking_part", "in_the_room", "commenting", "absent")),
                 either("sender_before"), either("sender_after"))


def participation_scores(text: str, language: str, people: list[PersonSpan], roles: dict[str, str | None],
                         present: set[str] = frozenset(), principals: set[str] = frozenset()) -> dict[str, float]:
    """Canonical name -> evidence that the person took part in the article's main event.

    ``present``: people the frame already places at the event (the leaders of a summit).
    ``principals``: leaders whose delegations or ministers meet: in the room only when their own
    clause says so ("Poutine a reçu", not "the talks, which Putin called a farce, …") and the title
    or lead names them (a president who "signed a decree the same day" further down was elsewhere).
    """
    cues = _cues(language)
    sentences = split_sentences(text)
    starts = [s.start for s in sentences]
    scores: dict[str, float] = {}
    absent: set[str] = set()
    for span in people:
        sentence = _sentence_at(sentences, starts, span.start)
        if sentence is not None and cues.absent.search(clause_at(sentence, span.start - sentence.start)):
            absent.add(span.canonical)
        score = 0.0 if _sends(text, span, cues) else _mention_score(
            sentence, cues, language, span.start if span.canonical in principals else None)
        scores[span.canonical] = max(scores.get(span.canonical, 0.0), score)
    for name in scores:
        role = roles.get(name)
        if name in principals:
            scores[name] += PRINCIPAL_DOUBT
        if name in absent:
            scores[name] += ABSENT
        elif name in present:
            scores[name] += IN_THE_ROOM_ROLE
        if role and cues.commenting.search(role):
            scores[name] += COMMENTING_ROLE
        elif role and cues.in_the_room.search(role):
            scores[name] += IN_THE_ROOM_ROLE
    return scores


def taking_part(scores: dict[str, float]) -> set[str]:
    """Who took part: those scoring ``TAKES_PART_AT``; when nobody does, the best-placed people
    named in the title or lead (a report names the protagonists first, even without a cue)."""
    inside = {name for name, score in scores.items() if score >= TAKES_PART_AT}
    best = max(scores.values(), default=0.0)
    return inside or {name for name, score in scores.items() if score == best >= IN_TITLE_OR_LEAD}


def _sends(text: str, span: PersonSpan, cues: _Cues) -> bool:
    """A mention of someone sending others to the table ("Maduro's delegation", "les émissaires de
    Nicolas Maduro"): no evidence that they took part themselves."""
    before = text[max(0, span.start - SENDER_WINDOW):span.start]
    after = text[span.end:span.end + SENDER_WINDOW]
    return bool((cues.sender_before and cues.sender_before.search(before))
                or (cues.sender_after and cues.sender_after.search(after)))


def _sentence_at(sentences: list[Sentence], starts: list[int], offset: int) -> Sentence | None:
    index = bisect_right(starts, offset) - 1
    return sentences[index] if index >= 0 and offset < sentences[index].end else None


def _mention_score(sentence: Sentence | None, cues: _Cues, language: str, clause_of: int | None = None) -> float:
    """Evidence from one mention: in the title or lead, in a sentence (or, for ``clause_of``, the
    clause around that offset) saying that people met."""
    if sentence is None or has_cue(sentence.text, "other_event", language):
        return 0.0
    score = IN_TITLE_OR_LEAD if sentence.paragraph <= LEAD_PARAGRAPHS else 0.0
    where = sentence.text if clause_of is None else clause_at(sentence, clause_of - sentence.start)
    if cues.taking_part.search(where):
        score += IN_SENTENCE_THAT_TAKES_PART
    return score
