"""Shared ground for the text rules (dates, quotes, event type, round, outcomes).

The rules read their word lists from YAML under ``talkwire/data/`` and look at the article
sentence by sentence, knowing which paragraph a sentence is in: the title and the lead
(paragraphs 0 and 1) carry the main event, later paragraphs background and reactions.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from re import _constants as sre, _parser  # re's own pattern parser (private; Python is pinned to 3.11)
from typing import Any, TypeVar

from talkwire.processors.data_files import load_data


T = TypeVar("T")
# Score at which a rule's confidence saturates: one strong trigger in the lead (4 x 2) is fairly sure.
_CONFIDENCE_SCALE = 8.0

# Abbreviations whose final dot does not end a sentence ("M. Podoliak", "Mr. Lavrov", "J.").
_ABBREVIATION = re.compile(r"(?:\b(?:M|Mme|Mmes|MM|Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Prof|No|Jan|Feb|Aug|Sept|Oct|Nov|Dec|vs|etc)|\b[A-ZÀ-Ý])\.$")
_SENTENCE_END = re.compile(r"[.!?…]+[\"»”)]?(?=\s+[\"«“(]?[A-ZÀ-Ý0-9])")
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s")
# Quote marks that open/close a quoted span, for sentence splitting and quote extraction.
QUOTE_PAIRS = {"«": "»", "“": "”", '"': '"'}
_QUOTE_MARK = re.compile(f"[{re.escape(''.join(QUOTE_PAIRS.keys() | QUOTE_PAIRS.values()))}]")
# Characters that str.lower() maps to one character, the one re.IGNORECASE compares them by
# (not so for "İ", "ı", "ſ", "µ", the Kelvin sign, Greek...): Latin-1 and Latin Extended-A but those,
# general punctuation, currency signs.
_NOT_PLAIN = re.compile(r"[^\x00-\xb4\xb6-\u012f\u0132-\u017e\u2000-\u206f\u20a0-\u20cf]")
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int
    lowered: str | None = None  # plain_lower(text), for the literal prefilter

    def finditer(self, pattern: Prefiltered) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.text, self.lowered)

    def search(self, pattern: Prefiltered) -> re.Match[str] | None:
        return pattern.search(self.text, self.lowered)


@dataclass(frozen=True)
class Prefiltered:
    """A compiled pattern and the lower-cased strings one of which each of its matches holds (None:
    unknown). A substring test rules the pattern out far cheaper than an IGNORECASE search, which
    tries the whole pattern at every offset; ``search``/``finditer`` take the ``plain_lower`` of the
    text to use it."""

    pattern: re.Pattern[str]
    literals: tuple[str, ...] | None

    @classmethod
    def compile(cls, pattern: str, flags: int = re.IGNORECASE) -> Prefiltered:
        compiled = re.compile(pattern, flags)
        return cls(compiled, _required_literals(compiled))

    def may_match(self, lowered: str | None) -> bool:
        """False only if the pattern cannot match the text that ``plain_lower`` gave ``lowered`` for."""
        if lowered is None or self.literals is None:
            return True
        for literal in self.literals:  # not any(...): no generator to set up, in the hottest loop
            if literal in lowered:
                return True
        return False

    def may_occur(self, text: str, lowered: str | None) -> bool:
        """Whether the pattern may match ``text``: the prefilter's answer, or a search without it."""
        return self.may_match(lowered) if lowered is not None else self.pattern.search(text) is not None

    def search(self, text: str, lowered: str | None = None) -> re.Match[str] | None:
        return self.pattern.search(text) if self.may_match(lowered) else None

    def finditer(self, text: str, lowered: str | None = None) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.may_match(lowered) else iter(())


def load_rule_data(name: str) -> dict[str, Any]:
    """The parsed YAML file ``talkwire/data/<name>.yaml`` (read once per process)."""
    return load_data(f"{name}.yaml")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def lookup_word(table: Mapping[str, T], surface: str) -> T | None:
    """The entry of a word that a case-insensitive pattern matched: by its lower-case form, else folded
    ("Jeudİ", "FİRST" and "ſecond" match "jeudi", "first" and "second", but lower() keeps İ's dot)."""
    key = surface.lower()
    if key in table:
        return table[key]
    bare = {strip_accents(k.casefold()): v for k, v in table.items()}
    return bare.get(strip_accents(surface.casefold()))


def accent_insensitive(word: str) -> str:
    """Regex alternation matching ``word`` with or without its accents."""
    bare = strip_accents(word)
    return re.escape(word) if bare == word else f"(?:{re.escape(word)}|{re.escape(bare)})"


def alternation(words: list[str]) -> str:
    """A non-capturing regex group of the words, longest first so that prefixes do not win."""
    return "(?:" + "|".join(accent_insensitive(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


def quote_spans(paragraph: str) -> list[tuple[int, int, str]]:
    """(start, end, opener) of the quoted spans of one paragraph, outer quotes only.

    Quote marks of another kind inside an open quote are ignored (nested quotes); an unclosed
    quote is dropped at the end of the paragraph.
    """
    spans: list[tuple[int, int, str]] = []
    opener: str | None = None
    start = 0
    for mark in _QUOTE_MARK.finditer(paragraph):  # other characters change nothing
        char, i = mark.group(), mark.start()
        if opener is None:
            if char in QUOTE_PAIRS:
                opener, start = char, i
        elif char == QUOTE_PAIRS[opener]:
            spans.append((start, i + 1, opener))
            opener = None
    return spans


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each non-empty paragraph (blocks separated by blank lines)."""
    found = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
        if match.group().strip():
            found.append((match.start(), match.group()))
    return found


def _is_abbreviation(text: str, end: int) -> bool:
    return bool(_ABBREVIATION.search(text[max(0, end - 6) : end]))


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets in ``text`` and paragraph index; quoted spans are never cut."""
    return list(_sentences(text))


@lru_cache(maxsize=8)  # every rule of the extractor splits the same article text
def _sentences(text: str) -> tuple[Sentence, ...]:
    sentences: list[Sentence] = []
    lowered = plain_lower(text)  # plain text lowers character for character: slices line up
    for index, (offset, paragraph) in enumerate(paragraphs(text)):
        quoted = quote_spans(paragraph)
        begin = 0
        for match in _SENTENCE_END.finditer(paragraph):
            cut = match.end()
            inside_quote = any(s < match.start() and cut < e for s, e, _ in quoted)
            if inside_quote or _is_abbreviation(paragraph, match.start() + 1):
                continue
            _append(sentences, text, lowered, offset + begin, offset + cut, index)
            begin = cut
        _append(sentences, text, lowered, offset + begin, offset + len(paragraph), index)
    return tuple(sentences)


def _append(sentences: list[Sentence], text: str, lowered: str | None, start: int, end: int, paragraph: int
            ) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(start, end, text[start:end], paragraph,
                                  None if lowered is None else lowered[start:end]))


def zone_weight(paragraph: int) -> float:
    """How much a match counts by where it is: title and lead weigh more than the body."""
    return {0: 3.0, 1: 2.0, 2: 1.25}.get(paragraph, 1.0)


@cache
def cue_pattern(kind: str, language: str) -> Prefiltered:
    """The compiled context cues of one kind (data/context_cues.yaml) for a language."""
    cues = load_rule_data("context_cues")[kind]
    fragments = cues.get(language) or cues["en"]
    return Prefiltered.compile("|".join(f"(?:{f})" for f in fragments))


def plain_lower(text: str) -> str | None:
    """``text.lower()`` if plain substring tests on it can stand in for case-insensitive matching."""
    return None if _NOT_PLAIN.search(text) else text.lower()


def _required_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-cased strings one of which every match of ``pattern`` contains, or None if unknown."""
    found = _required(_parser.parse(pattern.pattern, pattern.flags))
    if not found or any(_NOT_PLAIN.search(s) for s in found):
        return None
    literals = {s.lower() for s in found}
    return tuple(sorted(s for s in literals if not any(t in s for t in literals - {s})))  # "juil" covers "juillet"


def _required(items: _parser.SubPattern) -> set[str] | None:
    """The best-known required literals of a parsed sequence: its literal runs, its groups and
    repeated-at-least-once items; of those the set whose shortest string is longest."""
    options: list[set[str] | None] = []
    run = ""
    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        options.append({run} if run else None)
        run = ""
        if op is sre.SUBPATTERN:
            options.append(_required(av[-1]))
        elif op is sre.BRANCH:
            branches = [_required(branch) for branch in av[1]]
            options.append(None if None in branches else set().union(*branches))
        elif op in _REPEATS and av[0] >= 1:
            options.append(_required(av[2]))
    options.append({run} if run else None)
    return max(filter(None, options), key=lambda option: min(map(len, option)), default=None)


def has_cue(text: str, kind: str, language: str) -> bool:
    return bool(cue_pattern(kind, language).search(text, plain_lower(text)))


def is_background(text: str, language: str) -> bool:
    """About an earlier/another event or a plan, not the reported event."""
    return has_cue(text, "other_event", language) or has_cue(text, "future", language)


def rule_language(language: str) -> str:
    """The language whose rules read a text: French or English (the default)."""
    return language if language in ("fr", "en") else "en"


def word_rule(pattern: str) -> Prefiltered:
    """``pattern`` as whole words: neither end inside a word."""
    return Prefiltered.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


def rule_confidence(best: float, total: float) -> float:
    """The best score's share of all, damped while the best score itself is small."""
    if best <= 0 or total <= 0:
        return 0.0
    return round((best / total) * (1.0 - math.exp(-best / _CONFIDENCE_SCALE)), 3)


def clause_at(sentence: Sentence, offset: int) -> str:
    """The clause of ``sentence`` (between commas, colons, dashes…) holding sentence-relative ``offset``."""
    start, end = clause_span(sentence, offset)
    return sentence.text[start:end]


def clause_span(sentence: Sentence, offset: int) -> tuple[int, int]:
    """The sentence-relative (start, end) of the clause holding ``offset`` (see ``clause_at``)."""
    starts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(sentence.text) if m.end() <= offset]
    following = _CLAUSE_BREAK.search(sentence.text, offset)
    return starts[-1], following.start() if following else len(sentence.text)
