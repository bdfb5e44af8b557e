"""The event-level vote of event_vote.build_event: empty-by-nature fields and 'other' count."""

from talkwire.processors.cluster.event_vote import build_event
from talkwire.processors.cluster.features import synthetic_features
from talkwire.processors.records import BlockMember, EventFrame, Location, Participant
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


def report(article_id, hour, *, title="", language="fr", dispatch=False, body=None):
    return synthetic_features(article_id, topic="t", published_at=f"2022-03-03T{hour:02d}:00:00+00:00", title=title,
                              language=language, body=body, source="dispatch" if dispatch else f"Outlet {article_id}",
                              frame=EventFrame(event_type="negotiation_round", parties=["RU", "UA"]),
                              input_format="dispatch" if dispatch else "json")


def event_of(*items, copies=None):
    copies = copies or {}
    roster = [BlockMember(id=item.article_id, sort_key=item.sort_key, content_hash=item.content_hash,
                          duplicate_of=copies.get(item.article_id)) for item in items]
    return build_event("ev-1", roster, list(items), Limits())


def test_the_event_title_is_the_best_titled_report_not_the_untitled_first_dispatch():
    """First report a title-less dispatch, then an English original, a French one and a French copy:
    the title is the French original's (an original, in the language of most reports)."""
    event = event_of(
        report("d", 8, dispatch=True, body="Ce jeudi avait lieu une deuxième session de pourparlers.\n\nSuite."),
        report("e", 9, title="Second round of talks ends", language="en"),
        report("f", 10, title="Deuxième session de pourparlers"),
        report("g", 11, title="Copie reprise"),
        copies={"g": "f"},
    )
    assert event.title == "Deuxième session de pourparlers"


def test_a_dispatch_shows_its_lead_and_the_agency_it_credits_not_its_id_and_dispatch():
    long_lead = "Ce jeudi avait lieu une deuxième session de pourparlers " + "entre les deux délégations " * 6 + "."
    event = event_of(
        report("d1", 8, dispatch=True, body=long_lead + " Puis une autre phrase.\n\nSuite du texte."),
        report("d2", 9, dispatch=True, body="Kiev (AFP) - Les délégations se sont séparées lundi. Elles se reverront."),
        report("d3", 10, dispatch=True, body="KYIV, April 9 (Reuters) - Talks ended on Monday.\n\nMore text."),
    )
    refs = {ref.id: ref for ref in event.articles}
    assert [refs[i].source for i in ("d1", "d2", "d3")] == [None, "AFP", "Reuters"]
    assert refs["d2"].title == "Les délégations se sont séparées lundi."
    assert refs["d3"].title == "Talks ended on Monday."
    assert refs["d1"].title.endswith("…") and len(refs["d1"].title) <= 120
    assert refs["d1"].title.startswith("Ce jeudi avait lieu une deuxième session de pourparlers entre")
    assert event.title == refs["d1"].title  # no report has a title: the earliest's lead
    assert event.sources == 3  # AFP, Reuters and the unknown outlet of d1


def speaker(article_id, hour, role, language):
    return synthetic_features(article_id, topic="t", published_at=f"2022-03-03T{hour:02d}:00:00+00:00",
                              language=language, frame=EventFrame(event_type="phone_call", parties=["FR", "RU"],
                              participants=[Participant(name="Emmanuel Macron", role=role, party="FR")]))


def test_a_participant_role_keeps_the_event_language_until_the_vote_changes():
    """Versions of one mostly French event: an English report published before the others (so
    first in replay order) or after them does not turn 'président' into 'President'; once most
    reports are English, the role is English."""
    fr1, fr2, fr5 = (speaker(i, h, r, "fr") for i, h, r in (("fr1", 10, "président"), ("fr2", 11, "Président"),
                                                              ("fr5", 15, "président")))
    en0, en3, en4 = (speaker(i, h, "President", "en") for i, h in (("en0", 8), ("en3", 12), ("en4", 13)))
    versions = [event_of(*items) for items in ([fr1, fr2], [en0, fr1, fr2], [en0, fr1, fr2, en3, fr5])]
    assert [[(p.name, p.role) for p in event.participants] for event in versions] == [
        [("Emmanuel Macron", "président")]] * 3
    assert event_of(en0, fr1, fr2, en3, en4, fr5, speaker("en6", 16, "President", "en")).participants[0].role == "President"


def negotiator(article_id, hour, name, language="fr"):
    return synthetic_features(article_id, topic="t", published_at=f"2022-06-27T{hour:02d}:00:00+00:00",
                              language=language, frame=EventFrame(event_type="negotiation_round", parties=["EU", "IR"],
                              participants=[Participant(name=name, role="négociateur en chef", party="IR")]))


def test_a_shortened_name_is_the_person_the_other_reports_name_in_full():
    """'Ali Bagheri' in two reports, 'Ali Bagheri Kani' in one: one participant, under the full name.
    A single word is not enough to tell ('Abbas' is no shortened 'Mahmoud Abbas')."""
    event = event_of(negotiator("a", 8, "Ali Bagheri"), negotiator("b", 9, "Ali Bagheri Kani", "en"),
                     negotiator("c", 10, "Ali Bagheri"))
    assert [p.name for p in event.participants] == ["Ali Bagheri Kani"]
    event = event_of(negotiator("a", 8, "Abbas"), negotiator("b", 9, "Abbas Araghchi"))
    assert sorted(p.name for p in event.participants) == ["Abbas", "Abbas Araghchi"]


def test_names_that_differ_only_by_accents_are_one_person_spelt_with_them():
    event = event_of(negotiator("a", 8, "Juan Guaido", "en"), negotiator("b", 9, "Juan Guaidó"),
                     negotiator("c", 10, "Juan Guaido", "en"))
    assert [p.name for p in event.participants] == ["Juan Guaidó"]


def test_two_transliterations_of_a_name_are_one_person_but_two_names_alike_are_not():
    event = event_of(negotiator("a", 8, "Mohammed Abdulsalam", "en"), negotiator("b", 9, "Mohammed Abdul-Salam"),
                     negotiator("c", 10, "Abdulqader al-Murtada", "en"), negotiator("d", 11, "Abdelkader al-Mourtada"))
    assert len(event.participants) == 2
    event = event_of(negotiator("a", 8, "Kim Jong Un", "en"), negotiator("b", 9, "Kim Jong Il", "en"))
    assert len(event.participants) == 2
    event = event_of(negotiator("a", 8, "Ararat Mirzoïan", "en"), negotiator("b", 9, "Ararat Mirzoyan", "en"),
                     negotiator("c", 10, "Ararat Mirzoyan", "en"))
    assert [p.name for p in event.participants] == ["Ararat Mirzoyan"]  # the spelling most reports use


def test_an_event_of_a_type_without_rounds_has_none_whatever_a_report_numbered():
    """A report of a call that read the eighth round of the talks it was about as its own round."""
    calls = [EventFrame(event_type="phone_call", parties=["FR", "IR"]) for _ in range(2)]
    misread = EventFrame(event_type="negotiation_round", parties=["FR", "IR"], round=8)
    roster, items = members(*calls, misread)
    event = build_event("ev-1", roster, items, Limits())
    assert event.event_type == "phone_call" and event.round is None


def test_an_organisation_of_states_convening_talks_between_two_sides_is_no_party():
    yemen = [EventFrame(event_type="negotiation_round", parties=["HOUTHI", "UN", "YE"]) for _ in range(2)]
    roster, items = members(*yemen)
    assert build_event("ev-1", roster, items, Limits()).parties == ["HOUTHI", "YE"]
    brexit = [EventFrame(event_type="negotiation_round", parties=["EU", "GB"]) for _ in range(2)]
    roster, items = members(*brexit)
    assert build_event("ev-1", roster, items, Limits()).parties == ["EU", "GB"]
    grain = [EventFrame(event_type="agreement_signing", parties=["RU", "TR", "UA", "UN"]) for _ in range(2)]
    roster, items = members(*grain)
    assert build_event("ev-1", roster, items, Limits()).parties == ["RU", "TR", "UA", "UN"]


def test_a_meeting_reported_over_several_days_is_dated_to_its_first_day():
    """Two days of talks: the preview dates the first day, two reports the second."""
    def talks(day):
        return EventFrame(event_type="negotiation_round", parties=["CN", "US"], date=day, date_precision="day")
    roster, items = members(talks("2019-05-10"), talks("2019-05-09"), talks("2019-05-10"))
    assert build_event("ev-1", roster, items, Limits()).date == "2019-05-09"
    roster, items = members(talks("2019-05-02"), talks("2019-05-10"), talks("2019-05-10"), talks("2019-05-10"))
    assert build_event("ev-1", roster, items, Limits()).date == "2019-05-10"  # a stray day a week before
    calls = [EventFrame(event_type="phone_call", parties=["CN", "US"], date=d, date_precision="day")
             for d in ("2019-05-09", "2019-05-10", "2019-05-10")]
    roster, items = members(*calls)
    assert build_event("ev-1", roster, items, Limits()).date == "2019-05-10"  # a call has one day
