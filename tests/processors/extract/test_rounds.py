"""The round rules (extract/rounds.py): ordinals, numbers and series names of the reported event's round."""

from __future__ import annotations

import pytest

from talkwire.processors.extract.rounds import extract_round


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("La deuxième session de pourparlers s'est tenue à Minsk.", "fr", 2),
        ("Un troisième round de négociations a débuté.", "fr", 3),
        ("Le 3e cycle de négociations a commencé.", "fr", 3),
        ("Ukraine and Russia hold second round of talks.", "en", 2),
        ("The first meeting of the delegations took place on the border.", "en", 1),
        ("Talks continued.", "en", None),
        ("Le premier ministre a parlé.", "fr", None),
        ("A fourth round is planned next week.", "en", None),
        ("Une première rencontre s'était terminée lundi sans avancées concrètes.", "fr", None),
        ("It was the first meeting since the invasion began.", "en", None),
        # any ordinal to 50 and beyond, spelled out (compound, hyphens or spaces) or in digits
        ("Le quinzième cycle de consultations s'est ouvert mardi à Genève.", "fr", 15),
        ("Le vingt-et-unième round de négociations a commencé.", "fr", 21),
        ("Le vingt et unième round de négociations a commencé.", "fr", 21),
        ("Les dirigeants africains ouvrent le trente-cinquième sommet de l'Union africaine.", "fr", 35),
        ("Le 35e sommet de l'Union africaine s'est ouvert dimanche.", "fr", 35),
        ("Le 15ème cycle de pourparlers s'achève.", "fr", 15),
        ("The twenty-first round of talks opened in Vienna.", "en", 21),
        ("Leaders gathered for the 49th G7 summit in Hiroshima.", "en", 49),
        ("The forty-seventh session of the talks ended on Friday.", "en", 47),
        ("Negotiators met for round 7 of the talks.", "en", 7),
        ("Round IV of the talks opened in Geneva.", "en", 4),
        # a summit of a recurring series
        ("The two leaders' second summit opened in Hanoi.", "en", 2),
        # records, not places in the series
        ("Delegations met on Monday, the first talks since March.", "en", None),
        ("It was the first round of talks to be hosted by Norway.", "en", None),
        ("It is the first round of such talks to be hosted by Qatar.", "en", None),
        ("The talks are the first since negotiations in Vienna stalled in March.", "en", None),
        ("They met on Thursday, their first encounter since the collapse of the second round ten days ago.", "en", None),
        ("Les discussions sont les premières depuis négociations et rencontres de mars.", "fr", None),
        ("The Houthis are in Riyadh for their first public talks in Saudi Arabia.", "en", None),
        ("C'est le premier cycle de ces discussions à être accueilli par le Qatar.", "fr", None),
        ("Le premier cycle de négociations à se tenir en Afrique s'est ouvert.", "fr", None),
        ("The leaders held their first face-to-face in three weeks.", "en", None),
        ("Les deux hommes ont eu leur premier face-à-face depuis trois semaines.", "fr", None),
        ("They met for the first time on Tuesday.", "en", None),
        ("The sides held their first direct talks in years.", "en", None),
        ("Les deux camps ont ouvert leurs premières négociations directes.", "fr", None),
        ("It was their second meeting in less than three weeks.", "en", None),
        ("They held the second in-person summit of the group.", "en", None),
        ("May, attending her first summit as leader, met Obama.", "en", None),
        # an earlier round, a plan, a day or a part of a meeting
        ("Talks resumed after the third round failed.", "en", None),
        ("Après l'échec du troisième cycle, les négociateurs se retrouvent à Genève.", "fr", None),
        ("After the collapse of the third round, negotiators meet again in Geneva.", "en", None),
        ("It was the first round hosted by Norway.", "en", None),
        ("The first round, held in Geneva, ended on Friday.", "en", 1),
        ("The leaders met for their third summit this year.", "en", None),
        ("Les délégations se sont revues, lors du précédent cycle à Genève.", "fr", None),
        ("A fourth round is planned for May.", "en", None),
        ("Diplomats noted that the ninth round of talks, held in Vienna, had ended without agreement.", "en", None),
        ("Le premier round, conclu le 31 janvier, s'était achevé sans résultat.", "fr", None),
        ("The opposition arrived a day after the start of the eighth round of talks, which it had delayed.", "en", 8),
        ("Negotiators met for a second day of talks.", "en", None),
        ("La deuxième phase des négociations doit s'ouvrir en mars.", "fr", None),
        ("Scotland's First Minister talks to the press on Monday.", "en", None),
        ("Le secrétaire général a parlé à l'issue de la première séance plénière du sommet.", "fr", None),
        ("Il a dit espérer une première réunion à Genève dans un avenir proche.", "fr", None),
    ],
)
def test_round(text, language, expected):
    assert extract_round(text, language)[0] == expected


def test_round_of_the_main_event_beats_earlier_and_later_rounds():
    text = (
        "Troisième session de pourparlers entre Kiev et Moscou\n\n"
        "Après la deuxième session jeudi, les délégations se retrouvent. Une quatrième session est prévue."
    )
    assert extract_round(text, "fr")[0] == 3


def test_round_of_a_part_is_the_round_it_is_part_of():
    text = "Les délégations se sont retrouvées mardi pour la première séance commune du deuxième round de négociations."
    assert extract_round(text, "fr")[0] == 2


@pytest.mark.parametrize("text, language", [
    ("Les deux ministres s'étaient déjà vus à Vienne le 3 mai, pour leur premier entretien sur le texte.", "fr"),
    ("The two envoys had already met in Vienna on May 3, for their first session on the text.", "en"),
])
def test_an_earlier_meeting_anywhere_before_the_ordinal_in_its_sentence_is_no_round(text, language):
    """The ordinal of a meeting recalled earlier in the sentence, even past a comma, numbers that meeting."""
    assert extract_round(text, language)[0] is None


def test_round_after_the_noun_phrase_ends_at_a_clause_of_its_own():
    text = "The fourth round of talks ended in Geneva on Friday, and a fifth round is due next month."
    assert extract_round(text, "en")[0] == 4
    text = "The fourth round of talks opened on Monday, a week after the third had ended."
    assert extract_round(text, "en")[0] == 4


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("La conférence de paix dite « Genève II » s'ouvre mercredi à Montreux.", "fr", 2),
        ("The talks, known as Geneva IV, opened on Thursday.", "en", 4),
        ("Astana-13 talks open in the Kazakh capital.", "en", 13),
        ("COP21 : 150 dirigeants au Bourget pour lancer la conférence.", "fr", 21),
        ("Le régime refuse de signer le communiqué de Genève II.", "fr", None),  # a document, not a meeting
        ("The leaders discussed the Minsk II agreements.", "en", None),
        ("The opposition walked out of the Geneva II talks in 2014.", "en", None),  # an earlier meeting
        ("Louis XIV talks with his ministers.", "en", None),  # not a place
    ],
)
def test_round_of_a_series_named_by_its_venue(text, language, expected):
    assert extract_round(text, language, is_place=lambda name: name in {"Genève", "Geneva", "Astana", "Minsk"})[0] == expected


def test_series_named_deep_in_the_body_names_a_body_not_the_meeting():
    text = ("Washington ratifies the climate deal\n\nThe United States formally joined the accord on Saturday.\n\n"
            "Officials welcomed the move.\n\nThe minister, who has chaired COP21 since December, praised it.")
    assert extract_round(text, "en")[0] is None
    assert extract_round("COP21 opens in Paris\n\nLeaders gathered on Monday.", "en")[0] == 21


def test_series_named_by_a_venue_needs_a_place_lookup():
    assert extract_round("The talks, known as Geneva IV, opened on Thursday.", "en")[0] is None


def test_round_mentioned_as_a_planned_session_is_not_the_round():
    text = "Macron et Poutine au téléphone\n\nPoutine a évoqué la deuxième session de pourparlers prévue le même jour."
    assert extract_round(text, "fr")[0] is None


@pytest.mark.parametrize("text, expected", [
    ("The FİRST round of talks in İstanbul ended.", 1),  # lower() gives "fi̇rst": İ keeps its dot
    ("La DEUXİÈME session de pourparlers a eu lieu.", 2),
    ("The ſecond round of talks ended.", 2),  # re.IGNORECASE matches ſ for s
])
def test_round_ordinals_with_special_case_folding(text: str, expected: int) -> None:
    assert extract_round(text, "fr" if "session" in text else "en")[0] == expected
