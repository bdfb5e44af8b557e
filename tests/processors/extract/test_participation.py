"""Participants apart from the people merely named: scores from cues, roles and place in the text."""

import pytest

from talkwire.processors.extract.participation import participation_scores, taking_part
from talkwire.processors.records import PersonSpan


def _spans(text: str, *names: str) -> list[PersonSpan]:
    spans = []
    for name in names:
        start = text.find(name)
        while start != -1:
            spans.append(PersonSpan(start=start, end=start + len(name), canonical=name))
            start = text.find(name, start + 1)
    return sorted(spans, key=lambda s: s.start)


def test_who_met_took_part_and_the_commentator_did_not():
    text = ("Talks in Geneva\n\nMichel Barnier met David Davis in Brussels on Monday for the first round of talks.\n\n"
            "\"This is a good start,\" said Margaritis Schinas, the Commission's spokesman, in Strasbourg.")
    scores = participation_scores(text, "en", _spans(text, "Michel Barnier", "David Davis", "Margaritis Schinas"),
                                  {"Margaritis Schinas": "the Commission's spokesman"})
    assert taking_part(scores) == {"Michel Barnier", "David Davis"}


def test_a_leader_recalled_from_an_earlier_meeting_is_only_mentioned():
    text = ("Les négociateurs se sont retrouvés jeudi\n\nLes délégations russe et ukrainienne, conduites par "
            "Vladimir Medinski et David Arakhamia, se sont retrouvées jeudi au Bélarus.\n\n"
            "Lors de la précédente session, Sergueï Lavrov avait rencontré son homologue à Antalya.")
    scores = participation_scores(text, "fr", _spans(text, "Vladimir Medinski", "David Arakhamia", "Sergueï Lavrov"), {})
    assert taking_part(scores) == {"Vladimir Medinski", "David Arakhamia"}


def test_a_delegation_role_puts_a_person_in_the_room():
    text = "Talks resume\n\nThe talks resumed on Tuesday.\n\nThe head of delegation, Ivan Petrov, gave no comment."
    scores = participation_scores(text, "en", _spans(text, "Ivan Petrov"), {"Ivan Petrov": "head of delegation"})
    assert taking_part(scores) == {"Ivan Petrov"}


def test_leaders_of_a_summit_are_present_and_without_any_cue_the_lead_names_the_protagonists():
    text = "Summit opens\n\nAngela Merkel arrived early.\n\nJohn Smith, a local shop owner, watched."
    spans = _spans(text, "Angela Merkel", "John Smith")
    assert taking_part(participation_scores(text, "en", spans, {}, present={"Angela Merkel"})) == {"Angela Merkel"}
    assert taking_part(participation_scores(text, "en", spans, {})) == {"Angela Merkel"}


def test_who_sends_a_delegation_is_not_in_the_room_through_it():
    en = ("Rivals back in Oslo\n\nEnvoys of President Nicolás Maduro and of opposition leader Juan Guaidó sat down "
          "again in Oslo on Tuesday. Jorge Rodríguez, the head of Maduro's delegation, met Stalin González.")
    scores = participation_scores(en, "en", _spans(en, "Nicolás Maduro", "Juan Guaidó", "Jorge Rodríguez",
                                                   "Stalin González"), {})
    assert taking_part(scores) == {"Jorge Rodríguez", "Stalin González"}
    fr = ("Reprise à la Barbade\n\nLes émissaires du président Nicolas Maduro et de l'opposant Juan Guaido se sont "
          "retrouvés lundi à la Barbade, sous la conduite de Jorge Rodriguez.")
    scores = participation_scores(fr, "fr", _spans(fr, "Nicolas Maduro", "Juan Guaido", "Jorge Rodriguez"), {})
    assert "Nicolas Maduro" not in taking_part(scores)


def test_a_principal_of_delegation_talks_is_in_the_room_only_by_their_own_clause():
    text = ("Talks in Minsk\n\nThe contact group met in Minsk on Friday, days after President Petro Poroshenko "
            "ordered a ceasefire, with Leonid Kuchma leading the Ukrainian side.")
    spans = _spans(text, "Petro Poroshenko", "Leonid Kuchma")
    scores = participation_scores(text, "en", spans, {}, principals={"Petro Poroshenko"})
    assert taking_part(scores) == {"Leonid Kuchma"}
    assert "Petro Poroshenko" in taking_part(participation_scores(text, "en", spans, {}))  # the sentence alone


def test_a_principal_of_delegation_talks_takes_part_only_by_their_clause_in_the_title_or_lead():
    text = ("Colombia and ELN open second round in Mexico\n\nPresident Gustavo Petro welcomed the delegations "
            "in Mexico City on Monday, where Otty Patiño leads the government side.\n\nThe talks resumed on "
            "Tuesday. President Andrés Manuel López Obrador signed a decree on migration the same day.")
    leaders = {"Gustavo Petro", "Andrés Manuel López Obrador"}
    spans = _spans(text, "Gustavo Petro", "Otty Patiño", "Andrés Manuel López Obrador")
    scores = participation_scores(text, "en", spans, {}, principals=leaders)
    assert taking_part(scores) == {"Gustavo Petro", "Otty Patiño"}


def test_a_leader_said_to_stay_away_from_a_summit_is_not_present():
    text = ("India readies for G20 summit as Xi and Putin stay away\n\nNarendra Modi welcomed leaders to New Delhi "
            "on Saturday. Xi Jinping will not attend and sent his premier.")
    spans = _spans(text, "Narendra Modi", "Xi Jinping", "Xi", "Putin")
    leaders = {"Narendra Modi", "Xi Jinping", "Xi", "Putin"}
    assert taking_part(participation_scores(text, "en", spans, {}, present=leaders)) == {"Narendra Modi"}


@pytest.mark.parametrize(("language", "text", "name"), [
    ("en", "Serbian Prime Minister Ivica Dacic and Kosovo's Hashim Thaci initialed the accord in Brussels.", "Hashim Thaci"),
    ("fr", "Ivica Dacic et Hashim Thaçi paraphent l'accord à Bruxelles.", "Hashim Thaçi"),
])
def test_those_who_initial_an_accord_take_part(language, text, name):
    people = [PersonSpan(start=text.index(name), end=text.index(name) + len(name), canonical=name)]
    assert participation_scores(text, language, people, {name: None})[name] >= 2.0
