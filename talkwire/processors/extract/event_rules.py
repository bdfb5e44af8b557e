"""Event type, round number and outcomes, read from the text with weighted fr/en rules.

The rules live in ``talkwire/data/`` (event_types.yaml, ordinals.yaml, outcomes.yaml); what
counts is where a trigger is (title and lead weigh more than the body) and whether its clause
is about the reported event rather than an earlier one or a plan (data/context_cues.yaml).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.records import EventType
from talkwire.processors.extract.rule_text import (
    Prefiltered,
    Sentence,
    alternation,
    clause_at,
    has_cue,
    load_rule_data,
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

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
_ROMAN_NUMERAL = "(?-i:[IVXL]{2,7}|[VXL])"  # II and up: a lone "I" is a pronoun
_CAPITALISED = r"[A-ZÀ-Ý][\w'’]*"


@dataclass(frozen=True)
class _RoundRules:
    ordinal_first: Prefiltered  # "deuxième session", "15th round", "35e sommet"
    number_after: Prefiltered  # "round 7", "session IV", "R7"
    series: re.Pattern[str]  # "Genève II", "Astana-13", "COP21" (case-sensitive)
    document: re.Pattern[str]
    series_max_paragraph: int
    personal_before: re.Pattern[str]
    personal_after: re.Pattern[str]
    words: dict[str, int]  # spelled-out ordinals by _ordinal_key
    preceding: re.Pattern[str]
    since: re.Pattern[str]
    record_adjective: re.Pattern[str]
    sitting: re.Pattern[str]
    first_is_record: re.Pattern[str]
    duration: re.Pattern[str]
    superlative: re.Pattern[str]
    part_of: re.Pattern[str]
    plan_after: re.Pattern[str]
    window_break: re.Pattern[str]
    window_words: int


@dataclass(frozen=True)
class _RoundMention:
    start: int  # sentence-relative
    end: int  # the end of the noun phrase (the noun, or the number after it)
    value: int
    gap: str  # the words between ordinal and noun
    noun: str


def _ordinal_key(word: str) -> str:
    """One key for "Vingt-et-unième", "vingt et unième", "FİRST", "ſecond"."""
    return re.sub(r"[\s\-‐]+", " ", strip_accents(word.casefold())).strip()


def _spelled_ordinals(data: dict, language: str) -> dict[str, int]:
    """Every spelled-out ordinal as written ("vingt et unième") and its value."""
    from num2words import num2words  # imported here: only the round rules need it

    respell = data["respell"].get(language, {})
    words = {}
    for value in range(1, data["max_ordinal"] + 1):
        word = num2words(value, lang=language, to="ordinal")
        for wrong, right in respell.items():
            word = word.replace(wrong, right)
        words[word] = value
    words.update({str(word): int(value) for word, value in data["extra_words"][language].items()})
    return words


def _atoms(word: str) -> list[str]:
    """Regex atoms of a spelled-out ordinal: accents optional, spaces and hyphens interchangeable."""
    atoms: list[str] = []
    for char in word:
        if char in " -":
            if atoms[-1:] != [r"[\s-]+"]:
                atoms.append(r"[\s-]+")
        else:
            bare = strip_accents(char)
            atoms.append(f"[{char}{bare}]" if bare != char else re.escape(char))
    return atoms


def _trie_pattern(words: list[str]) -> str:
    """One regex for many words, factored by common prefixes: re tries an alternation of 200 words
    one by one at every offset, a trie only the branches of the first letter."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for atom in _atoms(word):
            node = node.setdefault(atom, {})
        node[""] = {}  # a word ends here

    def emit(node: dict[str, dict]) -> str:
        branches = [atom + emit(child) for atom, child in node.items() if atom]
        if not branches:
            return ""
        ends = "" in node
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body  # greedy: "premiers" before "premier"

    return emit(trie)


def _roman_value(numeral: str) -> int | None:
    values = [_ROMAN[c] for c in numeral.upper()]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total if _to_roman(total) == numeral.upper() else None  # "IIII", "VX": not numerals


def _to_roman(value: int) -> str:
    digits = [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for size, numeral in digits:
        count, value = divmod(value, size)
        text += numeral * count
    return text


def _words_regex(words: list[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){alternation(words)}(?!\w)", re.IGNORECASE)


def _fragments(fragments: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{f})" for f in fragments), re.IGNORECASE)


@cache
def _round_rules(language: str) -> _RoundRules:
    data = load_rule_data("ordinals")
    spelled_words = _spelled_ordinals(data, language)
    spelled = _trie_pattern(list(spelled_words))
    suffixes = alternation(data["digit_suffixes"][language])
    ordinal = rf"(?:(?P<word>{spelled})|(?P<digits>\d{{1,2}}){suffixes})"
    nouns = alternation(data["talk_nouns"][language])
    stops = alternation(data["gap_stops"][language])
    gap = rf"(?P<gap>(?:(?!{stops}(?![\w'-]))[\w'-]+\s+){{0,{data['max_gap_words']}}}?)"
    numbered = alternation(data["numbered_nouns"][language])
    return _RoundRules(
        ordinal_first=_compile(rf"{ordinal}\s+{gap}(?P<noun>{nouns})"),
        number_after=_compile(
            rf"(?P<noun>{numbered})\s+(?P<number>\d{{1,2}}|{_ROMAN_NUMERAL})|(?-i:R)(?P<short>\d{{1,2}})"),
        series=re.compile(
            rf"(?<![\w-])(?:{alternation(data['series_prefixes'])}\s?-?(?P<prefixed>\d{{1,2}})"
            rf"|(?P<venue>{_CAPITALISED}(?:-{_CAPITALISED})?)(?:\s(?P<roman>{_ROMAN_NUMERAL})|-(?P<seq>\d{{1,2}})))(?![\w-])"),
        document=_words_regex(data["document_nouns"][language]),
        series_max_paragraph=data["series_max_paragraph"],
        personal_before=_fragments(data["personal_before"][language]),
        personal_after=_fragments(data["personal_after"][language]),
        words={_ordinal_key(word): value for word, value in spelled_words.items()},
        preceding=re.compile(
            rf"(?<!\w){alternation(data['preceding_words'][language])}\W+(?:[\w'’]+\W+){{0,2}}$", re.IGNORECASE),
        since=_words_regex(data["since_words"][language]),
        record_adjective=_words_regex(data["record_adjectives"][language]),
        sitting=_words_regex(data["sitting_words"][language]),
        first_is_record=_words_regex(data["first_is_record"][language]),
        duration=_fragments(data["duration"][language]),
        superlative=_fragments(data["superlative"][language]),
        part_of=_fragments(data["part_of"][language]),
        plan_after=_fragments(data["plan_after"][language]),
        window_break=_fragments(data["window_breaks"][language]),
        window_words=data["after_window_words"],
    )


def _mention(match: re.Match[str], rules: _RoundRules) -> _RoundMention | None:
    value = rules.words.get(_ordinal_key(match["word"])) if match["word"] is not None else int(match["digits"])
    if not value:  # an ordinal the folding cannot map back, or "0th": not evidence
        return None
    return _RoundMention(match.start(), match.end(), value, match["gap"] or "", match["noun"])


def _numbered_mention(match: re.Match[str]) -> _RoundMention | None:
    number = match["number"] or match["short"]
    value = int(number) if number.isdigit() else _roman_value(number)
    return _RoundMention(match.start(), match.end(), value, "", match["noun"] or "R") if value else None


def _series_mention(match: re.Match[str], text: str, rules: _RoundRules,
                    is_place: Callable[[str], bool] | None) -> _RoundMention | None:
    """ "COP21", or a known place and a number ("Genève II", "Astana-13") that names no document."""
    if match["prefixed"]:
        return _RoundMention(match.start(), match.end(), int(match["prefixed"]), "", "")
    if is_place is None or not is_place(match["venue"]):
        return None
    before = " ".join(text[: match.start()].split()[-3:])
    after = " ".join(text[match.end() :].split()[:2])
    if rules.document.search(before) or rules.document.search(after):
        return None
    value = int(match["seq"]) if match["seq"] else _roman_value(match["roman"])
    return _RoundMention(match.start(), match.end(), value, "", "") if value else None


def _mentions(sentence: Sentence, rules: _RoundRules, is_place: Callable[[str], bool] | None) -> list[_RoundMention]:
    found = [_mention(match, rules) for match in sentence.finditer(rules.ordinal_first)]
    found += [_numbered_mention(match) for match in sentence.finditer(rules.number_after)]
    if sentence.paragraph <= rules.series_max_paragraph:
        text = sentence.text
        found += [_series_mention(match, text, rules, is_place) for match in rules.series.finditer(text)]
    return sorted((m for m in found if m), key=lambda m: m.start)


def _window_after(text: str, mention: _RoundMention, following: int, rules: _RoundRules) -> str:
    """The words after the noun phrase that may still speak of its meeting (its predicate, an apposition)."""
    rest = text[mention.end : following]
    cut = rules.window_break.search(rest)
    rest = rest[: cut.start()] if cut else rest
    words = re.findall(r"\S+", rest)[: rules.window_words]
    return " ".join(words)


def _is_record(text: str, mention: _RoundMention, after: str, rules: _RoundRules) -> bool:
    """ "The first talks since March", "their second meeting in three weeks", "the first round to be
    hosted by Norway", "the first direct talks", "the second in-person summit": a record or the count
    of a subset, not a place in the series."""
    words = after.split()
    near = " ".join(words[:2])
    if rules.duration.search(" ".join(words[:8])) or rules.superlative.search(after):
        return True
    if rules.record_adjective.search(mention.gap) or rules.record_adjective.match(near):
        return True
    if rules.personal_before.search(text[: mention.start]) or rules.personal_after.search(after):
        return True  # "her first summit as leader": one person's count
    return mention.value == 1 and bool(rules.since.search(after) or rules.first_is_record.search(mention.noun))


def _is_sitting(mention: _RoundMention, after: str, rules: _RoundRules) -> bool:
    """ "La première séance plénière", "the first plenary session": a sitting of the meeting."""
    return bool(rules.sitting.search(mention.gap) or rules.sitting.match(" ".join(after.split()[:3])))


def _round_mentions(sentence: Sentence, language: str, rules: _RoundRules,
                    is_place: Callable[[str], bool] | None) -> list[int]:
    """The ordinals of this sentence that number the reported meeting in its series."""
    text = sentence.text
    mentions = _mentions(sentence, rules, is_place)
    kept = []
    for index, mention in enumerate(mentions):
        following = mentions[index + 1].start if index + 1 < len(mentions) else len(text)
        if index + 1 < len(mentions) and rules.part_of.search(text[mention.end : following]):
            continue  # "première séance du deuxième round": the séance is part of round 2
        clause = clause_at(sentence, mention.start)
        before = text[max(0, text.rfind(clause, 0, mention.start + 1)) : mention.start]
        after = _window_after(text, mention, following, rules)
        if _is_background(before + " … " + after, language) or rules.plan_after.search(after):
            continue
        if rules.preceding.search(text[: mention.start]):
            continue
        if _is_record(text, mention, after, rules) or _is_sitting(mention, after, rules):
            continue
        kept.append(mention.value)
    return kept


def extract_round(text: str, language: str, is_place: Callable[[str], bool] | None = None
                  ) -> tuple[int | None, float]:
    """The ordinal the text gives its main meeting within its series ("deuxième session" → 2,
    "35e sommet" → 35, "round 7" → 7), or None.

    Not the reported meeting's: ordinals whose clause is about an earlier meeting or a plan ("after
    the third round", "a fourth round is planned"), records ("the first talks since March", "their
    second meeting in three weeks"), and the part of a meeting ("la première séance du deuxième round": 2).
    ``is_place`` tells a venue, for series named by their venue ("Genève II"); without it they are not read.
    """
    language = _language(language)
    rules = _round_rules(language)
    scores: dict[int, float] = {}
    for sentence in split_sentences(text):
        for value in _round_mentions(sentence, language, rules, is_place):
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
