"""Who took part in the reported event, apart from the people merely named (formats.md).

Each person named in the article scores by how and where they are named: in a sentence saying
that people met, negotiated, signed, called or led a delegation (``taking_part`` cues), in the
title or lead, with the role of someone in the room (delegation, negotiator, mediator, envoy) or
of a commentator (spokesperson, analyst, expert). Mentions in sentences about another event (an
earlier round, last week's call) count for nothing. The cues are in ``data/participation.yaml``;
the canonical event then keeps as participants those most of its reports put in the room.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from talkwire.processors.records import PersonSpan
from talkwire.processors.extract.rule_text import Prefiltered, Sentence, has_cue, load_rule_data, split_sentences

IN_SENTENCE_THAT_TAKES_PART = 2.0
IN_TITLE_OR_LEAD = 1.0
IN_THE_ROOM_ROLE = 2.0
COMMENTING_ROLE = -4.0
TAKES_PART_AT = 2.0  # a person scoring this much took part
LEAD_PARAGRAPHS = 1


@dataclass(frozen=True)
class _Cues:
    taking_part: Prefiltered
    in_the_room: Prefiltered
    commenting: Prefiltered


@cache
def _cues(language: str) -> _Cues:
    data = load_rule_data("participation")
    language = language if language in data["taking_part"] else "en"
    return _Cues(*(Prefiltered.compile("|".join(f"(?:{f})" for f in data[kind][language]))
                   for kind in ("taking_part", "in_the_room", "commenting")))


def participation_scores(text: str, language: str, people: list[PersonSpan], roles: dict[str, str | None],
                         present: set[str] = frozenset()) -> dict[str, float]:
    """Canonical name -> evidence that the person took part in the article's main event.

    ``present``: people the frame already places at the event (the leaders of a summit).
    """
    cues = _cues(language)
    sentences = split_sentences(text)
    starts = [s.start for s in sentences]
    scores: dict[str, float] = {}
    for span in people:
        sentence = _sentence_at(sentences, starts, span.start)
        scores[span.canonical] = max(scores.get(span.canonical, 0.0), _mention_score(sentence, cues, language))
    for name in scores:
        role = roles.get(name)
        if name in present:
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


def _sentence_at(sentences: list[Sentence], starts: list[int], offset: int) -> Sentence | None:
    index = bisect_right(starts, offset) - 1
    return sentences[index] if index >= 0 and offset < sentences[index].end else None


def _mention_score(sentence: Sentence | None, cues: _Cues, language: str) -> float:
    if sentence is None or has_cue(sentence.text, "other_event", language):
        return 0.0
    score = IN_TITLE_OR_LEAD if sentence.paragraph <= LEAD_PARAGRAPHS else 0.0
    if sentence.search(cues.taking_part):
        score += IN_SENTENCE_THAT_TAKES_PART
    return score
