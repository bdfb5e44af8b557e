"""The event type rules (extract/event_type.py): on the seed, on crafted sentences, on text written by
others; and all three text rules on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from repo_paths import SEED

from talkwire.processors.data_files import load_data
from talkwire.processors.extract.event_type import (
    _type_triggers,
    classify_event_type,
    decide_event_type,
    event_type_scores,
)
from talkwire.processors.extract.outcomes import extract_outcomes
from talkwire.processors.extract.rounds import extract_round


def seed_text() -> str:
    return SEED.read_text("utf-8").split("date 2022-03 ", 1)[1]


def test_seed():
    event_type, confidence = classify_event_type(seed_text(), "fr")
    assert event_type == "negotiation_round" and confidence > 0.5
    assert extract_round(seed_text(), "fr")[0] == 2
    labels, phrases = extract_outcomes(seed_text(), "fr")
    assert {"humanitarian_corridors", "temporary_ceasefire"} <= set(labels)
    assert "no_agreement" not in labels and "ceasefire" not in labels
    assert phrases == []  # every result of the seed is in the vocabulary: no phrase repeats a label


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("Macron et Poutine se sont entretenus par téléphone\n\nLe président français a appelé à un cessez-le-feu.", "fr", "phone_call"),
        ("Biden and Xi hold video call\n\nThe two leaders spoke for two hours about Ukraine and sanctions.", "en", "phone_call"),
        ("Lavrov and Kuleba meet in Antalya\n\nThe foreign ministers of Russia and Ukraine met on Thursday, the first meeting since the invasion.", "en", "ministerial_meeting"),
        ("Les chefs de la diplomatie russe et ukrainienne réunis à Antalya\n\nSergueï Lavrov et Dmytro Kouleba se sont rencontrés.", "fr", "ministerial_meeting"),
        ("EU leaders gather for summit in Versailles\n\nHeads of state and government discussed energy.", "en", "summit"),
        ("Sommet de l'Otan à Madrid\n\nLes chefs d'État et de gouvernement de l'Alliance sont réunis.", "fr", "summit"),
        ("Russia and Ukraine signed a grain export deal in Istanbul\n\nThe signing ceremony was attended by Guterres after weeks of talks.", "en", "agreement_signing"),
        ("Zelensky addresses US Congress\n\nIn a speech to lawmakers, Zelensky asked for more help.", "en", "speech"),
        ("Discours de Vladimir Poutine sur la place Rouge\n\nDans une allocution pour le 9 mai, le président russe a justifié l'offensive.", "fr", "speech"),
        ("Incendie à la centrale nucléaire de Zaporijjia après des bombardements\n\nDes tirs russes ont provoqué un incendie.", "fr", "incident"),
        ("Missile strike hits Kramatorsk station\n\nAt least 50 people were killed in the attack.", "en", "incident"),
        ("Ukraine, Russia hold third round of talks in Belarus\n\nThe delegations met for three hours despite shelling nearby.", "en", "negotiation_round"),
        ("Le prix du pain augmente\n\nLes boulangers sont inquiets.", "fr", "other"),
    ],
)
def test_event_type(text, language, expected):
    assert classify_event_type(text, language)[0] == expected


def test_confidence_is_a_share():
    for text in ("", "talks", seed_text()):
        assert 0.0 <= classify_event_type(text, "fr")[1] <= 1.0


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500), st.sampled_from(["fr", "en", "de", ""]))
def test_never_raises(text, language):
    event_type, confidence = classify_event_type(text, language)
    assert 0.0 <= confidence <= 1.0
    extract_round(text, language)
    extract_outcomes(text, language)


def test_huge_text_is_handled():
    text = "La deuxième session de pourparlers a permis des couloirs humanitaires. " * 5000
    assert classify_event_type(text, "fr")[0] == "negotiation_round"
    assert extract_round(text, "fr")[0] == 2
    assert extract_outcomes(text, "fr")[0] == ["humanitarian_corridors"]


def test_type_trigger_in_a_plan_clause_of_the_title_is_discounted_only_there():
    text = "Après un appel avec Poutine, Macron estime que « le pire est à venir »\n\nMacron s'est entretenu jeudi par téléphone avec Poutine."
    assert classify_event_type(text, "fr")[0] == "phone_call"


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Les deux dirigeants se sont retrouvés pour un tête-à-tête à Sotchi.", "fr", "summit"),
    ("The three leaders met in Lviv on Thursday to discuss the grain deal.", "en", "summit"),
    ("Les inspecteurs de l'AIEA sont arrivés jeudi à la centrale malgré des bombardements.", "fr", "other"),
    ("UN nuclear inspectors reached the plant on Thursday despite shelling nearby.", "en", "other"),
    ("Un échange de prisonniers a eu lieu mercredi entre l'Ukraine et la Russie.", "fr", "other"),
    ("Putin drops his demand after Macron call.\n\nThe two presidents spoke by phone on Friday.", "en", "phone_call"),
    ("Macron a décroché son téléphone vendredi pour appeler Vladimir Poutine.", "fr", "phone_call"),
    ("Des militaires russes et ukrainiens se sont assis à la même table pour discuter des céréales.", "fr", "negotiation_round"),
])
def test_general_type_conventions(text, language, expected):
    assert classify_event_type(text, language)[0] == expected


def test_a_nuclear_plant_alone_is_no_incident():
    assert classify_event_type("The nuclear plant supplies a fifth of the country's power.", "en")[0] == "other"


@pytest.mark.parametrize(
    "text, language",
    [
        ("Blinken et Lavrov se parlent pour la première fois depuis la guerre\n\nLe secrétaire d'État américain Antony "
         "Blinken et le ministre russe des Affaires étrangères Sergueï Lavrov se sont parlé au téléphone vendredi.", "fr"),
        ("U.S., Russian top diplomats speak\n\nSecretary of State Antony Blinken held a telephone call with Russian "
         "Foreign Minister Sergei Lavrov on Friday, the first since the invasion.", "en"),
    ],
)
def test_ministers_on_the_phone_hold_a_call_not_a_meeting(text, language):
    assert classify_event_type(text, language)[0] == "phone_call"


@pytest.mark.parametrize(("text", "language", "expected"), [
    # a deal announced by the mediating state is talks, not "other"
    ("Qatar announces deal between the two sides\n\nThe Qatari foreign ministry said on Wednesday a deal had been "
     "reached after weeks of mediation.", "en", "negotiation_round"),
    ("Le médiateur annonce un accord entre Khartoum et les rebelles\n\nUn accord a été conclu dans la nuit sous "
     "l'égide de l'Union africaine.", "fr", "negotiation_round"),
    # striking a deal is no strike
    ("Armenia, Azerbaijan strike deal on border crossings\n\nThe agreement came after talks in Brussels.", "en",
     "negotiation_round"),
    # a summit of a recurring series
    ("COP29 opens in Baku\n\nDelegates from nearly 200 countries began two weeks of negotiations.", "en", "summit"),
    ("La COP 21 s'ouvre au Bourget\n\nLes négociations doivent aboutir à un accord universel.", "fr", "summit"),
    ("G-7 leaders gather in Apulia\n\nThe leaders discussed support for Kyiv.", "en", "summit"),
    # a video summit is a call
    ("Leaders hold virtual summit on the crisis\n\nThe two presidents met by video link for an hour.", "en", "phone_call"),
    ("Sommet virtuel entre les deux dirigeants\n\nLes présidents se sont entretenus pendant une heure.", "fr", "phone_call"),
    # signing a truce is a signing, in any tense; a signing denied is none
    ("Government and rebels sign six-month truce\n\nThe ceasefire takes effect in August.", "en", "agreement_signing"),
    ("Le gouvernement et la guérilla signent un cessez-le-feu\n\nLa trêve entre en vigueur lundi.", "fr",
     "agreement_signing"),
    ("Les deux délégations s'entendent sur le texte, mais pas de signature\n\nLes négociateurs ont accepté le "
     "texte sans le signer.", "fr", "negotiation_round"),
    # a summit named as a landmark of time is not the event
    ("Foreign ministers meet on the sidelines of the G20 summit\n\nThe foreign ministers of both countries met "
     "for an hour ahead of the summit.", "en", "ministerial_meeting"),
    ("Les ministres du G20 réunis à Rio\n\nLes chefs de la diplomatie se sont retrouvés à la veille du sommet.",
     "fr", "ministerial_meeting"),
    # an exchange the talks are about is no exchange taking place; one taking place is
    ("Yemen foes negotiate prisoner swap in Switzerland\n\nThe two sides are negotiating the release of detainees "
     "in Glion.", "en", "negotiation_round"),
    ("Russie et Ukraine échangent des prisonniers\n\nUn échange de prisonniers a eu lieu samedi.", "fr", "other"),
    # ... nor is an event a report dates itself from
    ("Trump and Putin discuss Syria safe zones in first call since missile strike\n\nThe two leaders discussed the "
     "war in Syria on Tuesday, the Kremlin said, after weeks of tension over the U.S. missile strike.", "en",
     "phone_call"),
])
def test_types_of_other_processes(text, language, expected):
    assert classify_event_type(text, language)[0] == expected


@pytest.mark.parametrize(("text", "language"), [
    ("Le XV de France s'impose face à l'Irlande\n\nLes Bleus ont dominé la rencontre.\n\n"
     "En marge du match, le ministre des Sports a évoqué les négociations sur les droits télé.", "fr"),
    ("Stocks rally as tech shares rebound\n\nThe Nasdaq rose 2%.\n\nInvestors also watched trade negotiations "
     "and the upcoming summit.", "en"),
    ("Le prix du pain augmente\n\nLes boulangers sont inquiets.", "fr"),
])
def test_an_article_reporting_no_event_is_other_with_low_confidence(text, language):
    decision = decide_event_type(event_type_scores(text, language))
    assert decision.event_type == "other" and decision.confidence <= 0.1 and not decision.reports_event


def test_an_event_of_type_other_still_reports_an_event():
    decision = decide_event_type(event_type_scores(
        "Un échange de prisonniers a eu lieu mercredi entre l'Ukraine et la Russie.", "fr"))
    assert decision.event_type == "other" and decision.reports_event


def test_no_trigger_names_a_person():
    """Types come from the text's vocabulary; who people are is the gazetteer's knowledge."""
    names = [name for person in load_data("gazetteer/people.yaml") for name in [person["name"], *person.get("aliases", [])]]
    assert len(names) > 50
    for language in ("fr", "en"):
        for event_type, triggers in _type_triggers(language).items():
            for pattern, _ in triggers:
                assert not [n for n in names if pattern.search(n)], (event_type, pattern)


def test_a_body_that_keeps_speaking_of_the_event_reports_it_without_a_lead_trigger():
    text = ("Un dimanche à Genève\n\nLa ville était calme.\n\n"
            "Les délégations se sont retrouvées à huis clos pour des pourparlers.\n\n"
            "Les négociations ont duré six heures.")
    decision = decide_event_type(event_type_scores(text, "fr"))
    assert decision.event_type == "negotiation_round" and decision.reports_event


@pytest.mark.parametrize("text, language, expected", [
    ("Yémen : négociations sur un échange de prisonniers à Amman\n\nLes délégations ont entamé lundi à Amman des "
     "négociations sur l'échange de prisonniers prévu par les accords de Stockholm.", "fr", "negotiation_round"),
    ("Ukraine and Russia swap prisoners\n\nUkraine and Russia carried out a prisoner exchange on Wednesday, "
     "freeing 215 prisoners.", "en", "other"),
])
def test_an_exchange_as_the_topic_of_talks_is_no_exchange(text, language, expected):
    assert classify_event_type(text, language)[0] == expected


def test_a_lone_weak_trigger_in_the_lead_reports_no_event():
    text = ("La Pologne inaugure le gazoduc Baltic Pipe\n\nLe gazoduc a été inauguré mardi lors d'une cérémonie "
            "près de Szczecin, en présence du président polonais.")
    assert decide_event_type(event_type_scores(text, "fr")).reports_event is False
