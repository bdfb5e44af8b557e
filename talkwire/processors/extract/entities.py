"""Entities of one article: gazetteer hits, NER spans and demonyms, normalised and counted.

People outside the gazetteer are merged across spellings within the article: the surname (last
word, accent-folded) is compared with rapidfuzz, "M. Podoliak" joins "Mikhaïlo Podoliak", and the
longest full form becomes the canonical name.
"""

from __future__ import annotations

import re

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

from rapidfuzz import fuzz
from spacy.tokens import Doc, Span

from talkwire.processors.extract.gazetteer import LANGUAGES, Gazetteer, GazetteerEntry, fold
from talkwire.processors.records import EntityMention, PersonSpan
from talkwire.settings import Limits

SURNAME_SIMILARITY = 85.0
_T = TypeVar("_T")


@dataclass
class _Tally:
    entry: GazetteerEntry
    surfaces: list[str] = field(default_factory=list)
    mentions: int = 0
    first_offset: int = 0

    def see(self, surface: str, offset: int) -> None:
        if surface not in self.surfaces:
            self.surfaces.append(surface)
        self.first_offset = offset if self.mentions == 0 else min(self.first_offset, offset)
        self.mentions += 1

    def to_mention(self) -> EntityMention:
        entry = self.entry
        return EntityMention(kind=entry.kind, canonical=entry.canonical, name=entry.name,
                             surface_forms=self.surfaces, mentions=self.mentions,
                             first_offset=self.first_offset, country=entry.country, region=entry.region)


@dataclass(frozen=True)
class _NameSpan:
    start: int
    end: int
    text: str


def extract_entities(doc: Doc, language: str, gazetteer: Gazetteer, limits: Limits
                     ) -> tuple[list[EntityMention], list[PersonSpan]]:
    """Entity mentions (sorted by first offset) and the located person mentions of ``doc``."""
    tallies: dict[str, _Tally] = {}
    people: list[tuple[_NameSpan, GazetteerEntry]] = []
    unknown_names: list[_NameSpan] = []
    honorifics = {fold(h) for h in gazetteer.words("honorifics", language)}
    other_bearers = _unknown_surnames(doc)
    for ent in doc_ents(doc):
        entry = gazetteer.entry(ent.ent_id_) if ent.ent_id_ else gazetteer.lookup(ent.text)
        if entry is not None and entry.kind == "person" and len(ent) == 1 and fold(ent.text) in other_bearers:
            entry = None  # a lone "Dacic" where "Zoran Dacic" is named: him, not the gazetteer's Ivica Dacic
        if entry is None and ent.label_ == "PER":
            name = _name_extent(ent, honorifics)
            if name is not None and not _names_no_person(name.text, gazetteer):
                unknown_names.append(name)
            continue
        if entry is None and ent.label_ == "LOC":
            entry = GazetteerEntry("place", ent.text, ent.text)
        if entry is None:
            continue
        _tally(tallies, entry, ent.text, ent.start_char)
        if entry.kind == "person":
            people.append((_NameSpan(ent.start_char, ent.end_char, ent.text), entry))
    _tally_demonyms(doc, language, gazetteer, tallies)
    for span, entry in _resolve_unknown_people(unknown_names, [entry for _, entry in people]):
        _tally(tallies, entry, span.text, span.start)
        people.append((span, entry))
    mentions = sorted((t.to_mention() for t in tallies.values()), key=lambda m: (m.first_offset, m.canonical))
    spans = sorted((PersonSpan(start=s.start, end=s.end, canonical=e.canonical, party=e.country) for s, e in people),
                   key=lambda p: p.start)
    return mentions[: limits.max_entities], spans[: limits.max_entities]


def _unknown_surnames(doc: Doc) -> set[str]:
    """The last words of the full names of people the gazetteer does not know."""
    return {fold(ent[-1].text) for ent in doc_ents(doc) if ent.label_ == "PER" and not ent.ent_id_ and len(ent) > 1}


def _tally(tallies: dict[str, _Tally], entry: GazetteerEntry, surface: str, offset: int) -> None:
    tallies.setdefault(entry.id, _Tally(entry)).see(surface, offset)


@dataclass(frozen=True)
class DemonymMention:
    start: int
    end: int
    text: str
    code: str  # the state or organisation the adjective refers to


_TEXT_KEY = "talkwire.text"


def _per_doc(doc: Doc, key: str, make: Callable[[], _T]) -> _T:
    """``make()``, computed once per Doc and kept in ``doc.user_data`` under ``key`` (the pipeline is
    done with the Doc by then: its tokens and entities no longer change)."""
    if key not in doc.user_data:
        doc.user_data[key] = make()
    return doc.user_data[key]


def doc_text(doc: Doc) -> str:
    """``doc.text``, which spaCy joins from the tokens on every access."""
    return _per_doc(doc, _TEXT_KEY, lambda: doc.text)


def remember_text(doc: Doc, text: str) -> Doc:
    """Keeps ``text``, the string ``doc`` was built from, as its ``doc_text``: spaCy would join it
    from the tokens, a Python object each."""
    doc.user_data[_TEXT_KEY] = text
    return doc


def doc_ents(doc: Doc) -> tuple[Span, ...]:
    """``doc.ents``, which spaCy builds anew on every access."""
    return _per_doc(doc, "talkwire.ents", lambda: doc.ents)


def demonym_mentions(doc: Doc, language: str, gazetteer: Gazetteer) -> list[DemonymMention]:
    """Words such as 'ukrainienne' or 'Russian' outside gazetteer names, found once per Doc (the
    entities and the parties both read them)."""
    return _per_doc(doc, "talkwire.demonyms", lambda: _find_demonyms(doc, language, gazetteer))


_WORD = re.compile(r"[^\W\d_]+")  # a run of letters: what spaCy's is_alpha tokens are


def _find_demonyms(doc: Doc, language: str, gazetteer: Gazetteer) -> list[DemonymMention]:
    """Read from the text's words, not the Doc's tokens: a pass over the tokens makes a Python object
    of each, and was a third of the rules' time. Two words joined by a space or a hyphen are one
    demonym when the pair is one ("nord-coréen", "Turkish Cypriot" before "Turkish")."""
    text = doc_text(doc)
    taken = [(ent.start_char, ent.end_char) for ent in doc_ents(doc) if ent.ent_id_]
    found: list[DemonymMention] = []
    words = list(_WORD.finditer(text))
    for index, word in enumerate(words):
        if found and word.start() < found[-1].end:
            continue  # the second word of a pair
        start, end = word.start(), word.end()
        following = words[index + 1] if index + 1 < len(words) else None
        pair = text[start:following.end()] if following and following.start() - end == 1 else None
        code = gazetteer.demonym(pair, language) if pair else None  # "nord-coréen", "Turkish Cypriot"
        if code:
            end = following.end()
        else:
            code = gazetteer.demonym(word.group(), language)
        if code and not any(a <= start < b for a, b in taken):
            found.append(DemonymMention(start, end, text[start:end], code))
    return found


def _tally_demonyms(doc: Doc, language: str, gazetteer: Gazetteer, tallies: dict[str, _Tally]) -> None:
    for mention in demonym_mentions(doc, language, gazetteer):
        entry = gazetteer.entry(f"country:{mention.code}") or gazetteer.entry(f"organisation:{mention.code}")
        if entry:
            _tally(tallies, entry, mention.text, mention.start)


def _name_extent(ent: Span, honorifics: set[str]) -> _NameSpan | None:
    """The name a span the NER read as a person holds: without a leading honorific or lower-case word,
    nor a trailing lower-case one ("Abdallah II de" before "Jordanie"), and with the rest of a
    hyphenated given name the model cut short ("Moon Jae" of "Moon Jae-in")."""
    tokens = list(ent)
    while tokens and (fold(tokens[0].text) in honorifics or not tokens[0].text[:1].isupper()):
        tokens.pop(0)
    while tokens and not tokens[-1].text[:1].isupper():
        tokens.pop()
    if not tokens:
        return None
    doc, last = ent.doc, tokens[-1].i
    while (last + 2 < len(doc) and not doc[last].whitespace_ and doc[last + 1].text == "-"
           and not doc[last + 1].whitespace_ and doc[last + 2].is_alpha):
        last += 2
    name = doc[tokens[0].i : last + 1]  # Doc.text would rebuild the whole text
    return _NameSpan(name.start_char, name.end_char, name.text)


def _names_no_person(text: str, gazetteer: Gazetteer) -> bool:
    """Whether a span the NER read as a person names a building, a body or a newspaper instead
    ("St George's Hall", "Loya Jirga", "Rodong Sinmun", "El Laguito")."""
    words = fold(text).split(" ")
    buildings, openers = _non_person_words(gazetteer)
    return words[0] in openers or any(word in buildings for word in words)


@cache
def _non_person_words(gazetteer: Gazetteer) -> tuple[frozenset[str], frozenset[str]]:
    return tuple(frozenset(fold(word) for language in LANGUAGES for word in gazetteer.words(key, language))
                 for key in ("non_person_words", "non_name_openers"))


def _surname(name: str) -> str:
    return fold(name).split(" ")[-1]


def _resolve_unknown_people(names: list[_NameSpan], known: list[GazetteerEntry]
                            ) -> list[tuple[_NameSpan, GazetteerEntry]]:
    """Each unknown name mapped to one person: a known one with the same surname, else a merged group
    that has at least one full (multi-word) name."""
    groups: list[list[_NameSpan]] = []
    for name in sorted(names, key=lambda n: (-len(n.text.split()), n.start)):
        group = next((g for g in groups if _same_person(name.text, g[0].text)), None)
        if group is None:
            groups.append([name])
        else:
            group.append(name)
    resolved: list[tuple[_NameSpan, GazetteerEntry]] = []
    for group in groups:
        entry = next((k for k in known if _same_person(group[0].text, k.canonical)), None)
        if entry is None and all(" " not in n.text for n in group):
            continue  # a lone capitalised word ("République") is no person unless a full name backs it
        if entry is None:
            canonical = max((n.text for n in group), key=lambda t: (len(t.split()), len(t)))
            entry = GazetteerEntry("person", canonical, canonical)
        resolved.extend((name, entry) for name in group)
    return resolved


def _same_person(name: str, other: str) -> bool:
    """Same surname (fuzzy), and same first initial when both carry a first name."""
    if fuzz.ratio(_surname(name), _surname(other)) < SURNAME_SIMILARITY:
        return False
    first, other_first = fold(name).split(" "), fold(other).split(" ")
    return len(first) == 1 or len(other_first) == 1 or first[0][:1] == other_first[0][:1]
