"""The event-level vote of clustering.build_event: empty-by-nature fields and 'other' count."""

from talkwire.processors.clustering import build_event
from talkwire.processors.features import synthetic_features
from talkwire.processors.records import BlockMember, EventFrame, Location
from talkwire.settings import Limits


def members(*frames):
    items = [synthetic_features(f"a{i}", topic="t", frame=f) for i, f in enumerate(frames)]
    roster = [BlockMember(id=item.article_id, sort_key=item.sort_key, content_hash=item.content_hash) for item in items]
    return roster, items


def call(country=None, place=None):
    return EventFrame(event_type="phone_call", parties=["FR", "RU"], location=Location(place=place, country=country))


def test_a_call_has_no_venue_even_when_one_article_names_one():
    roster, items = members(call(), call("UA", "Zaporizhzhia"), call())
    event = build_event("ev-1", roster, items, Limits())
    assert event.event_type == "phone_call"
    assert event.location == Location()


def test_other_is_a_vote_so_one_incident_does_not_outvote_three_others():
    inspection = EventFrame(event_type="other", parties=["IAEA", "UA"], location=Location(country="UA"))
    shelling = EventFrame(event_type="incident", parties=["UA"], location=Location(country="UA"))
    roster, items = members(shelling, inspection, inspection, inspection)
    assert build_event("ev-1", roster, items, Limits()).event_type == "other"


def test_the_venue_of_a_meeting_is_voted_by_the_articles_that_name_one():
    talks = [EventFrame(event_type="summit", parties=["RU", "TR"], location=Location(country=c, place=p))
             for c, p in ((None, None), ("RU", "Sochi"), (None, None))]
    roster, items = members(*talks)
    assert build_event("ev-1", roster, items, Limits()).location.place == "Sochi"


def test_sources_counts_outlets_and_independent_reports_counts_originals():
    """An AFP story republished by two outlets, one of them twice under a differently spelt name,
    plus a Reuters report: three outlets published it, two independent reports."""
    frame = EventFrame(event_type="summit", parties=["RU", "TR"])
    reports = [("afp", "AFP", None), ("soir", "Le Soir", "afp"), ("soir2", "le  SOIR", "afp"),
               ("libre", "La Libre", "afp"), ("rtrs", "Reuters", None)]
    items = [synthetic_features(i, topic="t", source=source, frame=frame) for i, source, _ in reports]
    roster = [BlockMember(id=item.article_id, sort_key=item.sort_key, content_hash=item.content_hash,
                          duplicate_of=copy_of) for item, (_, _, copy_of) in zip(items, reports)]
    event = build_event("ev-1", roster, items, Limits())
    assert (event.sources, event.independent_reports) == (4, 2)
