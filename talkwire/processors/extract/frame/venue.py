"""The venue of the event: the place named after a venue preposition, preferring sentences that
speak of the event and the title/lead; a place opening a title ("Krementchouk, la ville…") or a
dateline ("MADRID (AFP) -") is a weak venue.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.tokens import Doc, Span

from talkwire.processors.extract.entities import doc_ents
from talkwire.processors.extract.event_type import NO_VENUE_TYPES, landmark_before
from talkwire.processors.extract.frame.cues import Cues, context_before, ends_with, sentence_at
from talkwire.processors.extract.gazetteer import Gazetteer, GazetteerEntry, fold
from talkwire.processors.extract.rule_text import Sentence, zone_weight
from talkwire.processors.records import Location

WEAK_VENUE = 0.5  # a place opening the title or the dateline, without a venue preposition
LANDMARK_CHARS = 50  # how far before a "conférence de X" a landmark word ("avant la") is looked for,
LANDMARK_WORDS = 4  # and how many words may stand between ("depuis la nuit de négociations de Minsk")
# after the place: ", June 27", then up to two parentheses, the first of which may name the country
# ("ELMAU (Allemagne) (AFP) -"), then a dash
_DATELINE = re.compile(r"\A(?:,[^\n()]{0,40})?\s*(?:\(([^)\n]{1,25})\)\s*)?(?:\([^)\n]{1,25}\)\s*)?[-–—]\s")
_DATELINE_WORDS = re.compile(r"\A([A-ZÀ-Ý][\w'’ .-]{1,40}?)(?=\s*(?:,|\(|[-–—]\s))")


def find_location(doc: Doc, text: str, gazetteer: Gazetteer, sentences: list[Sentence], cues: Cues, event_type: str,
                  language: str) -> tuple[Location, float]:
    """The venue of the country whose mentions score most together (a dateline then tips "zones in
    Syria" against "the ceremony in Kazakhstan"): its best-scored mention, a country refined to the
    best venue named inside it."""
    if event_type in NO_VENUE_TYPES:
        return Location(), 1.0
    candidates: list[tuple[float, GazetteerEntry]] = []
    ents = doc_ents(doc)
    mentions = [(ent.start_char, entry, _venue_weight(text, ent, cues, entry, sentences, gazetteer, language))
                for ent in ents if (entry := _place_or_country(ents, ent, gazetteer, text, language))]
    mentions += _dateline(text, sentences, gazetteer)
    for start, entry, venue_weight in mentions:
        if not venue_weight:
            continue
        sentence = sentence_at(sentences, start)
        score = venue_weight * (zone_weight(sentence.paragraph) if sentence else 1.0)
        if sentence and set(fold(sentence.text).split(" ")) & cues.event_nouns:
            score *= 2.0
        candidates.append((score * (1.5 if entry.kind == "place" else 1.0), entry))
    if not candidates:
        return Location(), 0.0
    by_country: Counter[str] = Counter()
    for score, entry in candidates:
        by_country[_country_key(entry)] += score
    score, entry = max(candidates, key=lambda c: (by_country[_country_key(c[1])], c[0]))  # max keeps the earliest
    if entry.kind == "country":
        inside = [c for c in candidates if c[1].kind == "place" and c[1].country == entry.canonical]
        if not inside:
            return Location(country=entry.canonical), score
        entry = max(inside, key=lambda c: c[0])[1]
    return Location(place=entry.name, region=entry.region, country=entry.country), score


def _country_key(entry: GazetteerEntry) -> str:
    """The country a venue candidate is in (an unknown place in no known country: itself)."""
    return entry.canonical if entry.kind == "country" else entry.country or f"place:{entry.canonical}"


def _place_or_country(ents: tuple[Span, ...], ent: Span, gazetteer: Gazetteer, text: str,
                      language: str) -> GazetteerEntry | None:
    entry = gazetteer.entry(ent.ent_id_) if ent.ent_id_ else gazetteer.lookup(ent.text)
    name = ent.text.strip()  # NER spans may swallow a paragraph break
    # A nationality taken for a place ("Lettre aux Français") is no venue.
    if entry is None and ent.label_ == "LOC" and name[:1].isupper() and not gazetteer.is_demonym(name):
        country = (_country_after(ents, ent.end_char, gazetteer)
                   or _demonym_before(text, ent.start_char, gazetteer, language))
        return GazetteerEntry("place", name, name, country)
    return entry if entry and entry.kind in ("place", "country") else None


_OF_BEFORE = re.compile(r"((?:\w+\s+){1,3})(?:of|de|d)\s*$")  # on folded text: "lebanese border town of"


def _demonym_before(text: str, start: int, gazetteer: Gazetteer, language: str) -> str | None:
    """The country of a demonym a few words before an unknown place and "of" ("the southern Lebanese
    town of Naqoura", "la ville syrienne de Kobané")."""
    words = _OF_BEFORE.search(fold(text[max(0, start - 50):start]))
    codes = [gazetteer.demonym(word, language) for word in words.group(1).split()] if words else []
    return next((code for code in codes if code), None)


def _venue_weight(text: str, ent: Span, cues: Cues, entry: GazetteerEntry, sentences: list[Sentence],
                  gazetteer: Gazetteer, language: str) -> float:
    """How surely the mention names a venue: 2 for "sommet de X"/"X summit" (a city's), 1 after "à"/"in",
    WEAK_VENUE for a place opening the title ("Krementchouk, la ville sous le choc"), else 0; none
    for the venue of a landmark event ("six mois avant la conférence de Paris")."""
    before = context_before(text, ent.start_char)
    after = text[ent.end_char:ent.end_char + 30]
    if ends_with(before, cues.non_venue) or re.match(r"['’]s?\b", after):  # "at Ukraine's request"
        return 0.0
    if entry.kind == "country" and fold(ent.text) not in gazetteer.seats and cues.non_venue_country.end(before):
        return 0.0  # "accordé à l'Ukraine" (but "à l'Élysée")
    next_word = re.match(r"\W*(\w*)", fold(after)).group(1)
    # "Istanbul talks" names the venue; "Syria talks" the matter of the talks
    if ends_with(before, cues.venue_before) or (next_word in cues.venue_after and entry.kind == "place"):
        preceding = text[max(0, ent.start_char - LANDMARK_CHARS):ent.start_char]
        return 0.0 if landmark_before(language, LANDMARK_WORDS).search(preceding) else 2.0
    if ends_with(before, cues.venue):
        return 1.0
    opens_title = bool(sentences) and sentences[0].paragraph == 0 and ent.start_char == sentences[0].start
    return WEAK_VENUE if opens_title and not entry.seat_of and re.match(r"\s*[,:]", after) else 0.0


def _dateline(text: str, sentences: list[Sentence], gazetteer: Gazetteer) -> list[tuple[int, GazetteerEntry, float]]:
    """The place of a dateline opening the first body paragraph ("KYIV, June 27 (Reuters) -"); a place
    the gazetteer lacks, in the country the dateline gives ("ELMAU (Allemagne) (AFP) -")."""
    body = next((s for s in sentences if s.paragraph == 1), None)
    words = _DATELINE_WORDS.match(text[body.start:body.start + 60]) if body else None
    tail = _DATELINE.match(text[body.start + words.end():body.start + words.end() + 60]) if words else None
    if tail is None:
        return []
    entry = gazetteer.lookup(words.group(1))
    if entry is None or entry.kind not in ("place", "country"):
        country = gazetteer.lookup(tail.group(1)) if tail.group(1) else None
        if country is None or country.kind != "country":
            return []
        name = words.group(1).title() if words.group(1).isupper() else words.group(1)
        entry = GazetteerEntry("place", name, name, country.canonical)
    return [(body.start, entry, WEAK_VENUE)]


def _country_after(ents: tuple[Span, ...], offset: int, gazetteer: Gazetteer) -> str | None:
    """The country named right after an unknown place ("à Bakou, en Azerbaïdjan")."""
    for ent in ents:
        if offset <= ent.start_char <= offset + 20:
            entry = gazetteer.entry(ent.ent_id_) if ent.ent_id_ else None
            return entry.canonical if entry and entry.kind == "country" else None
    return None
