"""The event frame of one article: parties, venue and participants, plus the text rules' fields.

Parties are the states/organisations that act: named right after "entre"/"between"/"avec", a
demonym next to an actor noun ("délégation russe", "Russian Foreign Minister"), a possessive
("Ukraine's negotiator"), a capital or seat used as a metonym, the party of a participant. A
state named after a venue preposition ("au Bélarus") or a non-party cue ("frontière avec la
Pologne") does not count; a sentence about another event ("s'étaient déjà vus à Téhéran")
counts little. The location is the place named after a venue preposition, preferring sentences
that speak of the event and the title/lead; a place opening a title ("Krementchouk, la ville…")
or a dateline ("MADRID (AFP) -") is a weak venue. Labelling conventions: docs/labelling.md.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc, Span

from talkwire.processors.extract.entities import demonym_mentions, doc_ents, doc_text
from talkwire.processors.extract.event_type import NO_VENUE_TYPES, decide_event_type, event_type_scores
from talkwire.processors.extract.outcomes import extract_outcomes
from talkwire.processors.extract.rounds import extract_round
from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.extract.gazetteer import Gazetteer, GazetteerEntry, fold
from talkwire.processors.extract.participation import participation_scores, taking_part
from talkwire.processors.records import EventDate, EventFrame, Location, Participant, PersonSpan, Quote
from talkwire.processors.extract.rule_text import Sentence, has_cue, load_rule_data, split_sentences, zone_weight

CONTEXT_CHARS = 60  # how far before a mention its cue is looked for
STRONG_PARTY = 2.0
WEAK_PARTY = 0.3
NAMED_PARTY = 0.6  # a state/organisation named without any cue either way
PARTY_THRESHOLD = 2.5
PARTY_SHARE_OF_BEST = 0.3
MAX_PARTIES = 6
MAX_PARTICIPANTS = 10
MAX_ROLE_WORDS = 8
MAX_ROLE_PREFIX = 3  # words before a role's noun in an apposition ("the Taliban's deputy leader")
HOST_SIGNATORY_SHARE = 0.5  # a signing's or summit's host that scores this close to the best takes part
HOST_ACTING_TYPES = frozenset({"agreement_signing", "summit"})  # the host's leader signs/meets too
HOSTED_TYPES = HOST_ACTING_TYPES | {"negotiation_round", "ministerial_meeting"}  # meetings a host may only host
# the types reports number within their series (rounds, sessions, the nth summit): data/event_kinds.yaml
NUMBERED_TYPES = frozenset(name for name, kind in event_kinds().items() if kind.numbered)
# talks between leaders are a summit whatever the text calls them
MEETING_GUESSES = frozenset({"negotiation_round", "ministerial_meeting"})
WEAK_GUESSES = frozenset({"other", "incident"})  # ... and so is a leaders' meeting read as one of these on scant evidence
WEAK_TYPE_SCORE = 8.0  # one strong trigger in the lead
PRINCIPALS_CONFIDENCE = 0.5  # leaders (ministers) of two parties in the lead, meeting: a summit (ministerial meeting)
ATTACK_TYPES = frozenset({"incident"})  # the attacker is a party ("frappe russe")
BACKGROUND_FACTOR = 0.3  # a mention in a sentence about another event
WEAK_VENUE = 0.5  # a place opening the title or the dateline, without a venue preposition
LEAD_PARAGRAPHS = 1  # title (0) and lead (1)
_DATELINE = re.compile(r"\A(?:,[^\n()]{0,40})?\s*(?:\([^)\n]{1,25}\))?\s*[-–—]\s")
_DATELINE_WORDS = re.compile(r"\A([A-ZÀ-Ý][\w'’ .-]{1,40}?)(?=\s*(?:,|\(|[-–—]\s))")
_ARTICLES = re.compile(r"(?:\b(?:le|la|les|l|the|du|des|de|d|of)\s*)+$")  # on folded text
_CLAUSE_END = re.compile(r"[,;:.!?\"«»“”()\n]")
_POSSESSIVE = re.compile(r"^'s?\s+(\w+(?:\s+\w+)?)")
_ROLE_ARTICLE = re.compile(r"^(?:le|la|les|l['’]\w*|un|une|the|a|an)$", re.IGNORECASE)
_SERVES = re.compile(r"\b(?:to|of|for|de|du|d|aupres de|aupres du)\b")  # on folded text
_INITIAL_DOT = re.compile(r"\b([A-Z])\.")  # "U.S.", "U.N.": no sentence end
_PARTY_COMPLEMENT = re.compile(r"^,?\s+(?:of|from|de|du|des|d['’])\s*(?:the\s+|la\s+|l['’]|les\s+)?"
                               r"((?:[A-Z][\w'’.-]*\s?){1,4})")


@dataclass(frozen=True)
class _Actor:
    """A state/organisation reference in the text."""

    start: int
    end: int
    code: str
    how: str  # "name", "metonym", "demonym", or "venue_apposition" ("Antalya, Turkey": a location only)


@dataclass(frozen=True)
class _Endings:
    """Folded cue words that a folded context may end with: the whole context, or after a space."""

    words: frozenset[str]
    spaced: tuple[str, ...]  # " " + word: one str.endswith call tests them all

    @classmethod
    def of(cls, words: tuple[str, ...]) -> _Endings:
        return cls(frozenset(words), tuple(" " + word for word in words))

    def end(self, context: str) -> bool:
        return context in self.words or context.endswith(self.spaced)


@dataclass(frozen=True)
class _Cues:
    party: _Endings
    non_party: _Endings
    venue: _Endings
    actor_nouns: tuple[str, ...]
    role_nouns: tuple[str, ...]
    event_nouns: frozenset[str]
    conjunctions: tuple[str, ...]
    non_venue: _Endings
    venue_before: _Endings
    venue_after: tuple[str, ...]
    role_breakers: frozenset[str]
    role_qualifiers: frozenset[str]  # demonyms included
    posted_to: frozenset[str]
    role_start: re.Pattern[str]
    summit_before: _Endings
    summit_after: tuple[str, ...]
    leader_role: re.Pattern[str]
    delegation: re.Pattern[str]
    attacker_nouns: tuple[str, ...]
    parliament: re.Pattern[str]

    def joins(self, between: str) -> bool:
        """True when the text between two mentions only joins them ("et la", ", "), within one paragraph."""
        if "\n" in between:
            return False
        bare = _ARTICLES.sub("", fold(between).strip()).strip()
        return bare == "" or bare in self.conjunctions


def build_frame(doc: Doc, language: str, gazetteer: Gazetteer, people: list[PersonSpan],
                event_date: EventDate, *, quotes: list[Quote] = ()) -> EventFrame:
    """The event frame of the article whose text ``doc`` was built from."""
    text = doc_text(doc)
    cues = _cues(gazetteer, language)
    sentences = split_sentences(text)
    type_evidence = event_type_scores(text, language)
    event_type, type_confidence, reports_event = decide_event_type(type_evidence)
    outcomes, outcome_phrases = extract_outcomes(text, language)
    actors = _actors(doc, text, language, gazetteer, {fold(p.canonical).split(" ")[-1] for p in people})
    year = int(event_date.date[:4]) if event_date.date else None
    participants = _participants(text, people, gazetteer, language, cues, year)
    first_offset = _first_offsets(people)
    leaders_may_meet = event_type in MEETING_GUESSES or (
        event_type in WEAK_GUESSES and type_evidence.total.get(event_type, 0.0) < WEAK_TYPE_SCORE)
    if leaders_may_meet:
        principals = _principals_meeting(participants, first_offset, sentences, cues)
        if principals:  # the participants' roles say who met: leaders, a summit; ministers, a ministerial meeting
            event_type, reports_event = principals, True
            type_confidence = max(type_confidence, PRINCIPALS_CONFIDENCE)
    leaders = {p.name for p, _ in participants if p.role and cues.leader_role.search(fold(p.role))}
    inside = taking_part(participation_scores(text, language, people, {p.name: p.role for p, _ in participants},
                                              present=leaders if event_type == "summit" else set()))
    round_number, round_confidence = (
        extract_round(text, language, is_place=lambda name: _is_place(gazetteer, name))
        if event_type in NUMBERED_TYPES else (None, 1.0))
    party_scores = _party_scores(text, actors, participants, first_offset, sentences, cues, gazetteer, language,
                                 attack=event_type in ATTACK_TYPES)
    location, location_score = _location(doc, text, gazetteer, sentences, cues, event_type)
    speaker_party = _main_speaker_party(quotes)
    if event_type == "speech" and speaker_party:
        parties = [speaker_party]  # a speech is one speaker's act, and its audience's when a foreign parliament hears it
        if location.country and location.country != speaker_party and cues.parliament.search(fold(text)):
            parties = sorted({speaker_party, location.country})
    else:
        hosts = _summit_hosts(text, actors, cues) if event_type == "summit" else set()
        parties = _choose_parties(party_scores, event_type, location.country, hosts)
    return EventFrame(
        reports_event=reports_event,  # False: no event of the vocabulary (sport, markets, party politics)
        event_type=event_type,
        parties=parties,
        location=location,
        date=event_date.date,
        date_precision=event_date.precision,
        date_description=event_date.description,
        round=round_number,
        outcomes=outcomes,
        outcome_phrases=outcome_phrases,
        participants=[p for p, _ in participants if p.name in inside][:MAX_PARTICIPANTS],
        mentioned=[p for p, _ in participants if p.name not in inside][:MAX_PARTICIPANTS],
        confidence={
            "event_type": round(type_confidence, 3),
            "round": round(round_confidence, 3),
            "parties": _confidence([party_scores.get(p, 0.0) for p in parties], 2 * STRONG_PARTY * len(parties) or 1.0),
            "location": _confidence([location_score], 6.0),
            "participants": 1.0 if participants else 0.0,
        },
    )


def _is_place(gazetteer: Gazetteer, name: str) -> bool:
    """A city or venue of the gazetteer: a series named after it ("Genève II", "Astana-13") numbers a meeting."""
    entry = gazetteer.lookup(name)
    return entry is not None and entry.kind == "place"


def _confidence(scores: list[float], full: float) -> float:
    return round(min(1.0, sum(scores) / full), 3) if scores else 0.0


@cache
def _cues(gazetteer: Gazetteer, language: str) -> _Cues:
    def folded(name: str) -> tuple[str, ...]:
        return tuple(sorted({fold(w) for w in gazetteer.words(name, language)}, key=len, reverse=True))

    def endings(name: str) -> _Endings:
        return _Endings.of(folded(name))

    return _Cues(endings("party_cues"), endings("non_party_cues"), endings("venue_cues"), folded("actor_nouns"),
                 folded("role_nouns"), frozenset(folded("event_nouns")), folded("conjunctions"),
                 endings("non_venue_cues"), endings("venue_compounds_before"), folded("venue_compounds_after"),
                 frozenset(folded("role_breakers")),
                 frozenset(folded("role_qualifiers")) | frozenset(gazetteer.demonyms.get(language, {})) | {"s"},
                 frozenset(folded("posted_to")),
                 re.compile(rf"(?:{'|'.join(map(re.escape, folded('role_nouns')))})(?:e|s|es)?(?:\s|$)"),
                 endings("summit_host_before"), folded("summit_host_after"),
                 _word_pattern(folded("leader_roles")), _word_pattern(folded("delegation_words")),
                 folded("attacker_nouns"), _word_pattern(folded("parliaments")))


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the folded words, whole, in folded text."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)")


# --------------------------------------------------------------------------- parties


def _actors(doc: Doc, text: str, language: str, gazetteer: Gazetteer, surnames: set[str]) -> list[_Actor]:
    """State/organisation mentions; a country name that is also the surname of a person the article
    names (a bare "Hollande" after "François Hollande") is that person."""
    actors: list[_Actor] = []
    place_end = -1
    for ent in doc_ents(doc):
        entry = gazetteer.entry(ent.ent_id_) if ent.ent_id_ else gazetteer.lookup(ent.text)
        if entry and ent.text in gazetteer.surname_names and fold(ent.text) in surnames:
            continue
        if entry is None or entry.kind == "person":
            place_end = ent.end_char if entry is None and ent.label_ == "LOC" else -1
            continue
        if entry.kind in ("country", "organisation"):
            after_place = text[place_end:ent.start_char].strip(" ,") in ("", "en", "in") and place_end >= 0
            how = "venue_apposition" if after_place else "name"
            actors.append(_Actor(ent.start_char, ent.end_char, entry.canonical, how))
        elif entry.kind == "place" and entry.seat_of:
            actors.append(_Actor(ent.start_char, ent.end_char, entry.seat_of, "metonym"))
        place_end = ent.end_char if entry.kind == "place" else -1
    actors += [_Actor(m.start, m.end, m.code, "demonym") for m in demonym_mentions(doc, language, gazetteer)]
    return actors


def _before(text: str, start: int) -> str:
    """Folded text of the clause before ``start`` (articles kept; ``_ends_with`` skips them)."""
    clause = _CLAUSE_END.split(text[max(0, start - CONTEXT_CHARS):start])[-1]
    return fold(clause)


def _ends_with(context: str, endings: _Endings) -> bool:
    """True when the context ends with one of the words, with or without trailing articles."""
    return endings.end(context) or endings.end(_ARTICLES.sub("", context).rstrip())


def _actor_score(text: str, actor: _Actor, cues: _Cues, attack: bool = False) -> float:
    before = _before(text, actor.start)
    after = fold(text[actor.end:actor.end + 40])
    if actor.how == "demonym":
        near = before.split(" ")[-3:] + after.split(" ")[:3]
        joined_near = " " + " ".join(near) + " "
        nouns = cues.actor_nouns + cues.attacker_nouns if attack else cues.actor_nouns
        return STRONG_PARTY if any(f" {noun} " in joined_near for noun in nouns) else WEAK_PARTY
    if actor.how == "venue_apposition" or _ends_with(before, cues.non_party) or _ends_with(before, cues.venue):
        return 0.0
    possessive = _POSSESSIVE.match(text[actor.end:actor.end + 40])
    if possessive and fold(possessive.group(1)).split(" ")[0] in cues.actor_nouns:
        return STRONG_PARTY
    if _ends_with(before, cues.party) or any(after.startswith(word + " ") for word in cues.conjunctions if word != ","):
        return STRONG_PARTY
    return NAMED_PARTY


def _first_offsets(people: list[PersonSpan]) -> dict[str, int]:
    first: dict[str, int] = {}
    for span in people:
        first.setdefault(span.canonical, span.start)
    return first


def _in_lead(offset: int | None, sentences: list[Sentence]) -> bool:
    sentence = _sentence_at(sentences, offset) if offset is not None else None
    return sentence is not None and sentence.paragraph <= LEAD_PARAGRAPHS


def _principals_meeting(participants: list[tuple[Participant, bool]], first_offset: dict[str, int],
                        sentences: list[Sentence], cues: _Cues) -> str | None:
    """Talks whose principals are leaders (or else foreign ministers) of two or more parties, named
    in the title or lead with no delegation in sight: a summit (a ministerial meeting), however the
    text calls it ("Putin and Erdogan … talks")."""
    lead = fold(" ".join(s.text for s in sentences if s.paragraph <= LEAD_PARAGRAPHS))
    if cues.delegation.search(lead):
        return None
    for event_type, role in (("summit", cues.leader_role), ("ministerial_meeting", _minister_role())):
        parties = {p.party for p, _ in participants
                   if p.party and p.role and role.search(fold(p.role)) and _in_lead(first_offset.get(p.name), sentences)}
        if len(parties) >= 2:
            return event_type
    return None


@cache
def _minister_role() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{load_rule_data('event_types')['minister_roles']})(?!\w)")


def _party_scores(text: str, actors: list[_Actor], participants: list[tuple[Participant, bool]],
                  first_offset: dict[str, int], sentences: list[Sentence], cues: _Cues, gazetteer: Gazetteer,
                  language: str, *, attack: bool = False) -> dict[str, float]:
    """Evidence per code; a known figure named in the title or lead acts as surely as one given a role;
    in an attack, the side whose weapons or forces strike acts too ("missile russe")."""
    scores: dict[str, float] = {}

    def weight(offset: int) -> float:
        sentence = _sentence_at(sentences, offset)
        if sentence is None:
            return zone_weight(99)
        background = has_cue(sentence.text, "other_event", language)
        return zone_weight(sentence.paragraph) * (BACKGROUND_FACTOR if background else 1.0)

    previous: tuple[_Actor, float] | None = None
    for actor in sorted(actors, key=lambda a: a.start):
        score = _actor_score(text, actor, cues, attack)
        if previous and actor.how != "demonym" and cues.joins(text[previous[0].end:actor.start]):
            score = previous[1]  # "vers la Pologne et la Moldavie": a conjunct shares its head's standing
        scores[actor.code] = scores.get(actor.code, 0.0) + score * weight(actor.start)
        previous = (actor, score)
    for participant, has_role in participants:
        if participant.party:
            offset = first_offset.get(participant.name, 10**9)
            known = gazetteer.entry(f"person:{participant.name}") is not None
            acts = has_role or (known and _in_lead(offset, sentences))
            bonus = (STRONG_PARTY if acts else WEAK_PARTY) * weight(offset)
            scores[participant.party] = scores.get(participant.party, 0.0) + bonus
    return scores


def _main_speaker_party(quotes: list[Quote]) -> str | None:
    counts = Counter(q.speaker_party for q in quotes if q.speaker_party)
    return counts.most_common(1)[0][0] if counts else None


def _summit_hosts(text: str, actors: list[_Actor], cues: _Cues) -> set[str]:
    """Organisations holding their own summit ("sommet de l'Otan", "G7 leaders", "NATO summit")."""
    hosts = set()
    for actor in actors:
        if actor.how != "name":
            continue
        after = re.match(r"\W*(\w*)", fold(text[actor.end:actor.end + 30])).group(1)
        if _ends_with(_before(text, actor.start), cues.summit_before) or after in cues.summit_after:
            hosts.add(actor.code)
    return hosts


def _choose_parties(scores: dict[str, float], event_type: str, host: str | None, summit_hosts: set[str]) -> list[str]:
    """Codes scored as acting, then the event type's shape: a call has two ends, an organisation's
    summit is the organisation's, and a host country only hosts a meeting when others meet on its
    soil, unless its own leader signs or meets (a summit or signing where it scores near the best)."""
    if not scores:
        return []
    best = max(scores.values())
    ranked = sorted(scores, key=lambda code: -scores[code])
    chosen = [c for c in ranked if scores[c] >= PARTY_THRESHOLD and scores[c] >= PARTY_SHARE_OF_BEST * best]
    chosen = chosen or [c for c in ranked[:1] if scores[c] >= PARTY_THRESHOLD / 2]  # a faint actor beats none
    if event_type == "phone_call":
        chosen = chosen[:2]
    organisations = [c for c in chosen if c in summit_hosts]
    if event_type == "summit" and organisations:
        chosen = organisations
    others = [c for c in chosen if c != host]
    host_acts = event_type in HOST_ACTING_TYPES and host in chosen and scores[host] >= HOST_SIGNATORY_SHARE * best
    if event_type in HOSTED_TYPES and len(others) >= 2 and not host_acts:
        chosen = others
    return sorted(chosen[:MAX_PARTIES])


# --------------------------------------------------------------------------- location


def _location(doc: Doc, text: str, gazetteer: Gazetteer, sentences: list[Sentence], cues: _Cues, event_type: str
              ) -> tuple[Location, float]:
    """The best-scored venue; a country is refined to the best venue named inside it."""
    if event_type in NO_VENUE_TYPES:
        return Location(), 1.0
    candidates: list[tuple[float, GazetteerEntry]] = []
    ents = doc_ents(doc)
    mentions = [(ent.start_char, entry, _venue_weight(text, ent, cues, entry, sentences))
                for ent in ents if (entry := _place_or_country(ents, ent, gazetteer))]
    mentions += _dateline(text, sentences, gazetteer)
    for start, entry, venue_weight in mentions:
        if not venue_weight:
            continue
        sentence = _sentence_at(sentences, start)
        score = venue_weight * (zone_weight(sentence.paragraph) if sentence else 1.0)
        if sentence and set(fold(sentence.text).split(" ")) & cues.event_nouns:
            score *= 2.0
        candidates.append((score * (1.5 if entry.kind == "place" else 1.0), entry))
    if not candidates:
        return Location(), 0.0
    score, entry = max(candidates, key=lambda c: c[0])  # the first of equals: max keeps the earliest
    if entry.kind == "country":
        inside = [c for c in candidates if c[1].kind == "place" and c[1].country == entry.canonical]
        if not inside:
            return Location(country=entry.canonical), score
        entry = max(inside, key=lambda c: c[0])[1]
    return Location(place=entry.name, region=entry.region, country=entry.country), score


def _sentence_at(sentences: list[Sentence], offset: int) -> Sentence | None:
    index = bisect_right([s.start for s in sentences], offset) - 1
    return sentences[index] if index >= 0 and offset < sentences[index].end else None


def _place_or_country(ents: tuple[Span, ...], ent: Span, gazetteer: Gazetteer) -> GazetteerEntry | None:
    entry = gazetteer.entry(ent.ent_id_) if ent.ent_id_ else gazetteer.lookup(ent.text)
    name = ent.text.strip()  # NER spans may swallow a paragraph break
    # A nationality taken for a place ("Lettre aux Français") is no venue.
    if entry is None and ent.label_ == "LOC" and name[:1].isupper() and not gazetteer.is_demonym(name):
        return GazetteerEntry("place", name, name, _country_after(ents, ent.end_char, gazetteer))
    return entry if entry and entry.kind in ("place", "country") else None


def _venue_weight(text: str, ent: Span, cues: _Cues, entry: GazetteerEntry, sentences: list[Sentence]) -> float:
    """How surely the mention names a venue: 2 for "sommet de X"/"X summit", 1 after "à"/"in",
    WEAK_VENUE for a place opening the title ("Krementchouk, la ville sous le choc"), else 0."""
    before = _before(text, ent.start_char)
    after = text[ent.end_char:ent.end_char + 30]
    if _ends_with(before, cues.non_venue) or re.match(r"['’]s?\b", after):  # "at Ukraine's request"
        return 0.0
    next_word = re.match(r"\W*(\w*)", fold(after)).group(1)
    if _ends_with(before, cues.venue_before) or next_word in cues.venue_after:
        return 2.0
    if _ends_with(before, cues.venue):
        return 1.0
    opens_title = bool(sentences) and sentences[0].paragraph == 0 and ent.start_char == sentences[0].start
    return WEAK_VENUE if opens_title and not entry.seat_of and re.match(r"\s*[,:]", after) else 0.0


def _dateline(text: str, sentences: list[Sentence], gazetteer: Gazetteer) -> list[tuple[int, GazetteerEntry, float]]:
    """The place of a dateline opening the first body paragraph ("KYIV, June 27 (Reuters) -")."""
    body = next((s for s in sentences if s.paragraph == 1), None)
    words = _DATELINE_WORDS.match(text[body.start:body.start + 60]) if body else None
    if words is None or not _DATELINE.match(text[body.start + words.end():body.start + words.end() + 60]):
        return []
    entry = gazetteer.lookup(words.group(1))
    return [(body.start, entry, WEAK_VENUE)] if entry and entry.kind in ("place", "country") else []


def _country_after(ents: tuple[Span, ...], offset: int, gazetteer: Gazetteer) -> str | None:
    """The country named right after an unknown place ("à Bakou, en Azerbaïdjan")."""
    for ent in ents:
        if offset <= ent.start_char <= offset + 20:
            entry = gazetteer.entry(ent.ent_id_) if ent.ent_id_ else None
            return entry.canonical if entry and entry.kind == "country" else None
    return None


# --------------------------------------------------------------------------- participants


def _participants(text: str, people: list[PersonSpan], gazetteer: Gazetteer, language: str, cues: _Cues,
                  year: int | None = None) -> list[tuple[Participant, bool]]:
    """One participant per person, with the role read from an apposition; True when a role was found.
    The party comes from the text first (the role's demonym or state, "of the ELN" after the name, a
    demonym just before), then from the gazetteer's list of well-known people (their role in the event's
    year); a later bare mention of the same person keeps what the first one resolved."""
    found: dict[str, tuple[Participant, bool]] = {}
    party_by_surname = {_surname(name): p.party for p in people for name in (p.canonical, text[p.start:p.end])}
    for span in people:
        after = _role_after(text, span.end, cues)
        role = after or _role_before(text, span.start, cues)
        own = {_surname(span.canonical), _surname(text[span.start:span.end])}
        named = set(fold(role).split(" ")) & (party_by_surname.keys() - own) if role else set()
        serves = after and named and _SERVES.search(fold(after))
        # A role that names another person is that person's ("Ban Ki-moon, X"; "X, Japanese Prime Minister Y"),
        # unless it says whom this one serves ("adviser to President Y": Y's party).
        role = None if named and not serves else role
        serves = next((party_by_surname[n] for n in sorted(named) if party_by_surname[n]), None) if serves else None
        known = found.get(span.canonical)
        if known and (known[1] or not role):
            continue
        entry = gazetteer.entry(f"person:{span.canonical}")
        known_role, known_party = entry.role_in(year) if entry else (None, span.party)
        party = (_party_of(role, gazetteer, language, cues) if role else None) or serves or (
            _party_after(text, span.end, gazetteer) if role else None) or known_party or (
            _clause_party(text, span.start, gazetteer, language, _previous_person_end(people, span)) if role else None)
        participant = Participant(name=span.canonical, role=role or known_role, party=party)
        found[span.canonical] = (participant, bool(role))
    return list(found.values())


def _surname(name: str) -> str:
    return fold(name).split(" ")[-1]


def _starts_with_role(words: str, cues: _Cues, prefix: int = 0) -> bool:
    """Whether folded words open with a role, after an article and at most ``prefix`` demonyms, possessives
    or qualifiers (an apposition's "the US special envoy", "the Taliban's deputy leader")."""
    words = re.sub(r"^(?:(?:l )?une? des|one of the|le|la|l|les|un|une|the|a|an|another|un autre|une autre)\s+", "", words)
    split = words.split(" ")
    for skip in range(min(prefix, len(split) - 1) + 1):
        if skip and split[skip - 1] not in cues.role_qualifiers:
            return False
        if cues.role_start.match(" ".join(split[skip:])):
            return True
    return False


def _role_after(text: str, end: int, cues: _Cues) -> str | None:
    """"Mikhaïlo Podoliak, conseiller de la présidence ukrainienne et ..." -> the apposition."""
    rest = _INITIAL_DOT.sub("\\1·", text[end:end + 200])
    if not rest.startswith(","):
        return None
    clause = _CLAUSE_END.split(rest[1:], maxsplit=1)[0].strip()
    clause = re.split(r"\s+(?:et|and|qui|who|a|has|said|a déclaré)\s+", clause, maxsplit=1)[0]
    return _trim_role(clause.replace("·", ".")) if _starts_with_role(fold(clause), cues, MAX_ROLE_PREFIX) else None


def _role_before(text: str, start: int, cues: _Cues) -> str | None:
    """"Le chef de la délégation russe, Vladimir Medinski" / "le député Léonid Sloutski" / "U.S. President
    X" -> the role: the longest one right before the name, after any verb or conjunction."""
    head = _INITIAL_DOT.sub("\\1·", text[max(0, start - 200):start]).rstrip()
    head = head[:-1] if head.endswith(",") else head
    words = _CLAUSE_END.split(head[::-1], maxsplit=1)[0][::-1].split()[-MAX_ROLE_WORDS:]
    first = max((i + 1 for i, w in enumerate(words) if fold(w) in cues.role_breakers), default=0)
    for i in range(first, len(words)):
        if _starts_with_role(fold(" ".join(words[i:])), cues) or (
                words[i].endswith("'s") and i + 1 < len(words) and _starts_with_role(fold(" ".join(words[i + 1:])), cues)):
            return _trim_role(_english_title_start(words, i).replace("·", "."))
    return None


def _english_title_start(words: list[str], i: int) -> str:
    """Extend a title back over capitalised words/possessives ("Russian Foreign Minister", "Taliban
    negotiator"); a role opened by an article ("le chef des talibans") starts there."""
    while not _ROLE_ARTICLE.match(words[i]) and i > 0 and (words[i - 1][:1].isupper() or words[i - 1].endswith("'s")):
        i -= 1
    return " ".join(words[i:])


def _trim_role(role: str) -> str | None:
    role = re.sub(r"^(?:le|la|l'|les|un|une|the|a|an)\s+", "", role.strip(" -–—"), flags=re.IGNORECASE)
    words = role.split()
    return " ".join(words[:MAX_ROLE_WORDS]) if words else None


def _party_of(role: str, gazetteer: Gazetteer, language: str, cues: _Cues) -> str | None:
    """The state/organisation a role names: a demonym ("russe", "North Korean", "U.S.") or a name
    ("Ukraine's", "de l'ONU", "des talibans"); not a state it is posted to ("ambassadeur en Allemagne")."""
    words = re.findall(r"[\w'’.-]+", role)
    for index, word in enumerate(words):
        word = word.rstrip(".") if word.count(".") == 1 else word  # a sentence's full stop, not "U.S."
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) else ""
        code = (gazetteer.demonym(pair, language) if pair else None) or gazetteer.demonym(word, language)
        if code:
            return code
        name = re.sub(r"^(?:l['’]|d['’])|['’]s?$", "", word)
        entry = gazetteer.lookup(name) if name[:1].isupper() else None  # "l'un" is not the UN
        if entry is None or (index and fold(words[index - 1]) in cues.posted_to):
            continue
        if entry.kind in ("country", "organisation"):
            return entry.canonical
        if entry.seat_of:
            return entry.seat_of
    return None


def _party_after(text: str, end: int, gazetteer: Gazetteer) -> str | None:
    """The state/organisation named right after a person ("Pablo Beltrán of the ELN", "X, du Hamas")."""
    complement = _PARTY_COMPLEMENT.match(text[end:end + 80])
    entry = gazetteer.lookup(complement.group(1).strip()) if complement else None
    if entry and entry.kind in ("country", "organisation"):
        return entry.canonical
    return entry.seat_of if entry else None


def _previous_person_end(people: list[PersonSpan], span: PersonSpan) -> int:
    return max((p.end for p in people if p.end <= span.start and p.canonical != span.canonical), default=0)


def _clause_party(text: str, start: int, gazetteer: Gazetteer, language: str, floor: int = 0) -> str | None:
    """A demonym in the sentence just before a person ("un membre de la délégation russe, le député X"),
    after any other person named there (the EU of "EU negotiator Michel Barnier and Brexit Secretary X")."""
    clause = re.split(r"[.!?\n]", text[max(0, floor, start - CONTEXT_CHARS * 2):start])[-1]
    words = re.findall(r"[\w'-]+", clause)
    return next((code for w in reversed(words) if (code := gazetteer.demonym(w, language))), None)
