"""The outcome rules (extract/outcomes.py): controlled labels and short result phrases."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkwire.processors.extract.outcomes import extract_outcomes


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
