import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from repo_paths import SEED, TESTS_DATA

from talkwire.processors.data_files import load_data
from talkwire.processors.extract.event_type import (
    _type_triggers,
    classify_event_type,
    decide_event_type,
    event_type_scores,
)
from talkwire.processors.extract.outcomes import _outcome_rules, extract_outcomes
from talkwire.processors.extract.rounds import extract_round
from talkwire.processors.extract.rule_text import Prefiltered, plain_lower, split_sentences

DATA = TESTS_DATA


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


@pytest.mark.parametrize(
    "text, language, present, absent",
    [
        ("Les parties ont convenu d'un cessez-le-feu.", "fr", {"ceasefire"}, set()),
        ("Les pourparlers se sont terminés sans cessez-le-feu.", "fr", set(), {"ceasefire"}),
        ("No ceasefire was agreed.", "en", set(), {"ceasefire"}),
        ("Kiev appelle à un cessez-le-feu immédiat.", "fr", set(), {"ceasefire"}),
        ("A temporary ceasefire will allow evacuations.", "en", {"temporary_ceasefire"}, {"ceasefire"}),
        ("Talks ended without a breakthrough.", "en", {"no_agreement"}, set()),
        ("Les négociations n'ont pas abouti : pas d'accord.", "fr", {"no_agreement"}, set()),
        ("A third round of talks is expected next week.", "en", {"next_round_planned"}, set()),
        ("Une troisième session est prévue lundi.", "fr", {"next_round_planned"}, set()),
        ("Russia and Ukraine signed an agreement on grain exports.", "en", {"agreement_signed", "grain_exports"}, set()),
        ("Un échange de prisonniers a eu lieu.", "fr", {"prisoner_exchange"}, set()),
        ("Moscow said it would drastically reduce military activity near Kyiv, a de-escalation.", "en", {"military_deescalation"}, set()),
        ("Grossi discussed the safety of the Zaporizhzhia nuclear plant.", "en", {"nuclear_safety"}, set()),
        ("L'UE adopte de nouvelles sanctions.", "fr", {"sanctions"}, set()),
        ("The first round had failed to produce a deal.", "en", set(), {"no_agreement"}),
        ("Fifty hostages will be released in exchange for a four-day pause.", "en", {"hostage_release"}, set()),
        ("Le médiateur a obtenu la libération de douze otages.", "fr", {"hostage_release"}, set()),
        ("The mediators announced that the truce was extended by two days.", "en", {"truce_extended"}, {"ceasefire"}),
        ("La trêve a été prolongée de quarante-huit heures.", "fr", {"truce_extended"}, {"ceasefire"}),
        ("The two presidents issued a joint statement on energy.", "en", {"joint_statement"}, set()),
        ("Les ministres ont publié une déclaration commune.", "fr", {"joint_statement"}, {"declaration_adopted"}),
        ("The deal allows humanitarian access to the besieged city.", "en", {"humanitarian_access"}, set()),
        ("Des convois humanitaires pourront entrer dans la ville.", "fr", {"humanitarian_access"}, set()),
        ("Washington will hold off on new tariffs while talks resume.", "en", {"tariff_truce"}, set()),
        ("Pékin et Washington concluent une trêve commerciale.", "fr", {"tariff_truce"}, set()),
        ("The two states signed a deal on the delimitation of their maritime border.", "en", {"border_delimitation"}, set()),
        ("Un accord sur le tracé de la frontière a été signé.", "fr", {"border_delimitation"}, set()),
        ("Some 190 countries adopted a declaration on climate finance.", "en", {"declaration_adopted"}, set()),
        ("Le sommet a adopté une déclaration finale.", "fr", {"declaration_adopted"}, set()),
        ("The parties agreed on a roadmap for normalisation.", "en", {"roadmap_agreed"}, set()),
        ("Les deux camps se sont entendus sur une feuille de route.", "fr", {"roadmap_agreed"}, set()),
        ("Government and opposition agreed to hold free elections next year.", "en", {"elections_agreed"}, set()),
        ("Le gouvernement et l'opposition ont convenu d'élections libres.", "fr", {"elections_agreed"}, set()),
        ("Washington announced the easing of some oil sanctions.", "en", {"sanctions_relief"}, {"sanctions"}),
        ("L'UE a décidé la levée partielle des sanctions.", "fr", {"sanctions_relief"}, {"sanctions"}),
        ("Negotiators struck a deal on electricity supply.", "en", {"agreement_reached"}, set()),
        ("Les deux délégations sont parvenues à un accord sur l'énergie.", "fr", {"agreement_reached"}, set()),
        ("No hostages were released on Friday.", "en", set(), {"hostage_release"}),
        ("Il n'y a pas eu de prolongation de la trêve.", "fr", set(), {"truce_extended"}),
        ("They failed to reach a deal on the border.", "en", set(), {"agreement_reached"}),
        ("Kiev réclame la levée des sanctions.", "fr", set(), set()),
        ("The opposition demanded free elections.", "en", set(), {"elections_agreed"}),
    ],
)
def test_outcomes(text, language, present, absent):
    labels, _ = extract_outcomes(text, language)
    assert present <= set(labels) and not (absent & set(labels))
    assert labels == sorted(labels)


def test_result_phrases_outside_the_vocabulary_are_kept_short_and_normalised():
    labels, phrases = extract_outcomes("Les deux camps ont convenu de poursuivre le dialogue sur la Crimée.", "fr")
    assert labels == [] and phrases == ["poursuivre_dialogue_sur_crimee"]


@pytest.mark.parametrize(
    "text, language, expected",
    [
        # an announcement is no result, whatever its length
        ("The United States, France, Germany and Italy announced comparable measures over the holiday.", "en", []),
        # a long result keeps its head, cut before a preposition
        ("The two sides agreed to set up a joint commission on the return of people displaced by the fighting.", "en",
         ["set_up_joint_commission"]),
        ("Les deux parties ont décidé de créer un groupe de travail sur les personnes disparues depuis la guerre.", "fr",
         ["creer_groupe_travail"]),
        ("They agreed on a timetable.", "en", ["timetable"]),
        # a result that runs on without a place to cut is dropped rather than published as a sentence
        ("They agreed that officials from both capitals would henceforth regularly exchange detailed lists.", "en", []),
    ],
)
def test_outcome_phrases_are_short_snake_case_never_sentences(text, language, expected):
    assert extract_outcomes(text, language)[1] == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["agreed to", "ont convenu de", "the", "joint", "commission", "on", "sur", "la",
                                 "Crimée", "and", "dialogue", ",", "refugees", "to", "reprendre", "of", "élections"]),
                max_size=40), st.sampled_from(["fr", "en"]))
def test_outcome_phrases_are_bounded_whatever_the_text(words, language):
    for phrase in extract_outcomes(" ".join(words), language)[1]:
        assert re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+){0,4}", phrase) and len(phrase) <= 48


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


@pytest.mark.parametrize(
    "text, language, absent",
    [
        ("Selon lui, des consultations se poursuivent sur le cessez-le-feu et les garanties de sécurité.", "fr", "ceasefire"),
        ("Kiev avait posé comme préalable un cessez-le-feu immédiat.", "fr", "ceasefire"),
        ("They said a ceasefire across the country was not on the table.", "en", "ceasefire"),
        ("Biden detailed the sanctions on Moscow.", "en", "sanctions"),
        ("Soviet leaders signed the agreement dissolving the USSR in 1991.", "en", "agreement_signed"),
    ],
)
def test_outcomes_merely_mentioned_are_not_outcomes(text, language, absent):
    assert absent not in extract_outcomes(text, language)[0]


def test_type_trigger_in_a_plan_clause_of_the_title_is_discounted_only_there():
    text = "Après un appel avec Poutine, Macron estime que « le pire est à venir »\n\nMacron s'est entretenu jeudi par téléphone avec Poutine."
    assert classify_event_type(text, "fr")[0] == "phone_call"


def test_round_mentioned_as_a_planned_session_is_not_the_round():
    text = "Macron et Poutine au téléphone\n\nPoutine a évoqué la deuxième session de pourparlers prévue le même jour."
    assert extract_round(text, "fr")[0] is None


# --------------------------------------------------------------------------- general type conventions (H-GENERAL)


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


# --------------------------------------------------------------------------- literal prefilter


def test_plain_characters_lower_as_ignorecase_compares_them():
    plain = [chr(i) for i in range(0x3000) if plain_lower(chr(i)) is not None]
    assert "é" in plain and "œ" in plain and "’" in plain
    for c in plain:
        pattern = re.compile(re.escape(c), re.IGNORECASE)
        assert all((pattern.fullmatch(x) is not None) == (x.lower() == c.lower()) for x in plain), c


def test_sentences_carry_their_lowered_text_when_plain():
    plain = split_sentences("Les NÉGOCIATIONS reprennent. « Œuvrer » à Kyiv…\n\nSecond paragraph.")
    assert [s.lowered for s in plain] == [s.text.lower() for s in plain]
    assert [s.lowered for s in split_sentences("Talks in İstanbul. Next step.")] == [None, None]


def test_texts_with_other_characters_are_not_prefiltered():
    assert plain_lower("İstanbul") is None and plain_lower("ſanctions") is None
    assert Prefiltered.compile("sanctions").search("ſanctions", plain_lower("ſanctions"))


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    (r"(?<!\w)(?:négociations?)(?!\w)", "Les NÉGOCIATIONS reprennent", True),
    (r"(?<!\w)(?:négociations?)(?!\w)", "Les pourparlers reprennent", False),
    (r"(?:round|session) of (?:talks|negotiations)", "a new Session of Talks", True),
    (r"(?:round|session) of (?:talks|negotiations)", "talks of peace", False),
    (r"defen[cs]e ministers?", "the defense minister", True),
    (r"[A-Z]\w+", "no literal: always maybe", True),
])
def test_may_match_rules_out_only_patterns_without_their_literals(pattern, text, expected):
    assert Prefiltered.compile(pattern).may_match(plain_lower(text)) is expected


def test_may_match_never_rules_out_a_matching_trigger():
    for language in ("fr", "en"):
        patterns = [p for pairs in _type_triggers(language).values() for p, _ in pairs]
        patterns += [p for rule in _outcome_rules(language) for p in rule.patterns]
        for corpus in ("dev", "holdout"):
            for line in (DATA / corpus / "articles.jsonl").read_bytes().splitlines():
                article = orjson.loads(line)
                text = f"{article['title']}\n\n{article['body']}"
                assert all(p.may_match(plain_lower(text)) for p in patterns if p.pattern.search(text))


@pytest.mark.parametrize("text, expected", [
    ("The FİRST round of talks in İstanbul ended.", 1),  # lower() gives "fi̇rst": İ keeps its dot
    ("La DEUXİÈME session de pourparlers a eu lieu.", 2),
    ("The ſecond round of talks ended.", 2),  # re.IGNORECASE matches ſ for s
])
def test_round_ordinals_with_special_case_folding(text: str, expected: int) -> None:
    assert extract_round(text, "fr" if "session" in text else "en")[0] == expected


# --------------------------------------------------------------------------- types on text written by others (issue 13)


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
