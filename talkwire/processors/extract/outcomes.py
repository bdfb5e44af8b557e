"""The outcomes of the reported event: controlled labels (data/outcomes.yaml) and short phrases of
the results outside the vocabulary, sentence by sentence (docs/outcomes.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from talkwire.processors.extract.rule_text import (
    Prefiltered,
    Sentence,
    clause_at,
    has_cue,
    load_rule_data,
    plain_lower,
    rule_language,
    split_sentences,
    strip_accents,
    word_rule,
)

_MAX_PHRASES = 8


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
            patterns=tuple(word_rule(p) for p in rule.get(language, [])),
            negatable=rule.get("negatable", True),
            suppresses=tuple(rule.get("suppresses", [])),
            context=contexts[rule["requires"]] if "requires" in rule else None,
        )
        for label, rule in data["labels"].items()
    )


@cache
def _result_cues(language: str) -> Prefiltered:
    return word_rule("|".join(load_rule_data("outcomes")["result_cues"][language]))


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
    language = rule_language(language)
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
