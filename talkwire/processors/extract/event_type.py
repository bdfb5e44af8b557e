"""The event type of an article, read from the text with weighted fr/en triggers (data/event_types.yaml).

What counts is where a trigger is (title and lead weigh more than the body) and whether its clause
is about the reported event rather than an earlier one or a plan (data/context_cues.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.extract.rule_text import (
    Prefiltered,
    Sentence,
    clause_at,
    has_cue,
    is_background,
    load_rule_data,
    plain_lower,
    rule_confidence,
    rule_language,
    split_sentences,
    word_rule,
    zone_weight,
)
from talkwire.processors.records import EventType

_LEAD_PARAGRAPH = 1  # title (0) and lead (1)
NO_VENUE_TYPES = frozenset(name for name, kind in event_kinds().items() if not kind.has_venue)


@dataclass(frozen=True)
class TypeEvidence:
    """Weighted trigger scores per event type: in all, and the part read in the title and lead
    outside background clauses (what says the article reports an event at all); and how many
    sentences have a trigger (a body that keeps speaking of it, even in reported speech)."""

    total: dict[str, float]
    lead: dict[str, float]
    sentences: dict[str, float]


class TypeDecision(NamedTuple):
    event_type: EventType
    confidence: float
    reports_event: bool  # False: no event of the vocabulary (sport, markets...); the type is "other"


@cache
def _type_triggers(language: str) -> dict[str, list[tuple[Prefiltered, float]]]:
    """Triggers per event type and per shared evidence (words any of several types may use)."""
    config = load_rule_data("event_types")
    return {
        name: [(word_rule(pattern), float(weight)) for pattern, weight in rules.get(language, [])]
        for name, rules in {**config["types"], **config["shared"]}.items()
    }


def _with_shared(scores: dict[str, float], into_of: dict[str, str]) -> dict[str, float]:
    """Scores per event type, each shared evidence added to the type ``into_of`` chose for it."""
    merged = {name: score for name, score in scores.items() if name not in into_of}
    for shared, into in into_of.items():
        merged[into] += scores[shared]
    return merged


def _shared_targets(scores: dict[str, float]) -> dict[str, str]:
    """The type each shared evidence goes to: the best of its `into` types, or its `default`."""
    shared = load_rule_data("event_types")["shared"]
    targets = {}
    for name, rule in shared.items():
        best = max(rule["into"], key=lambda kind: scores[kind])
        targets[name] = best if scores[best] > 0 else rule["default"]
    return targets


@cache
def landmark_before(language: str, words_between: int = 2) -> re.Pattern[str]:
    """Words that make the next few words a landmark ("en marge du G7", "ahead of the summit"), on the
    text that ends right before the landmark's noun or name, at most ``words_between`` words after them."""
    words = "|".join(load_rule_data("event_types")["aside_before"][language])
    return re.compile(rf"(?<!\w)(?:{words})(?:\W+[\w'-]+){{0,{words_between}}}\W*$", re.IGNORECASE)


@cache
def _topic(language: str) -> re.Pattern[str]:
    """Words that make an event named right after them the topic of talks ("accord sur un échange")."""
    words = "|".join(load_rule_data("event_types")["topic_before"][language])
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


def _is_aside(name: str, sentence: Sentence, start: int, language: str) -> bool:
    config = load_rule_data("event_types")
    text = sentence.text
    return bool(landmark_before(language).search(text[max(0, start - config["aside_window_chars"]) : start])) or (
        name in config["topic_types"]
        and bool(_topic(language).search(text[max(0, start - config["topic_window_chars"]) : start])))


def _is_denied(name: str, sentence: Sentence, start: int, language: str) -> bool:
    """A trigger of a negatable type right after a negation: « sans le signer », "without signing"."""
    config = load_rule_data("event_types")
    if name not in config["negatable_types"]:
        return False
    return has_cue(sentence.text[max(0, start - config["negation_window_chars"]) : start], "negation", language)


def event_type_scores(text: str, language: str) -> TypeEvidence:
    """Weighted trigger score per event type (the evidence ``decide_event_type`` decides on)."""
    config = load_rule_data("event_types")
    language = rule_language(language)
    total = {name: 0.0 for name in _type_triggers(language)}
    lead, sentences = dict(total), dict(total)
    present = _present_in(text, _type_triggers(language))
    for sentence in split_sentences(text):
        for name, triggers in present.items():
            matched = False
            for pattern, weight in triggers:
                matches = list(sentence.finditer(pattern))[: config["max_hits_per_sentence"]]
                for match in matches:
                    if _is_denied(name, sentence, match.start(), language):
                        continue
                    background = is_background(clause_at(sentence, match.start()), language) or _is_aside(
                        name, sentence, match.start(), language)
                    factor = config["background_factor"] if background else 1.0
                    total[name] += weight * factor * zone_weight(sentence.paragraph)
                    if sentence.paragraph <= _LEAD_PARAGRAPH and not background:
                        lead[name] += weight * zone_weight(sentence.paragraph)
                    matched = True
            sentences[name] += matched
    return TypeEvidence(total, lead, sentences)


def _present_in(text: str, triggers: dict[str, list[tuple[Prefiltered, float]]]
                ) -> dict[str, list[tuple[Prefiltered, float]]]:
    """The triggers that may match somewhere in ``text``: one test of the text instead of one per
    sentence rules out most of them (a sentence is a slice of the text, and the patterns have no anchors)."""
    lowered = plain_lower(text)
    return {name: [(p, w) for p, w in pairs if p.may_occur(text, lowered)] for name, pairs in triggers.items()}


def classify_event_type(text: str, language: str) -> tuple[EventType, float]:
    """The event type of the article's main event and a 0..1 confidence.

    Highest weighted score wins; equal scores follow ``tie_break`` of event_types.yaml; below
    ``min_score`` the article is ``other``.
    """
    return decide_event_type(event_type_scores(text, language))[:2]


def decide_event_type(evidence: TypeEvidence) -> TypeDecision:
    """``classify_event_type`` on scores already computed; a mode of contact (a call) that is well
    attested beats the meeting types that only say who met (ministers, leaders, delegations).

    A type read only from the body, on little evidence, is no event: "other", not reporting an
    event, with a confidence of at most ``no_event_confidence`` (0 when nothing matched)."""
    config = load_rule_data("event_types")
    targets = _shared_targets(evidence.total)
    scores, lead = _with_shared(evidence.total, targets), _with_shared(evidence.lead, targets)
    sentences = _with_shared(evidence.sentences, targets)
    order = config["tie_break"]
    best = min(scores, key=lambda name: (-scores[name], order.index(name)))
    for mode, rule in config["modes"].items():
        if best in rule["over"] and scores[mode] >= rule["min_score"] and scores[mode] >= rule["min_share"] * scores[best]:
            best = mode
    in_lead = lead[best] >= config["lead_min_score"]
    in_body = scores[best] >= config["body_only_min_score"] and sentences[best] >= config["body_only_min_sentences"]
    if scores[best] < config["min_score"] or not (in_lead or in_body):
        strength = min(1.0, scores[best] / config["body_only_min_score"])
        return TypeDecision("other", round(config["no_event_confidence"] * strength, 3), False)
    return TypeDecision(best, rule_confidence(scores[best], sum(scores.values())), True)
