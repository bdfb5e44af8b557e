"""The round number of the reported event ("deuxième session", "round 7", "Genève II"), with the
fr/en ordinals of data/ordinals.yaml; a round of an earlier event or of a plan does not count."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from talkwire.processors.extract.rule_text import (
    Prefiltered,
    Sentence,
    alternation,
    is_background,
    load_rule_data,
    rule_confidence,
    rule_language,
    split_sentences,
    strip_accents,
    word_rule,
    zone_weight,
)

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
        ordinal_first=word_rule(rf"{ordinal}\s+{gap}(?P<noun>{nouns})"),
        number_after=word_rule(
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
        before = text[: mention.start]  # the whole sentence: "s'étaient déjà vus à Genève, pour leur première réunion"
        after = _window_after(text, mention, following, rules)
        if is_background(before + " … " + after, language) or rules.plan_after.search(after):
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
    language = rule_language(language)
    rules = _round_rules(language)
    scores: dict[int, float] = {}
    for sentence in split_sentences(text):
        for value in _round_mentions(sentence, language, rules, is_place):
            scores[value] = scores.get(value, 0.0) + zone_weight(sentence.paragraph)
    if not scores:
        return None, 0.0
    best = max(scores, key=lambda value: (scores[value], value))
    return best, rule_confidence(scores[best] * 2, sum(scores.values()) * 2)
