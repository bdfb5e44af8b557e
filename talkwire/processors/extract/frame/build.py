"""The event frame of one article: parties, venue and participants, plus the text rules' fields
(event type, round, outcomes), assembled with their confidences. Labelling conventions:
docs/labelling.md.
"""

from __future__ import annotations

from spacy.tokens import Doc

from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.extract.entities import doc_text
from talkwire.processors.extract.event_type import decide_event_type, event_type_scores
from talkwire.processors.extract.frame.cues import STRONG_PARTY, Cues, frame_cues
from talkwire.processors.extract.dates import meeting_days, planned_days
from talkwire.processors.extract.frame.participants import as_written, find_participants
from talkwire.processors.extract.frame.parties import (
    choose_parties,
    find_mediators,
    find_actors,
    find_opponents,
    find_summit_hosts,
    first_offsets,
    lead_text,
    main_speaker,
    main_speaker_party,
    minister_role,
    principals_meeting,
    score_parties,
)
from talkwire.processors.extract.frame.venue import find_location
from talkwire.processors.extract.gazetteer import Gazetteer, fold
from talkwire.processors.extract.outcomes import extract_outcomes
from talkwire.processors.extract.participation import participation_scores, taking_part
from talkwire.processors.extract.rounds import extract_round
from talkwire.processors.extract.rule_text import split_sentences
from talkwire.processors.records import EventDate, EventFrame, Participant, PersonSpan, Quote

MAX_PARTICIPANTS = 10
# the types reports number within their series (rounds, sessions, the nth summit): data/event_kinds.yaml
NUMBERED_TYPES = frozenset(name for name, kind in event_kinds().items() if kind.numbered)
# talks between leaders are a summit whatever the text calls them
MEETING_GUESSES = frozenset({"negotiation_round", "ministerial_meeting"})
WEAK_GUESSES = frozenset({"other", "incident"})  # ... and so is a leaders' meeting read as one of these on scant evidence
WEAK_TYPE_SCORE = 8.0  # one strong trigger in the lead
PRINCIPALS_CONFIDENCE = 0.5  # leaders (ministers) of two parties in the lead, meeting: a summit (ministerial meeting)
ATTACK_TYPES = frozenset({"incident"})  # the attacker is a party ("frappe russe")


def build_frame(doc: Doc, language: str, gazetteer: Gazetteer, people: list[PersonSpan],
                event_date: EventDate, *, quotes: list[Quote] = ()) -> EventFrame:
    """The event frame of the article whose text ``doc`` was built from."""
    text = doc_text(doc)
    cues = frame_cues(gazetteer, language)
    sentences = split_sentences(text)
    type_evidence = event_type_scores(text, language)
    event_type, type_confidence, reports_event = decide_event_type(type_evidence)
    outcomes, outcome_phrases = extract_outcomes(text, language)
    year = int(event_date.date[:4]) if event_date.date else None
    actors = find_actors(doc, text, language, gazetteer, {fold(p.canonical).split(" ")[-1] for p in people})
    actors += find_opponents(text, actors, language, gazetteer, year)
    participants = find_participants(text, people, gazetteer, language, cues, year)
    first_offset = first_offsets(people)
    leaders_may_meet = event_type in MEETING_GUESSES or (
        event_type in WEAK_GUESSES and type_evidence.total.get(event_type, 0.0) < WEAK_TYPE_SCORE)
    if leaders_may_meet:
        principals = principals_meeting(participants, first_offset, sentences, cues)
        if principals:  # the participants' roles say who met: leaders, a summit; ministers, a ministerial meeting
            event_type, reports_event = principals, True
            type_confidence = max(type_confidence, PRINCIPALS_CONFIDENCE)
    round_number, round_confidence = (
        extract_round(text, language, is_place=lambda name: _is_place(gazetteer, name))
        if event_type in NUMBERED_TYPES else (None, 1.0))
    party_scores = score_parties(text, actors, participants, first_offset, sentences, cues, gazetteer, language,
                                 attack=event_type in ATTACK_TYPES)
    location, location_score = find_location(doc, text, gazetteer, sentences, cues, event_type, language)
    speaker_party = main_speaker_party(quotes)
    # who signs does not depend on a signing's parties (a summit's and a ministerial meeting's do)
    signatories = _taking_part(text, language, people, participants, event_type, [], quotes, cues, gazetteer
                               ) if event_type == "agreement_signing" else None
    if event_type == "speech" and speaker_party:
        parties = [speaker_party]  # a speech is one speaker's act, and its audience's when a foreign parliament hears it
        if location.country and location.country != speaker_party and cues.parliament.search(fold(text)):
            parties = sorted({speaker_party, location.country})
    else:
        hosts = find_summit_hosts(text, actors, cues, gazetteer) if event_type == "summit" else set()
        mediators = find_mediators(text, actors, participants, cues, gazetteer)
        if signatories is not None:  # a mediator whose people sign is a signatory (the grain deal's UN)
            mediators -= {p.party for p, _ in participants if p.name in signatories}
        grouped = {actor.code for actor in actors if actor.how == "member"}  # France, host of the Normandy format
        parties = choose_parties(party_scores, event_type, location.country, hosts, mediators, grouped)
    inside = signatories if signatories is not None else _taking_part(
        text, language, people, participants, event_type, parties, quotes, cues, gazetteer)
    if location.country:  # the state of the time: Belgrade in 1995 is Yugoslavia's
        location = location.model_copy(update={"country": gazetteer.state_in(location.country, year)})
    return EventFrame(
        reports_event=reports_event,  # False: no event of the vocabulary (sport, markets, party politics)
        event_type=event_type,
        parties=sorted({gazetteer.state_in(party, year) for party in parties}),
        location=location,
        date=event_date.date,
        date_precision=event_date.precision,
        date_description=event_date.description,
        meeting_days=meeting_days(text, language),
        planned_days=planned_days(text, language),
        round=round_number,
        outcomes=outcomes,
        outcome_phrases=outcome_phrases,
        participants=[as_written(p, people, text) for p, _ in participants if p.name in inside][:MAX_PARTICIPANTS],
        mentioned=[as_written(p, people, text) for p, _ in participants if p.name not in inside][:MAX_PARTICIPANTS],
        confidence={
            "event_type": round(type_confidence, 3),
            "round": round(round_confidence, 3),
            "parties": _confidence([party_scores.get(p, 0.0) for p in parties], 2 * STRONG_PARTY * len(parties) or 1.0),
            "location": _confidence([location_score], 6.0),
            "participants": 1.0 if participants else 0.0,
        },
    )


def _taking_part(text: str, language: str, people: list[PersonSpan], participants: list[tuple[Participant, bool]],
                 event_type: str, parties: list[str], quotes: list[Quote], cues: Cues, gazetteer: Gazetteer) -> set[str]:
    """Who took part. At a summit the leaders of its parties are there, at a ministerial meeting their
    ministers (of every state, when an organisation meets: "G20 foreign ministers", "sommet de l'UE");
    leaders whose delegations or ministers meet only when their own clause says so; a speech is its
    speaker's, the others it names are its subject or audience."""
    leaders = {p.name for p, _ in participants if p.role and cues.leader_role.search(fold(p.role))}
    every_state = any(code in gazetteer.intergovernmental for code in parties)
    present = {p.name for p, _ in participants if p.name in leaders and (every_state or p.party in parties)
               } if event_type == "summit" else set()
    if event_type == "ministerial_meeting":
        present = {p.name for p, _ in participants if p.party and p.role and minister_role().search(fold(p.role))
                   and (every_state or p.party in parties)}
    doubted = event_type in MEETING_GUESSES and not cues.leaders_negotiate.search(lead_text(split_sentences(text)))
    inside = taking_part(participation_scores(text, language, people, {p.name: p.role for p, _ in participants},
                                              present=present, principals=leaders if doubted else set()))
    speaker = main_speaker(quotes) if event_type == "speech" else None
    return {speaker} if speaker in inside else inside


def _is_place(gazetteer: Gazetteer, name: str) -> bool:
    """A city or venue of the gazetteer: a series named after it ("Genève II", "Astana-13") numbers a meeting."""
    entry = gazetteer.lookup(name)
    return entry is not None and entry.kind == "place"


def _confidence(scores: list[float], full: float) -> float:
    return round(min(1.0, sum(scores) / full), 3) if scores else 0.0
