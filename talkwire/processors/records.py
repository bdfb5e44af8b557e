"""Every record talkwire reads, keeps or publishes, defined once.

The JSON Schemas of the output topics (``schemas/``) are generated from these models
(``talkwire schemas``); records travel as JSON encoded with orjson (``to_json``/``from_json``).
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

EventType = Literal[
    "negotiation_round",
    "ministerial_meeting",
    "summit",
    "phone_call",
    "agreement_signing",
    "speech",
    "incident",
    "other",
]
DatePrecision = Literal["day", "month", "year"]
InputFormat = Literal["json", "dispatch"]
LanguageStatus = Literal["supported", "unsupported", "undetermined"]
EntityKind = Literal["country", "organisation", "place", "person"]


class Record(BaseModel):
    """Base of all records: strict field names, JSON via orjson."""

    model_config = ConfigDict(extra="forbid", frozen=False)

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, data: bytes | str):
        return cls.model_validate(orjson.loads(data))


# --------------------------------------------------------------------------- input


class Article(Record):
    """A raw article after parsing and normalisation (HTML stripped, Unicode NFC)."""

    id: str
    source: str
    published_at: str = Field(
        description="ISO 8601 with UTC offset; for the dispatch format only 'YYYY-MM'"
    )
    published_precision: DatePrecision = Field(
        description="'day' when the full timestamp is known, 'month' for 'date YYYY-MM' dispatches"
    )
    language: str | None = Field(default=None, description="ISO 639-1 as declared by the producer")
    title: str = ""
    body: str
    input_format: InputFormat = "json"
    extra: dict[str, Any] = Field(default_factory=dict, description="producer fields carried through")
    content_hash: str = Field(description="hash of the normalised title and body, to tell redeliveries from conflicting ids")

    @property
    def text(self) -> str:
        """Title and body as one text, paragraphs separated by blank lines."""
        return f"{self.title}\n\n{self.body}" if self.title else self.body


class LanguageResult(Record):
    """Outcome of language detection; 'unsupported' and 'undetermined' are not errors."""

    language: str | None = Field(description="ISO 639-1 code, detected or declared")
    status: LanguageStatus
    confidence: float = Field(default=0.0, description="0..1 probability of the chosen language")


# --------------------------------------------------------------------------- extraction


class EntityMention(Record):
    """One normalised entity, with every surface form seen in the article."""

    kind: EntityKind
    canonical: str = Field(description="canonical name (places, people) or code (countries: ISO 3166-1 alpha-2; organisations: short name)")
    name: str = Field(description="display name")
    surface_forms: list[str] = Field(default_factory=list)
    mentions: int = 1
    first_offset: int = 0
    country: str | None = Field(default=None, description="places: country code; people: party (country or organisation) when known")
    region: str | None = None


class Quote(Record):
    text: str
    speaker: str | None = Field(description="canonical person name, or None when unattributed")
    speaker_party: str | None = None
    cue: str | None = Field(default=None, description="the attribution cue, e.g. 'a-t-il ajouté', 'said'")
    offset: int = 0


class DateMention(Record):
    text: str
    offset: int
    date: str | None = Field(description="YYYY-MM-DD, YYYY-MM or YYYY as precision allows")
    precision: DatePrecision | None
    description: str | None = Field(default=None, description="human reading when not a day, e.g. 'a Thursday of March 2022'")


class EventDate(Record):
    date: str | None = Field(description="YYYY-MM-DD when precision is 'day', else YYYY-MM / YYYY")
    precision: DatePrecision | None
    description: str | None = None
    source_text: str | None = Field(default=None, description="the expression the date was resolved from")


class Location(Record):
    place: str | None = None
    region: str | None = None
    country: str | None = None


class Participant(Record):
    name: str = Field(description="as the report writes it in full (on an event: as its reports in the event's "
                      "language do, so 'Vladimir Poutine' in a French event)")
    role: str | None = None
    party: str | None = None
    canonical: str | None = Field(default=None, description="the same person's one name across languages and "
                                  "reports (the gazetteer's, else as first written); None: the name")

    @property
    def identity(self) -> str:
        return self.canonical or self.name


class EventFrame(Record):
    """Who met whom, where, when, which round, and what came out of it."""

    reports_event: bool = Field(default=True, description="False when the text reports no event of the vocabulary "
                                "(sport, markets, party politics...): the article builds no event")
    event_type: EventType = "other"
    parties: list[str] = Field(default_factory=list, description="sorted ISO codes / organisation short names")
    location: Location = Field(default_factory=Location)
    date: str | None = None
    date_precision: DatePrecision | None = None
    date_description: str | None = None
    meeting_days: int | None = Field(default=None, description="how many days the meeting had lasted by the day "
                                     "reported, when the report says ('after a week of talks': 7)")
    planned_days: int | None = Field(default=None, description="how many days the meeting is to last from the day "
                                     "reported, when the report says ('expected to last about a week': 7)")
    round: int | None = None
    outcomes: list[str] = Field(default_factory=list, description="controlled vocabulary labels (docs/outcomes.md)")
    outcome_phrases: list[str] = Field(default_factory=list, description="phrases the outcomes were read from, and outcomes outside the vocabulary")
    participants: list[Participant] = Field(default_factory=list, description="people who took part in the event")
    mentioned: list[Participant] = Field(default_factory=list, description="people named who did not take part")
    confidence: dict[str, float] = Field(default_factory=dict, description="0..1 per field name")


class EnrichedArticle(Record):
    """The article plus everything extracted from it; published keyed by article id."""

    article: Article
    language: str | None = Field(description="detected (or confirmed) ISO 639-1 language")
    language_status: LanguageStatus
    language_confidence: float = 0.0
    entities: list[EntityMention] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    dates: list[DateMention] = Field(default_factory=list)
    frame: EventFrame | None = Field(default=None, description="None for unsupported languages")
    duplicate_of: str | None = Field(default=None, description="id of the earlier article this one is a wire copy of")
    duplicate_similarity: float | None = None
    event_id: str | None = Field(
        default=None,
        description="the live canonical event holding the article; the record is republished when a merge or a late earlier report moves it",
    )


# --------------------------------------------------------------------------- events


class ArticleRef(Record):
    id: str
    source: str | None = Field(description="the outlet; for a plain-text dispatch the news agency its lead credits, "
                               "None when it names none")
    published_at: str
    duplicate_of: str | None = None
    title: str = Field(default="", description="the report's title; for an untitled report (a dispatch) its lead "
                       "sentence without the dateline, shortened")
    language: str | None = None
    url: str | None = Field(default=None, description="the report's http(s) link, when its producer gave one (field url)")


class CanonicalEvent(Record):
    """One real-world event, recomputed on every change; an upsert keyed by ``event_id``.

    An event absorbed by a merge is published once more with ``merged_into`` set to the
    surviving id and no frame fields (a redirect record, see the README).
    """

    event_id: str
    version: int = Field(description="monotonic per event_id")
    merged_into: str | None = Field(
        default=None,
        description="set on a redirect: the live event that absorbed this one (one hop: a redirect is republished when its target is absorbed in turn)",
    )
    event_type: EventType = "other"
    parties: list[str] = Field(default_factory=list)
    location: Location = Field(default_factory=Location)
    date: str | None = None
    date_precision: DatePrecision | None = None
    date_description: str | None = None
    round: int | None = None
    outcomes: list[str] = Field(default_factory=list)
    outcome_phrases: list[str] = Field(default_factory=list)
    participants: list[Participant] = Field(
        default_factory=list,
        description="people who took part, by the vote of the reports (most supported first); a role is the one most "
        "of the weight of the reports in the event's language gives (copies weigh less, case aside, ties: earliest), "
        "so it keeps one language",
    )
    mentioned: list[Participant] = Field(default_factory=list, description="people its reports name who did not take part")
    quotes: list[Quote] = Field(default_factory=list, description="best quotes, at most a few")
    track_id: str | None = Field(default=None, description="stable id of the negotiation track (same principal parties); null for incidents, speeches and other events")
    title: str = Field(
        default="",
        description="title of the best titled report: an original before a wire copy, then one in the language of "
        "most reports, then the earliest; when no report has a title, the lead sentence of the earliest",
    )
    first_seen: str | None = Field(default=None, description="published_at of the earliest report")
    last_updated: str | None = Field(default=None, description="published_at of the latest report")
    sources: int = Field(
        default=0,
        description="number of distinct outlets that published a report of the event, wire copies included (an outlet "
        "republishing an agency story published it too); names compared ignoring case and spacing; the reports whose "
        "outlet is unknown (dispatches crediting no agency) count together as one outlet. How many independent reports there are is independent_reports",
    )
    independent_reports: int = Field(
        default=0,
        description="number of reports that are not a wire copy of another: an agency story republished by ten "
        "outlets counts once",
    )
    articles: list[ArticleRef] = Field(default_factory=list)
    articles_total: int | None = Field(default=None, description="set when `articles` (and each provenance list) was cut to fit the broker's message size: how many there were")
    # each list is capped like ``articles`` (Limits.max_articles_per_event): the earliest supporters in replay order
    provenance: dict[str, list[str]] = Field(default_factory=dict, description="per field, the ids of the articles its value came from")
    confidence: dict[str, float] = Field(default_factory=dict)


# --------------------------------------------------------------------------- tracks


class TrackEntry(Record):
    """One event on a track's timeline."""

    event_id: str
    event_version: int = Field(description="the event's version this entry was read from")
    event_type: EventType
    date: str | None = None
    round: int | None = None
    place: str | None = None
    country: str | None = None
    title: str = ""


class Track(Record):
    """A negotiation track: its events in date order; an upsert keyed by ``track_id`` (a tombstone
    when its last event leaves it)."""

    track_id: str
    version: int = Field(description="monotonic per track_id")
    parties: list[str] = Field(default_factory=list, description="the principal parties every event of the track has")
    events: list[TrackEntry] = Field(default_factory=list, description="by date, then event id; undated events last")
    first_date: str | None = None
    last_date: str | None = None


class TrackChange(Record):
    """An event joining (``entry``) or leaving (``entry`` None) a track: the message between the two
    track stages, keyed by track id."""

    track_id: str
    parties: list[str]
    event_id: str
    event_version: int
    entry: TrackEntry | None = None


class EventTrackMark(Record):
    """What the track stage last saw of one event (``event-tracks`` table, keyed by event id)."""

    version: int
    track_id: str | None = None


class TrackState(Record):
    """A track's entries and the versions of the events that left it (``tracks`` table)."""

    version: int = 0
    parties: list[str] = Field(default_factory=list)
    entries: dict[str, TrackEntry] = Field(default_factory=dict)
    left: dict[str, int] = Field(default_factory=dict, description="event id -> version at which it left")


# --------------------------------------------------------------------------- dead letters


class DeadLetter(Record):
    """A message that could not be processed, with its original bytes and why."""

    reason: str = Field(description="stable machine-readable code, e.g. invalid_json")
    message: str = Field(description="human-readable explanation")
    stage: Literal["parse", "extract", "cluster"]
    original: str = Field(description="the original bytes, as UTF-8 text or base64; a prefix of them when original_truncated")
    original_encoding: Literal["utf-8", "base64"]
    original_truncated: bool = Field(default=False, description="true when the original was cut to fit the broker's message size")
    original_size: int | None = Field(default=None, description="length of the full original in bytes")
    original_sha256: str | None = Field(default=None, description="hex SHA-256 of the full original")
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    timestamp: str = Field(description="ISO 8601 UTC time the dead letter was written")
    article_id: str | None = None


OUTPUT_RECORDS: dict[str, type[Record]] = {
    "enriched_article": EnrichedArticle,
    "event": CanonicalEvent,
    "track": Track,
    "dead_letter": DeadLetter,
}


# --------------------------------------------------------------------------- clustering


class ArticleFeatures(Record):
    """An enriched article plus what clustering compares: MinHash, LSH bands, embedding."""

    article_id: str
    sort_key: tuple[str, str] = Field(description="(UTC ISO instant, id): the replay order")
    content_hash: str
    minhash: str = Field(description="base64 of the MinHash signature (uint32 per permutation)")
    shingles: int = Field(description="size of the body's shingle set, for containment estimates")
    bands: list[str] = Field(default_factory=list, description="LSH band keys of the signature")
    embedding: str | None = Field(default=None, description="base64 float16 unit vector of title + lead")
    outlet: str | None = Field(default=None, description="the outlet an event shows for the report (reports.report_outlet)")
    display_title: str = Field(default="", description="the title an event shows for the report (reports.display_title)")
    enriched: EnrichedArticle


class BlockMember(Record):
    """One clustered article in its block's store (``m/<id>``): its place in the fold."""

    id: str
    sort_key: tuple[str, str]
    content_hash: str
    joined: str | None = Field(default=None, description="label of the event it joined at its own step (a label is the id of an event's earliest member)")
    absorbed: list[str] = Field(default_factory=list, description="labels its step merged into the one it joined")
    duplicate_of: str | None = None
    duplicate_similarity: float | None = None


class EventState(Record):
    """The fold's view of one event label (``e/<label>``); an absorbed label keeps its own part."""

    label: str
    first: tuple[str, str] = Field(description="sort key of the label's earliest member")
    newest: tuple[str, str] = Field(description="sort key of the newest member, absorbed labels included")
    merged_into: str | None = Field(default=None, description="the label that absorbed this one")
    children: list[str] = Field(default_factory=list, description="labels this one absorbed")
    originals: list[tuple[str, str]] = Field(default_factory=list, description="sort keys of the members that joined this label, not copies")
    copies: list[tuple[str, str]] = Field(default_factory=list, description="sort keys of the wire copies that joined this label")
    representatives: list[tuple[str, str]] = Field(default_factory=list, description="the most recent originals, absorbed labels included")
    index_keys: list[str] = Field(default_factory=list, description="the day indexes this label is listed in")


class MemberText(Record):
    """What the stored features of a member leave out of its enriched article (``x/<id>``), to republish it."""

    body: str
    dates: list[DateMention] = Field(default_factory=list)


class PublishedEvent(Record):
    """What was last published for one event id (``v/<event id>``)."""

    version: int
    digest: str
    merged_into: str | None = None
    aliases: list[str] = Field(default_factory=list, description="event ids published as redirects to this one (never to an event that is itself a redirect)")


class BlockMeta(Record):
    """Per block (``meta``): the newest member, the member count, the publication days held."""

    newest: tuple[str, str] | None = None
    members: int = 0
    days: list[str] = Field(default_factory=list, description="sorted publication days (UTC) with an hour bucket")


class ClusterResult(Record):
    enriched: EnrichedArticle
    relabelled: list[EnrichedArticle] = Field(
        default_factory=list, description="earlier members whose event or copy source changed, republished"
    )
    events: list[CanonicalEvent] = Field(default_factory=list, description="changed events, redirects included")
    tombstones: list[str] = Field(default_factory=list, description="event ids to delete")
    status: Literal["clustered", "redelivery", "conflict", "unclustered"]


class RawMessage(Record):
    """One input message as it would sit on the raw topic (bytes travel as base64 in JSON)."""

    model_config = ConfigDict(extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    value: bytes
    key: str | None = None
    source: str | None = Field(default=None, description="where it was read from (file name)")

    @classmethod
    def from_json(cls, data: bytes | str):
        return cls.model_validate_json(data)


class ReplayResult(Record):
    events: list[CanonicalEvent] = Field(default_factory=list, description="final live events")
    enriched: list[EnrichedArticle] = Field(default_factory=list)
    dead_letters: list[DeadLetter] = Field(default_factory=list)
    seconds: float = 0.0


# --------------------------------------------------------------------------- rules input


class PersonSpan(Record):
    """A person mention located in the article text (character offsets), for quote attribution."""

    start: int
    end: int
    canonical: str = Field(description="canonical person name")
    party: str | None = Field(default=None, description="country or organisation code when known")
