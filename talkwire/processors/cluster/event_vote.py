"""A canonical event built from its members: each field by the weighted vote of the reports
(a wire copy counts less than an original), with the title, participants, roles and quotes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from datetime import date
from functools import lru_cache

from talkwire.processors.cluster.block_state import DECODED_CACHE_SIZE
from talkwire.processors.cluster.reports import report_url
from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.extract.event_type import NO_VENUE_TYPES
from talkwire.processors.extract.gazetteer import fold, load_gazetteer
from talkwire.processors.records import (
    ArticleFeatures,
    ArticleRef,
    BlockMember,
    CanonicalEvent,
    EventFrame,
    Location,
    Participant,
    Quote,
)
from talkwire.processors.tracks import track_id
from talkwire.settings import Limits

COPY_WEIGHT = 0.4  # a wire copy's vote, relative to an original report
PARTY_SHARE = 0.5  # a party named by half the reports that name any is the event's
OUTCOME_SHARE = 1 / 3  # an outcome reported by a third of the reports that report any
FIRST_DAY_WINDOW = 4  # days before the voted day where reports of one multi-day meeting may date it
FIRST_DAY_SHARE = 0.5
MAX_QUOTES = 3
FIRST_NAME_SIMILARITY = 0.75  # "Abdelkader"/"Abdulqader" .80
SURNAME_SIMILARITY = 0.85  # "mirzoian"/"mirzoyan" .88, "aliev"/"aliyev" .91, "jongun"/"jongil" .67
MAX_PARTICIPANTS = 20


@dataclass(frozen=True)
class _Vote:
    article_id: str
    weight: float
    frame: EventFrame
    language: str | None


def build_event(
    event_id: str,
    roster: list[BlockMember],
    items: list[ArticleFeatures],
    limits: Limits,
) -> CanonicalEvent:
    """The merged frame of an event's members (in replay order), by weighted vote."""
    votes = [
        _Vote(m.id, COPY_WEIGHT if m.duplicate_of else 1.0, item.enriched.frame or EventFrame(), item.enriched.language)
        for m, item in zip(roster, items)
    ]
    provenance: dict[str, list[str]] = {}
    confidence: dict[str, float] = {}

    def decide(name: str, value_of) -> object:
        value, supporters, share = _vote(votes, lambda vote: value_of(vote.frame))
        if supporters:
            provenance[name] = supporters[: limits.max_articles_per_event]
            backing = set(supporters)
            mean = sum(v.frame.confidence.get(name, 0.5) for v in votes if v.article_id in backing) / len(supporters)
            confidence[name] = round(share * mean, 3)
        return value

    # "other" is a vote like any type; a venue is only voted on by articles that found one, and an
    # event of a type without venue (a call) has none whatever a stray article named
    event_type = decide("event_type", lambda f: f.event_type if f.reports_event else None) or "other"
    parties = _labels_backed(votes, lambda f: f.parties, PARTY_SHARE)
    if event_kinds()[event_type].convened:
        parties = _without_conveners(parties)
    has_venue = event_type not in NO_VENUE_TYPES
    country = decide("location", lambda f: f.location.country) if has_venue else None
    place_votes = [v for v in votes if v.frame.location.country == country] if has_venue else []
    place = _vote(place_votes, lambda v: (v.frame.location.place, v.frame.location.region) if v.frame.location.place else None)[0]
    day = decide("date", lambda f: (f.date, f.date_precision, f.date_description) if f.date and f.date_precision == "day" else None)
    if day and has_venue:
        day = _first_day(votes, day)
    when = day or decide("date", lambda f: (f.date, f.date_precision, f.date_description) if f.date else None)
    # an event of a type without rounds (a call) has none, whatever a report typed otherwise numbered
    round_number = decide("round", lambda f: f.round) if event_kinds()[event_type].numbered else None
    outcomes = _labels_backed(votes, lambda f: f.outcomes, OUTCOME_SHARE)
    for name, labels in (("parties", parties), ("outcomes", outcomes)):
        backing = [v for v in votes if set(getattr(v.frame, name)) & set(labels)]
        if backing:
            provenance[name] = [v.article_id for v in backing][: limits.max_articles_per_event]
    if parties:
        agreeing = [v for v in votes if v.frame.parties and set(v.frame.parties) == set(parties)]
        named = [v for v in votes if v.frame.parties]
        confidence["parties"] = round(sum(v.weight for v in agreeing) / sum(v.weight for v in named), 3)
    originals = [item for m, item in zip(roster, items) if not m.duplicate_of] or items
    language = _vote(votes, lambda vote: vote.language)[0]
    refs = [
        ArticleRef(
            id=m.id,
            source=item.outlet,
            published_at=item.enriched.article.published_at,
            duplicate_of=m.duplicate_of,
            title=item.display_title,
            language=item.enriched.language,
            url=report_url(item.enriched.article),
        )
        for m, item in zip(roster, items)
    ]
    confidence["event"] = round(min(1.0, 0.5 + 0.1 * len(originals)), 3)
    participants, mentioned = _participants(votes, language)
    return CanonicalEvent(
        event_id=event_id,
        version=0,
        event_type=event_type,
        parties=sorted(parties),
        location=Location(
            place=place[0] if place else None, region=place[1] if place else None, country=country
        ),
        date=when[0] if when else None,
        date_precision=when[1] if when else None,
        date_description=when[2] if when else None,
        round=round_number,
        outcomes=outcomes,
        outcome_phrases=_unique(p for v in votes for p in v.frame.outcome_phrases)[:10],
        participants=participants,
        mentioned=mentioned,
        quotes=_best_quotes(originals),
        track_id=track_id(event_type, parties),
        title=_event_title(roster, items, language) or originals[0].display_title,
        first_seen=items[0].enriched.article.published_at,
        last_updated=items[-1].enriched.article.published_at,
        sources=len({_folded(ref.source) if ref.source else None for ref in refs}),
        independent_reports=sum(1 for m in roster if not m.duplicate_of),
        articles=refs[: limits.max_articles_per_event],
        provenance=provenance,
        confidence=confidence,
    )


def _event_title(roster: list[BlockMember], items: list[ArticleFeatures], language: str | None) -> str:
    """The title of the best titled report: an original before a copy, then one in the event's
    language, then the earliest; "" when no report has a title."""
    ranked = [
        (m.duplicate_of is not None, item.enriched.language != language, index)
        for index, (m, item) in enumerate(zip(roster, items))
        if item.enriched.article.title
    ]
    return items[min(ranked)[2]].enriched.article.title if ranked else ""


def _without_conveners(parties: list[str]) -> list[str]:
    """The sides of talks an organisation of states convenes: the organisation only where fewer than two
    others are named (the EU in talks with the UK, the UN's chief meeting one leader)."""
    sides = [code for code in parties if code not in load_gazetteer().intergovernmental]
    return sides if len(sides) >= 2 else parties


@lru_cache(maxsize=DECODED_CACHE_SIZE)  # the same few outlet names and roles, for every member of every event
def _folded(name: str) -> str:
    """A name as compared ignoring case and spacing ("Le Soir", "le  soir")."""
    return " ".join(name.casefold().split())


def _vote(votes: list[_Vote], value_of) -> tuple[object, list[str], float]:
    """(winning value, ids of the articles that gave it, its share of the weight); ties: earliest."""
    totals: dict[object, float] = {}
    first_seen: dict[object, int] = {}
    for index, vote in enumerate(votes):
        value = value_of(vote)
        if value is None:
            continue
        totals[value] = totals.get(value, 0.0) + vote.weight
        first_seen.setdefault(value, index)
    if not totals:
        return None, [], 0.0
    winner = min(totals, key=lambda value: (-totals[value], first_seen[value]))
    supporters = [v.article_id for v in votes if value_of(v) == winner]
    return winner, supporters, totals[winner] / sum(totals.values())


def _first_day(votes: list[_Vote], voted: tuple) -> tuple:
    """The first day of a meeting that its reports date over several days (formats.md: an event's date is
    its first day): the earliest day up to FIRST_DAY_WINDOW days before the voted one that reports
    give at least FIRST_DAY_SHARE of its weight."""
    weight: dict[str, float] = {}
    value_of: dict[str, tuple] = {}
    for vote in votes:
        frame = vote.frame
        if frame.date and frame.date_precision == "day":
            weight[frame.date] = weight.get(frame.date, 0.0) + vote.weight
            value_of.setdefault(frame.date, (frame.date, frame.date_precision, frame.date_description))
    last = date.fromisoformat(voted[0])
    earlier = [day for day in weight if 0 < (last - date.fromisoformat(day)).days <= FIRST_DAY_WINDOW
               and weight[day] >= FIRST_DAY_SHARE * weight[voted[0]]]
    return value_of[min(earlier)] if earlier else voted


def _labels_backed(votes: list[_Vote], labels_of, share: float) -> list[str]:
    """Labels backed by at least ``share`` of the weight of the members that give any label: each
    label is voted on by itself, so reports that each miss a different party still agree on all."""
    reporting = [v for v in votes if labels_of(v.frame)]
    total = sum(v.weight for v in reporting)
    weight: dict[str, float] = {}
    for vote in reporting:
        for label in set(labels_of(vote.frame)):
            weight[label] = weight.get(label, 0.0) + vote.weight
    return sorted(label for label, w in weight.items() if w >= total * share)


def _participants(votes: list[_Vote], language: str | None) -> tuple[list[Participant], list[Participant]]:
    """(participants, mentioned): a person took part when the reports that put them in the room
    weigh at least as much as those that only name them. Each with the role the vote gives, and
    named as the reports in the event's language write them ("Vladimir Poutine" in a French
    event); in an English event by their canonical name, the gazetteer's standard English spelling
    where English outlets differ ("Zelenskiy"); most supported first."""
    took_part: dict[str, float] = {}
    named: dict[str, float] = {}
    first: dict[str, Participant] = {}
    weight_of: dict[str, float] = {}
    for vote in votes:
        for person, _ in _people(vote):
            weight_of[person.identity] = weight_of.get(person.identity, 0.0) + vote.weight
    person_key = _person_keys(weight_of)
    for vote in votes:
        for person, in_room in _people(vote):
            key = person_key.get(person.identity, person.identity)
            named[key] = named.get(key, 0.0) + vote.weight
            took_part[key] = took_part.get(key, 0.0) + (vote.weight if in_room else 0.0)
            first.setdefault(key, person)
    ranked = sorted(named, key=lambda key: (-took_part[key], -named[key], key))
    inside = {key for key in ranked if took_part[key] and 2 * took_part[key] >= named[key]}
    roles = _in_event_language(votes, language, lambda person: person.role, person_key)
    names = _in_event_language(votes, language, lambda person: person.name, person_key) if language != "en" else {}
    cards = {key: first[key].model_copy(update={"role": roles.get(key), "name": _full(names.get(key, key), key),
                                                "canonical": first[key].canonical and key})
             for key in ranked}
    return ([cards[k] for k in ranked if k in inside][:MAX_PARTICIPANTS],
            [cards[k] for k in ranked if k not in inside][:MAX_PARTICIPANTS])


def _people(vote: _Vote) -> list[tuple[Participant, bool]]:
    """Everyone a report names, True for those it puts in the room."""
    return [*((p, True) for p in vote.frame.participants), *((p, False) for p in vote.frame.mentioned)]


def _person_keys(weight_of: dict[str, float]) -> dict[str, str]:
    """Each name -> the key of its person: the longest name of the event that a name of two words or
    more begins ("Ali Bagheri" -> "Ali Bagheri Kani": some reports shorten it), one spelling for names
    that differ only by accents or case ("Juan Guaido", "Juan Guaidó": the accented one), and the
    transliteration most reports use for names written in several (``weight_of``: the reports' weight
    naming each name)."""
    identities = set(weight_of)
    words = {identity: fold(identity).split() for identity in identities}
    spelling: dict[tuple[str, ...], str] = {}
    for identity in sorted(identities, key=lambda name: (name.isascii(), name)):
        spelling.setdefault(tuple(words[identity]), identity)
    keys = {}
    for identity, short in words.items():
        longer = [other for other, full in words.items() if len(short) >= 2 and _shortens(short, full)]
        person = max(longer, key=lambda other: (len(words[other]), other)) if longer else identity
        keys[identity] = spelling[tuple(words[person])]
    return _one_transliteration(keys, words, weight_of)


def _one_transliteration(keys: dict[str, str], words: dict[str, list[str]], weight_of: dict[str, float]
                         ) -> dict[str, str]:
    """Keys that write one name in two transliterations ("Mohammed Abdulsalam", "Mohammed Abdul-Salam",
    "Abdelkader al-Mourtada", "Abdulqader al-Murtada") -> the one most reports use: first names alike,
    the rest alike letter for letter once spaces and hyphens are set aside."""
    weight: dict[str, float] = {}
    for identity, key in keys.items():
        weight[key] = weight.get(key, 0.0) + weight_of[identity]
    kept: list[str] = []  # one key per person, most named first
    merged: dict[str, str] = {}
    for key in sorted(weight, key=lambda name: (-weight[name], name.isascii(), name)):
        merged[key] = next((other for other in kept if _transliterations(words[key], words[other])), key)
        if merged[key] == key:
            kept.append(key)
    return {identity: merged[key] for identity, key in keys.items()}


def _transliterations(one: list[str], other: list[str]) -> bool:
    return (len(one) >= 2 and len(other) >= 2
            and SequenceMatcher(None, one[0], other[0]).ratio() >= FIRST_NAME_SIMILARITY
            and SequenceMatcher(None, "".join(one[1:]), "".join(other[1:])).ratio() >= SURNAME_SIMILARITY)


def _full(name: str, identity: str) -> str:
    """The name as voted, unless it is a shortened form of the person's full name."""
    return identity if _shortens(fold(name).split(), fold(identity).split()) else name


def _shortens(short: list[str], full: list[str]) -> bool:
    """Whether the words of ``short`` begin the longer ``full`` ("ali bagheri", "ali bagheri kani")."""
    return len(short) < len(full) and full[:len(short)] == short


def _in_event_language(votes: list[_Vote], language: str | None, field_of,
                       person_key: dict[str, str]) -> dict[str, str]:
    """Each person's name or role by the weighted vote of the reports in the event's language that
    give one (else of all reports), case aside; ties: earliest, spelt as its earliest voter wrote
    it. A report in another language cannot change it, so it does not flip between languages from
    one version to the next."""
    overall: dict[str, dict[str, list]] = {}  # person -> folded value -> [weight, first index, surface]
    in_language: dict[str, dict[str, list]] = {}
    for index, vote in enumerate(votes):
        for person, _ in _people(vote):
            value = field_of(person)
            if not value:
                continue
            key = _folded(value)
            identity = person_key.get(person.identity, person.identity)
            for tally in (overall, in_language) if vote.language == language else (overall,):
                entry = tally.setdefault(identity, {}).setdefault(key, [0.0, index, value])
                entry[0] += vote.weight
    return {name: min(options.values(), key=lambda e: (-e[0], e[1]))[2] for name, options in (overall | in_language).items()}


def _best_quotes(originals: list[ArticleFeatures]) -> list[Quote]:
    """Attributed quotes first, longer first, one per distinct text."""
    quotes: dict[str, Quote] = {}
    for item in originals:
        for quote in item.enriched.quotes:
            quotes.setdefault(" ".join(quote.text.lower().split()), quote)
    ranked = sorted(quotes.values(), key=lambda q: (q.speaker is None, -len(q.text), q.text))
    return ranked[:MAX_QUOTES]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
