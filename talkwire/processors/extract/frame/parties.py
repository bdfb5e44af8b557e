"""The parties of the event: the states/organisations that act.

Named right after "entre"/"between"/"avec", a demonym next to an actor noun ("délégation russe",
"Russian Foreign Minister"), a possessive ("Ukraine's negotiator"), a capital or seat used as a
metonym, the party of a participant. A state named after a venue preposition ("au Bélarus") or a
non-party cue ("frontière avec la Pologne") does not count; a sentence about another event
("s'étaient déjà vus à Téhéran") counts little.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc

from talkwire.processors.extract.entities import demonym_mentions, doc_ents
from talkwire.processors.extract.frame.cues import ARTICLES, Cues, STRONG_PARTY, context_before, ends_with, sentence_at
from talkwire.processors.extract.gazetteer import Gazetteer, fold
from talkwire.processors.extract.rule_text import Sentence, has_cue, load_rule_data, zone_weight
from talkwire.processors.records import Participant, PersonSpan, Quote

WEAK_PARTY = 0.3
NAMED_PARTY = 0.6  # a state/organisation named without any cue either way
PARTY_THRESHOLD = 2.5
PARTY_SHARE_OF_BEST = 0.3
MAX_PARTIES = 8  # the P5+1 and Iran, with the EU coordinating
HOST_SIGNATORY_SHARE = 0.5  # a signing's or summit's host that scores this close to the best takes part
HOST_ACTING_TYPES = frozenset({"agreement_signing", "summit"})  # the host's leader signs/meets too
# events a mediator is no party to (a signing's, unless it signs too)
MEDIATED_TYPES = frozenset({"negotiation_round", "ministerial_meeting", "phone_call", "agreement_signing"})
HOSTED_TYPES = HOST_ACTING_TYPES | {"negotiation_round", "ministerial_meeting"}  # meetings a host may only host
BACKGROUND_FACTOR = 0.3  # a mention in a sentence about another event
LEAD_PARAGRAPHS = 1  # title (0) and lead (1)
_POSSESSIVE = re.compile(r"^'s?\s+(\w+(?:\s+\w+)?)")
_HEAD_NOUN = re.compile(r"^(?:['’]s?)?\s+(\w+)")  # "Sudan's army", "Sudanese army"


@dataclass(frozen=True)
class _Actor:
    """A state/organisation reference in the text."""

    start: int
    end: int
    code: str
    how: str  # "name", "metonym", "demonym", "opponent" ("l'opposition": see find_opponents), "member" (of a
    # grouping named: "le format Normandie" is each of its members), or "venue_apposition" ("Antalya, Turkey":
    # a location only)


def find_actors(doc: Doc, text: str, language: str, gazetteer: Gazetteer, surnames: set[str]) -> list[_Actor]:
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
            how = "member" if how == "name" and entry.canonical in gazetteer.members else how
            actors += [_Actor(ent.start_char, ent.end_char, code, how) for code in gazetteer.codes_of(entry)]
        elif entry.kind == "place" and entry.seat_of:
            actors.append(_Actor(ent.start_char, ent.end_char, entry.seat_of, "metonym"))
        place_end = ent.end_char if entry.kind == "place" else -1
    actors += [_Actor(m.start, m.end, m.code, "demonym") for m in demonym_mentions(doc, language, gazetteer)]
    return actors


@dataclass(frozen=True)
class _OpponentWords:
    """Per cue ("opposition", "rebels"), its words; the words that make one a stance, not a side
    ("leur opposition au plan", "their opposition to the deal"); and the determiners a side needs
    where the word may be an adjective ("les séparatistes", not "élections séparatistes")."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    stance_before: frozenset[str]
    stance_after: frozenset[str]
    determiners: frozenset[str]

    def sides(self, text: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        sides = []
        for match in pattern.finditer(text):
            before = fold(text[max(0, match.start() - 12):match.start()]).rsplit(" ", 1)[-1]
            after = fold(text[match.end():match.end() + 12]).split(" ", 1)[0]
            if before not in self.stance_before and after not in self.stance_after and (
                    not self.determiners or before in self.determiners):
                sides.append(match)
        return sides


@cache
def _opponent_words(gazetteer: Gazetteer, language: str) -> _OpponentWords:
    lexicon = gazetteer.lexicon
    stances = lexicon["opponent_stances"][language]
    patterns = tuple(
        (cue, re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(words[language], key=len, reverse=True)))})\b",
                         re.IGNORECASE))
        for cue, words in lexicon["opponent_cues"].items())
    return _OpponentWords(patterns, frozenset(map(fold, stances["before"])), frozenset(map(fold, stances["after"])),
                          frozenset(map(fold, lexicon["opponent_determiners"].get(language, ()))))


def find_opponents(text: str, actors: list[_Actor], language: str, gazetteer: Gazetteer,
                   year: int | None) -> list[_Actor]:
    """"L'opposition", "the rebels": the side opposing the government of the state the article names
    most that has one that year (organisations.yaml's ``opposes``)."""
    if year is None:
        return []
    words = _opponent_words(gazetteer, language)
    named = Counter(a.code for a in actors if a.how != "venue_apposition")
    found = []
    for cue, pattern in words.patterns:
        states = [state for state in named if gazetteer.opponents_of(state, cue, year)]
        if states:
            codes = gazetteer.opponents_of(max(states, key=lambda state: named[state]), cue, year)
            found += [_Actor(m.start(), m.end(), code, "opponent") for m in words.sides(text, pattern) for code in codes]
    return found


def _actor_score(text: str, actor: _Actor, cues: Cues, attack: bool = False) -> float:
    before = context_before(text, actor.start)
    after = fold(text[actor.end:actor.end + 40])
    if actor.how == "demonym":
        near = before.split(" ")[-3:] + after.split(" ")[:3]
        joined_near = " " + " ".join(near) + " "
        nouns = cues.actor_nouns + cues.attacker_nouns if attack else cues.actor_nouns
        return STRONG_PARTY if any(f" {noun} " in joined_near for noun in nouns) else WEAK_PARTY
    if actor.how == "venue_apposition" or ends_with(before, cues.non_party) or ends_with(before, cues.venue):
        return 0.0
    possessive = _POSSESSIVE.match(text[actor.end:actor.end + 40])
    if possessive and fold(possessive.group(1)).split(" ")[0] in cues.actor_nouns:
        return STRONG_PARTY
    if ends_with(before, cues.party) or any(after.startswith(word + " ") for word in cues.conjunctions if word != ","):
        return STRONG_PARTY
    if actor.how == "opponent" and ends_with(before, cues.government_and):  # "le régime et l'opposition"
        return STRONG_PARTY
    return WEAK_PARTY if actor.how == "opponent" else NAMED_PARTY  # the rebels the talks are about


def _conjuncts(text: str, previous: _Actor, actor: _Actor, cues: Cues) -> bool:
    """Whether only a conjunction joins two actors, past the first one's head noun ("Sudan's army and the
    RSF", "the Sudanese army and the RSF")."""
    between = text[previous.end:actor.start]
    head = _HEAD_NOUN.match(between)
    if head and fold(head.group(1)) in cues.actor_nouns:
        between = between[head.end():]
    return cues.joins(between)


def first_offsets(people: list[PersonSpan]) -> dict[str, int]:
    first: dict[str, int] = {}
    for span in people:
        first.setdefault(span.canonical, span.start)
    return first


def _in_lead(offset: int | None, sentences: list[Sentence]) -> bool:
    sentence = sentence_at(sentences, offset) if offset is not None else None
    return sentence is not None and sentence.paragraph <= LEAD_PARAGRAPHS


def lead_text(sentences: list[Sentence]) -> str:
    """The title and the lead paragraph, folded."""
    return fold(" ".join(s.text for s in sentences if s.paragraph <= LEAD_PARAGRAPHS))


def principals_meeting(participants: list[tuple[Participant, bool]], first_offset: dict[str, int],
                        sentences: list[Sentence], cues: Cues) -> str | None:
    """Talks whose principals are leaders (or else foreign ministers) of two or more parties, named
    in the title or lead with no delegation in sight: a summit (a ministerial meeting), however the
    text calls it ("Putin and Erdogan … talks")."""
    lead = lead_text(sentences)
    if cues.delegation.search(lead):
        return None
    for event_type, role in (("summit", cues.leader_role), ("ministerial_meeting", minister_role())):
        parties = {p.party for p, _ in participants
                   if p.party and p.role and role.search(fold(p.role)) and _in_lead(first_offset.get(p.name), sentences)}
        if len(parties) >= 2:
            return event_type
    return None


@cache
def minister_role() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{load_rule_data('event_types')['minister_roles']})(?!\w)")


def score_parties(text: str, actors: list[_Actor], participants: list[tuple[Participant, bool]],
                  first_offset: dict[str, int], sentences: list[Sentence], cues: Cues, gazetteer: Gazetteer,
                  language: str, *, attack: bool = False) -> dict[str, float]:
    """Evidence per code; a known figure named in the title or lead acts as surely as one given a role;
    in an attack, the side whose weapons or forces strike acts too ("missile russe")."""
    scores: dict[str, float] = {}

    def weight(offset: int) -> float:
        sentence = sentence_at(sentences, offset)
        if sentence is None:
            return zone_weight(99)
        background = has_cue(sentence.text, "other_event", language)
        return zone_weight(sentence.paragraph) * (BACKGROUND_FACTOR if background else 1.0)

    previous: tuple[_Actor, float] | None = None
    for actor in sorted(actors, key=lambda a: a.start):
        score = _actor_score(text, actor, cues, attack)
        if previous and actor.how != "demonym" and _conjuncts(text, previous[0], actor, cues):
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


def main_speaker_party(quotes: list[Quote]) -> str | None:
    counts = Counter(q.speaker_party for q in quotes if q.speaker_party)
    return counts.most_common(1)[0][0] if counts else None


def main_speaker(quotes: list[Quote]) -> str | None:
    """Who is quoted most: a speech's speaker."""
    counts = Counter(q.speaker for q in quotes if q.speaker)
    return counts.most_common(1)[0][0] if counts else None


def find_summit_hosts(text: str, actors: list[_Actor], cues: Cues, gazetteer: Gazetteer) -> set[str]:
    """Organisations holding their own summit ("sommet de l'Otan", "G7 leaders", "NATO summit"); a state
    after the same words is one of those meeting ("the leaders of the United States, Japan...")."""
    hosts = set()
    for actor in actors:
        if actor.how != "name" or actor.code not in gazetteer.intergovernmental:
            continue
        after = re.match(r"\W*(\w*)", fold(text[actor.end:actor.end + 30])).group(1)
        if ends_with(context_before(text, actor.start), cues.summit_before) or after in cues.summit_after:
            hosts.add(actor.code)
    return hosts


# What may stand between a mediator and the word after it that says so: "Norway's mediation", "Qatar, the
# mediator", "Riyad et Washington, qui parrainent", "Washington and Riyadh have been brokering"
_MEDIATOR_LEAD = re.compile(r"^\W*(?:s\s+)?(?:(?:qui|which|who|that)\s+)?(?:(?:ont|a|have|has)\s+)?(?:been\s+)?"
                            r"(?:(?:the|le|la|l|les)\s+)?")


def find_mediators(text: str, actors: list[_Actor], participants: list[tuple[Participant, bool]], cues: Cues,
                   gazetteer: Gazetteer) -> set[str]:
    """Codes the article shows mediating the talks ("sous l'égide de l'UE", "Norway-brokered",
    "la médiation qatarie", a party's mediator or, for an organisation of states, its envoy); the
    conjuncts of a mediator share the cue, whichever of them it is next to ("brokered by Turkey and
    Saudi Arabia", "l'Arabie saoudite et les États-Unis, médiateurs des pourparlers")."""
    found = set()
    for conjuncts in _conjunct_runs(text, sorted(actors, key=lambda a: a.start), cues):
        if any(_mediator_cue(text, actor, cues) for actor in conjuncts):
            found.update(actor.code for actor in conjuncts)
    for participant, has_role in participants:
        role = fold(participant.role) if participant.role and has_role else ""
        if participant.party and (cues.mediator_role.search(role) or (
                participant.party in gazetteer.intergovernmental and cues.envoy_role.search(role))):
            found.add(participant.party)
    return found


def _conjunct_runs(text: str, actors: list[_Actor], cues: Cues) -> list[list[_Actor]]:
    """The actors in text order, grouped into runs that only conjunctions join ("Riyad et Washington",
    "Saudi-US")."""
    runs: list[list[_Actor]] = []
    for actor in actors:
        between = text[runs[-1][-1].end:actor.start] if runs else ""
        if runs and (cues.joins(between) or between in ("-", "/")):
            runs[-1].append(actor)
        else:
            runs.append([actor])
    return runs


def _mediator_cue(text: str, actor: _Actor, cues: Cues) -> bool:
    before = context_before(text, actor.start)
    after = _MEDIATOR_LEAD.sub("", fold(text[actor.end:actor.end + 50])).split(" ")[0]
    last_before = ARTICLES.sub("", before).rstrip().split(" ")[-1]
    demonym_cue = actor.how == "demonym" and last_before in cues.mediator_after
    return ends_with(before, cues.mediator) or after in cues.mediator_after or demonym_cue


def choose_parties(scores: dict[str, float], event_type: str, host: str | None, summit_hosts: set[str],
                   mediators: set[str] = frozenset(), grouped: set[str] = frozenset()) -> list[str]:
    """Codes scored as acting, then the event type's shape: a call has two ends, an organisation's
    summit is the organisation's, a mediator is no party to the talks it mediates while others are
    named (docs/labelling.md), and a host country only hosts a meeting when others meet on its
    soil, unless its own leader signs or meets (a summit or signing where it scores near the best)
    or it belongs to a grouping the text names (``grouped``: France hosting the Normandy format)."""
    if not scores:
        return []
    best = max(scores.values())
    ranked = sorted(scores, key=lambda code: -scores[code])
    chosen = [c for c in ranked if scores[c] >= PARTY_THRESHOLD and scores[c] >= PARTY_SHARE_OF_BEST * best]
    chosen = chosen or [c for c in ranked[:1] if scores[c] >= PARTY_THRESHOLD / 2]  # a faint actor beats none
    negotiators = [c for c in chosen if c not in mediators]
    if negotiators and event_type in MEDIATED_TYPES:
        chosen = negotiators
    if event_type == "phone_call":
        chosen = chosen[:2]
    organisations = [c for c in chosen if c in summit_hosts]
    if event_type == "summit" and organisations:
        chosen = organisations
    others = [c for c in chosen if c != host]
    host_acts = host in grouped or (
        event_type in HOST_ACTING_TYPES and host in chosen and scores[host] >= HOST_SIGNATORY_SHARE * best)
    if event_type in HOSTED_TYPES and len(others) >= 2 and not host_acts:
        chosen = others
    return sorted(chosen[:MAX_PARTIES])
