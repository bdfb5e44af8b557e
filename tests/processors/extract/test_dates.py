import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from repo_paths import SEED

from talkwire.processors.extract.dates import choose_event_date, find_date_mentions, meeting_days, parse_publication, planned_days

THURSDAY_EVENING = "2022-03-03T19:40:00+01:00"  # a Thursday


def seed_text() -> str:
    return SEED.read_text("utf-8").split("date 2022-03 ", 1)[1]


def resolved(text: str, language: str, published_at: str = THURSDAY_EVENING) -> list[tuple[str, str | None]]:
    return [(m.text, m.date) for m in find_date_mentions(text, language, published_at, "day")]


def event_date(text: str, language: str, published_at: str = THURSDAY_EVENING, precision="day"):
    mentions = find_date_mentions(text, language, published_at, precision)
    return choose_event_date(mentions, text, language, published_at, precision)


@pytest.mark.parametrize("published_at", [THURSDAY_EVENING, "2022-03-04T08:00:00+01:00"])
def test_seed_thursday_resolves_to_march_3(published_at):
    chosen = event_date(seed_text(), "fr", published_at)
    assert (chosen.date, chosen.precision) == ("2022-03-03", "day")
    assert chosen.source_text == "Ce jeudi"


def test_seed_with_month_publication_keeps_the_month_and_names_the_weekday():
    chosen = event_date(seed_text(), "fr", "2022-03", "month")
    assert (chosen.date, chosen.precision) == ("2022-03", "month")
    assert "Thursday" in chosen.description and "March 2022" in chosen.description


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("Ils se sont réunis jeudi.", "fr", "2022-03-03"),
        ("Ils se sont réunis ce jeudi soir.", "fr", "2022-03-03"),
        ("Ils se sont réunis jeudi dernier.", "fr", "2022-02-24"),
        ("Ils se sont réunis mercredi.", "fr", "2022-03-02"),
        ("Ils se retrouveront lundi prochain.", "fr", "2022-03-07"),
        ("La réunion se tiendra samedi.", "fr", "2022-03-05"),
        ("Ils se sont parlé hier.", "fr", "2022-03-02"),
        ("Ils se sont parlé avant-hier.", "fr", "2022-03-01"),
        ("Ils se parlent aujourd'hui.", "fr", "2022-03-03"),
        ("Ils se parleront demain.", "fr", "2022-03-04"),
        ("Le sommet du 7 mars 2022.", "fr", "2022-03-07"),
        ("Le sommet du 1er mars.", "fr", "2022-03-01"),
        ("Le lundi 28 février, les délégations.", "fr", "2022-02-28"),
        ("Le 15 décembre, ils ont signé.", "fr", "2021-12-15"),
        ("They met on Thursday.", "en", "2022-03-03"),
        ("They met last Thursday.", "en", "2022-02-24"),
        ("They will meet next Monday.", "en", "2022-03-07"),
        ("They met yesterday.", "en", "2022-03-02"),
        ("They talk this morning.", "en", "2022-03-03"),
        ("They will talk tomorrow.", "en", "2022-03-04"),
        ("Talks resumed on March 29 in Istanbul.", "en", "2022-03-29"),
        ("Talks held on 7 March 2022.", "en", "2022-03-07"),
        ("Talks held on March 7, 2022.", "en", "2022-03-07"),
        ("Talks held 2022-03-07.", "en", "2022-03-07"),
    ],
)
def test_single_mentions_resolve_against_publication(text, language, expected):
    assert [date for _, date in resolved(text, language)] == [expected]


def test_a_year_less_date_is_the_one_nearest_the_publication():
    """Published in December, "le 9 janvier" is next month; published in January, "15 December" last month."""
    assert [m.date for m in find_date_mentions("Les négociations reprendront le 9 janvier.", "fr",
                                               "2016-12-01T21:35:00+01:00", "day")] == ["2017-01-09"]
    assert [m.date for m in find_date_mentions("They met on 15 December.", "en",
                                               "2017-01-10T09:00:00+00:00", "day")] == ["2016-12-15"]


@pytest.mark.parametrize("text", ["They may agree.", "The march continued.", "Le premier ministre a parlé."])
def test_common_words_are_not_dates(text):
    assert resolved(text, "en" if text.startswith("The") or text.startswith("They") else "fr") == []


def test_month_publication_resolves_explicit_dates_but_not_weekdays():
    mentions = find_date_mentions("Le 7 mars, puis hier.", "fr", "2022-03", "month")
    assert [(m.date, m.precision) for m in mentions] == [("2022-03-07", "day"), ("2022-03", "month")]


def test_malformed_publication_is_unknown_not_a_crash():
    assert parse_publication("not a date", "day").day is None
    mentions = find_date_mentions("Ils se sont réunis jeudi, le 7 mars 2022.", "fr", "not a date", "day")
    assert [m.date for m in mentions] == [None, "2022-03-07"]
    assert event_date("Rien.", "fr", "31/02/2022").date is None


def test_other_event_and_plans_do_not_win():
    text = (
        "Une troisième session de pourparlers a eu lieu mardi.\n\n"
        "Une deuxième session s'était terminée lundi sans avancées. "
        "La prochaine session se tiendra vendredi."
    )
    assert event_date(text, "fr").date == "2022-03-01"


def test_title_mention_beats_body_mention():
    text = "Talks in Istanbul on Tuesday\n\nThe delegations met on Tuesday.\n\nOn Monday, the city was shelled."
    assert event_date(text, "en").date == "2022-03-01"


def test_without_mentions_the_publication_day():
    chosen = event_date("Les négociations continuent.", "fr")
    assert (chosen.date, chosen.precision, chosen.source_text) == ("2022-03-03", "day", None)
    assert event_date("Les négociations continuent.", "fr", "2022-03", "month").date == "2022-03"


def test_only_a_future_plan_falls_back_to_publication_day():
    text = "Talks end in Belarus\n\nA new round of talks will be held next Monday."
    assert event_date(text, "en").date == "2022-03-03"


@pytest.mark.parametrize("text, language, expected", [
    ("Talks to resume in Geneva\n\nThe two delegations will meet on Monday, after a pause since last Tuesday.", "en", "2022-03-07"),
    ("Les négociations reprennent lundi à Genève\n\nLa dernière session s'était tenue mardi.", "fr", "2022-03-07"),
    ("Deal reached on the eve of Tuesday's vote\n\nThe leaders agreed on Thursday on a text.", "en", "2022-03-03"),
    ("Paris se barricade\n\nLa capitale s'apprête à accueillir lundi le sommet, mercredi déjà bouclé par la police.",
     "fr", "2022-03-07"),  # the lead announces it
    # ... even when it tells who announced it ("a annoncé jeudi que"), but not when the lead's news is
    # an announcement done ("ont annoncé jeudi soir un accord", with a vote planned for Friday)
    ("Maduro envoie son fils à Mexico\n\nLe président a annoncé jeudi que son fils ferait partie de la délégation "
     "attendue vendredi à Mexico pour l'ouverture des négociations.", "fr", "2022-03-04"),
    ("Accord de dernière minute à Strasbourg\n\nLes deux dirigeants ont annoncé jeudi soir un accord, avant un vote "
     "prévu vendredi.", "fr", "2022-03-03"),
])
def test_a_preview_is_dated_to_the_event_it_announces(text, language, expected):
    assert event_date(text, language).date == expected


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["fr", "en", "de"]), st.text(max_size=30), st.sampled_from(["day", "month", None]))
def test_never_raises(text, language, published_at, precision):
    mentions = find_date_mentions(text, language, published_at, precision)
    choose_event_date(mentions, text, language, published_at, precision)


def test_huge_text_is_handled():
    text = ("Ils se sont réunis jeudi à Minsk. " * 20_000)
    mentions = find_date_mentions(text, "fr", THURSDAY_EVENING, "day")
    assert len(mentions) == 20_000
    assert choose_event_date(mentions, text, "fr", THURSDAY_EVENING, "day").date == "2022-03-03"


def test_anchor_dates_of_another_event_do_not_win():
    text = (
        "Premiers pourparlers au Bélarus\n\n"
        "Les délégations se sont séparées lundi après cinq heures de pourparlers.\n\n"
        "Cette rencontre, la première depuis le début de l'invasion, le 24 février, s'est tenue à Gomel."
    )
    assert event_date(text, "fr", "2022-02-28T19:10:00+01:00").date == "2022-02-28"


def test_future_clause_elsewhere_in_the_sentence_does_not_move_a_weekday():
    text = "CODA won best picture on Sunday night, but the ceremony will be remembered for a slap."
    assert event_date(text, "en", "2022-03-28T06:30:00+01:00").date == "2022-03-27"


def test_comparison_with_an_old_year_is_not_another_event():
    text = "Oil at highest since 2008\n\nOil prices surged to their highest since 2008 on Monday.\n\nBlinken said on Sunday that a ban was discussed."
    assert event_date(text, "en", "2022-03-07T12:30:00+00:00").date == "2022-03-07"


def test_weekday_with_dotted_capital_i_resolves() -> None:
    mentions = find_date_mentions("Les délégations se sont réunies JEUDİ à İstanbul.", "fr",
                                  "2022-03-05T10:00:00+00:00", "day")
    assert [m.date for m in mentions] == ["2022-03-03"]


@pytest.mark.parametrize("text, language, days", [
    ("a annoncé dimanche l'ONU à l'issue d'une réunion de sept jours dans la capitale jordanienne", "fr", 7),
    ("L'accord a été conclu au terme d'une semaine de discussions coprésidées par l'ONU.", "fr", 7),
    ("The deal was reached after a week of talks in Glion, near Montreux.", "en", 7),
    ("The agreement came at the end of 10 days of negotiations in Switzerland.", "en", 10),
    ("Hodeidah divides the delegations as the talks reached their fifth day.", "en", 5),
    ("Leaders gathered for a two-day summit in Brussels.", "en", 2),
    ("The talks opened on Monday in Geneva.", "en", None),
])
def test_how_long_a_meeting_had_lasted_by_the_reported_day(text, language, days):
    assert meeting_days(text, language) == days


@pytest.mark.parametrize("text, language, days", [
    ("Les consultations doivent durer une semaine, selon l'ONU.", "fr", 7),
    ("Les dirigeants ont entamé lundi en Suisse cinq jours de négociations intensives.", "fr", 5),
    ("The talks are expected to last about a week.", "en", 7),
    ("It is expected to last around ten days, the envoy's office said.", "en", 10),
    ("Leaders travel to Switzerland on Monday for five days of intensive negotiations.", "en", 5),
    ("The deal was reached after a week of talks in Glion.", "en", None),  # lasted, not to last
    ("Au terme de cinq jours de négociations, un accord.", "fr", None),
])
def test_how_long_a_meeting_is_to_last_from_the_reported_day(text, language, days):
    assert planned_days(text, language) == days
