"""Event type, round number and outcomes, read from the text with weighted fr/en rules.

The rules live in ``talkwire/data/`` (event_types.yaml, ordinals.yaml, outcomes.yaml); what
counts is where a trigger is (title and lead weigh more than the body) and whether its clause
is about the reported event rather than an earlier one or a plan (data/context_cues.yaml).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.records import EventType
from talkwire.processors.rule_text import (
    Prefiltered,
    Sentence,
    alternation,
    clause_at,
    has_cue,
    load_rule_data,
    lookup_word,
    plain_lower,
    split_sentences,
    strip_accents,
    zone_weight,
)

# Score at which confidence saturates: one strong trigger in the lead (4 x 2) is fairly sure.
_CONFIDENCE_SCALE = 8.0
_MAX_PHRASES = 8
_LEAD_PARAGRAPH = 1  # title (0) and lead (1)
NO_VENUE_TYPES = frozenset(name for name, kind in event_kinds().items() if not kind.has_venue)


def _language(language: str) -> str:
    return language if language in ("fr", "en") else "en"


def _compile(pattern: str) -> Prefiltered:
    return Prefiltered.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


def _confidence(best: float, total: float) -> float:
    if best <= 0 or total <= 0:
        return 0.0
    return round((best / total) * (1.0 - math.exp(-best / _CONFIDENCE_SCALE)), 3)


def _is_background(text: str, language: str) -> bool:
    """About an earlier/another event or a plan, not the reported event."""
    return has_cue(text, "other_event", language) or has_cue(text, "future", language)


# --------------------------------------------------------------------------- event type


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
        name: [(_compile(pattern), float(weight)) for pattern, weight in rules.get(language, [])]
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
def _aside(language: str) -> re.Pattern[str]:
    """Words that make the next few words a landmark ("en marge du G7", "ahead of the summit")."""
    words = "|".join(load_rule_data("event_types")["aside_before"][language])
    return re.compile(rf"(?<!\w)(?:{words})(?:\W+[\w'-]+){{0,2}}\W*$", re.IGNORECASE)


def _is_aside(sentence: Sentence, start: int, language: str) -> bool:
    window = load_rule_data("event_types")["aside_window_chars"]
    return bool(_aside(language).search(sentence.text[max(0, start - window) : start]))


def _is_denied(name: str, sentence: Sentence, start: int, language: str) -> bool:
    """A trigger of a negatable type right after a negation: « sans le signer », "without signing"."""
    config = load_rule_data("event_types")
    if name not in config["negatable_types"]:
        return False
    return has_cue(sentence.text[max(0, start - config["negation_window_chars"]) : start], "negation", language)


def event_type_scores(text: str, language: str) -> TypeEvidence:
    """Weighted trigger score per event type (the evidence ``decide_event_type`` decides on)."""
    config = load_rule_data("event_types")
    language = _language(language)
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
                    background = _is_background(clause_at(sentence, match.start()), language) or _is_aside(
                        sentence, match.start(), language)
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
    in_lead = lead[best] >= config["min_score"]
    in_body = scores[best] >= config["body_only_min_score"] and sentences[best] >= config["body_only_min_sentences"]
    if scores[best] < config["min_score"] or not (in_lead or in_body):
        strength = min(1.0, scores[best] / config["body_only_min_score"])
        return TypeDecision("other", round(config["no_event_confidence"] * strength, 3), False)
    return TypeDecision(best, _confidence(scores[best], sum(scores.values())), True)


# --------------------------------------------------------------------------- round


@dataclass(frozen=True)
class _RoundRules:
    pattern: Prefiltered
    ordinals: dict[str, int]
    preceding: re.Pattern[str]
    since: re.Pattern[str]


@cache
def _round_rules(language: str) -> _RoundRules:
    data = load_rule_data("ordinals")
    ordinals = {str(word).lower(): int(value) for word, value in data["ordinals"][language].items()}
    nouns = alternation(data["talk_nouns"][language])
    gap = data["max_gap_words"]
    return _RoundRules(
        pattern=_compile(rf"(?P<ordinal>{alternation(list(ordinals))})\s+(?:[\w'-]+\s+){{0,{gap}}}?{nouns}"),
        ordinals=ordinals,
        preceding=re.compile(rf"(?<!\w){alternation(data['preceding_words'][language])}\W+(?:\w+\W+){{0,2}}$", re.IGNORECASE),
        since=re.compile(rf"^\W+(?:\w+\W+){{0,6}}?{alternation(data['since_words'][language])}(?!\w)", re.IGNORECASE),
    )


def extract_round(text: str, language: str) -> tuple[int | None, float]:
    """The ordinal of the main event in its series of talks ("deuxième session" → 2), or None.

    Ordinals in clauses about an earlier round ("s'était terminée", "after the first round")
    or a plan ("a fourth round is planned"), and "first … since" are not the reported round.
    """
    language = _language(language)
    rules = _round_rules(language)
    scores: dict[int, float] = {}
    for sentence in split_sentences(text):
        for match in sentence.finditer(rules.pattern):
            clause = clause_at(sentence, match.start())
            if _is_background(clause, language) or rules.preceding.search(sentence.text[: match.start()]):
                continue
            if rules.since.search(sentence.text[match.end() :]):
                continue
            value = lookup_word(rules.ordinals, match["ordinal"])
            if value is None:  # an ordinal the folding cannot map back: not evidence, not a crash
                continue
            scores[value] = scores.get(value, 0.0) + zone_weight(sentence.paragraph)
    if not scores:
        return None, 0.0
    best = max(scores, key=lambda value: (scores[value], value))
    return best, _confidence(scores[best] * 2, sum(scores.values()) * 2)


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class _OutcomeRule:
    label: str
    patterns: tuple[Prefiltered, ...]
    negatable: bool
    suppresses: tuple[str, ...]
    context: re.Pattern[str] | None  # the sentence must match it too (e.g. an agreement verb)


@cache
def _outcome_rules(language: str) -> tuple[_OutcomeRule, ...]:
    data = load_rule_data("outcomes")
    contexts = {
        name: re.compile(rf"(?<!\w)(?:{'|'.join(words[language])})", re.IGNORECASE)
        for name, words in data["contexts"].items()
    }
    return tuple(
        _OutcomeRule(
            label=label,
            patterns=tuple(_compile(p) for p in rule.get(language, [])),
            negatable=rule.get("negatable", True),
            suppresses=tuple(rule.get("suppresses", [])),
            context=contexts[rule["requires"]] if "requires" in rule else None,
        )
        for label, rule in data["labels"].items()
    )


@cache
def _result_cues(language: str) -> Prefiltered:
    return _compile("|".join(load_rule_data("outcomes")["result_cues"][language]))


def _holds(rule: _OutcomeRule, sentence: Sentence, match: re.Match[str], language: str) -> bool:
    """The outcome is reported for this event: not another event's, not asked for, not denied."""
    clause = clause_at(sentence, match.start())
    if has_cue(clause, "other_event", language):
        return False
    if rule.context and not rule.context.search(sentence.text):
        return False
    window = load_rule_data("outcomes")["negation_window_chars"]
    lead_in = sentence.text[max(0, match.start() - window) : match.start()]
    if has_cue(lead_in, "request", language):
        return False
    follow = sentence.text[match.end() : match.end() + window]
    denied = has_cue(lead_in, "negation", language) or has_cue(follow, "negation_after", language)
    return not (rule.negatable and denied)


@dataclass(frozen=True)
class _PhraseRules:
    breaks: frozenset[str]
    dropped: frozenset[str]
    cuts: frozenset[str]
    max_words: int
    max_chars: int


@cache
def _phrase_rules(language: str) -> _PhraseRules:
    data = load_rule_data("outcomes")
    return _PhraseRules(frozenset(data["phrase_breaks"][language]), frozenset(data["phrase_dropped"][language]),
                        frozenset(data["phrase_cuts"][language]), data["phrase_max_words"], data["phrase_max_chars"])


_CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]«»\"“”]")
_PHRASE_SHAPE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def normalised_phrase(after_cue: str, language: str) -> str | None:
    """The result a cue introduces, as a short snake_case phrase ("convenu de poursuivre le dialogue
    sur la Crimée" → "poursuivre_dialogue_sur_crimee"), or None when it runs on like a sentence."""
    rules = _phrase_rules(language)
    words: list[str] = []
    for word in re.findall(r"[\w]+", strip_accents(_CLAUSE_BREAK.split(after_cue, maxsplit=1)[0]).lower()):
        if word in rules.breaks:  # at the start ("agreed that …"): a clause, which no phrase can hold
            break
        if word not in rules.dropped:
            words.append(word)
    if len(words) > rules.max_words:  # "a joint commission on the return of …": its head only
        words = words[: next((i for i, word in enumerate(words) if i and word in rules.cuts), len(words))]
    phrase = "_".join(words)
    if not words or len(words) > rules.max_words or len(phrase) > rules.max_chars:
        return None
    return phrase if _PHRASE_SHAPE.fullmatch(phrase) else None


def extract_outcomes(text: str, language: str) -> tuple[list[str], list[str]]:
    """(sorted controlled labels, phrases): short snake_case phrases of the results outside the
    vocabulary ("ont convenu de …", "agreed to …"), in text order; never a sentence."""
    language = _language(language)
    labels: set[str] = set()
    phrases: list[str] = []
    lowered = plain_lower(text)
    present = [(rule, p) for rule in _outcome_rules(language) for p in rule.patterns if p.may_occur(text, lowered)]
    for sentence in split_sentences(text):
        found = {
            rule.label
            for rule, pattern in present
            for match in sentence.finditer(pattern)
            if _holds(rule, sentence, match, language)
        }
        result = sentence.search(_result_cues(language))
        if result and not found and not has_cue(sentence.text, "other_event", language):
            phrase = normalised_phrase(sentence.text[result.end() :], language)
            if phrase and phrase not in phrases:
                phrases.append(phrase)
        labels |= found
    suppressed = {label for rule in _outcome_rules(language) if rule.label in labels for label in rule.suppresses}
    return sorted(labels - suppressed), phrases[:_MAX_PHRASES]
