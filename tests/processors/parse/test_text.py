import unicodedata

import pytest
from repo_paths import SEED

from talkwire.processors.parse.text import (
    content_hash,
    is_boilerplate,
    looks_like_html,
    normalise_text,
    strip_boilerplate,
    strip_html,
)



def test_nfc_composes_accents():
    assert normalise_text("e\u0301te\u0301") == "été"


def test_spaces_of_every_kind_become_plain_spaces():
    text = "Kiev\u00a0: le\u202fprésident\u2009a dit\t«\u00a0oui\u00a0»"
    assert normalise_text(text) == "Kiev : le président a dit « oui »"


def test_apostrophes_folded_and_double_quotes_kept():
    assert normalise_text("l’Ukraine, l‘accord, ʼok") == "l'Ukraine, l'accord, 'ok"
    assert normalise_text("„Ja“ und “yes” et « oui »") == "“Ja“ und “yes” et « oui »"


def test_invisible_characters_dropped():
    assert normalise_text("cessez\u00ad-le\u200b-feu\ufeff") == "cessez-le-feu"


def test_dropping_an_invisible_character_keeps_nfc():
    assert normalise_text("e\u200b\u0301") == "é"


def test_paragraphs_kept_and_blank_lines_collapsed():
    text = "Premier paragraphe.\r\n\r\n\r\n  Deuxième   paragraphe.  \n \n\nTroisième."
    assert normalise_text(text) == "Premier paragraphe.\n\nDeuxième paragraphe.\n\nTroisième."


def test_hard_wrapped_lines_are_joined_but_sentence_ends_split():
    text = "Les pourparlers se sont\ntenus jeudi.\nUne deuxième session\nest prévue."
    assert normalise_text(text) == (
        "Les pourparlers se sont tenus jeudi.\n\nUne deuxième session est prévue."
    )


def test_normalise_is_idempotent_on_the_seed():
    once = normalise_text(SEED.read_text("utf-8"))
    assert normalise_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "  " not in once and "\n\n\n" not in once


def test_strip_html_keeps_paragraphs_and_drops_non_content():
    html = (
        "<html><head><title>x</title><style>p{}</style></head><body>"
        "<nav>Accueil | Monde</nav><p>Les d&eacute;l&eacute;gations se sont <b>rencontr&eacute;es</b>.</p>"
        "<script>track()</script><p>Une ligne<br>et une autre &amp; fin.</p>"
        "<footer>© Le Journal</footer></body></html>"
    )
    text = normalise_text(strip_html(html))
    assert text == "Les délégations se sont rencontrées.\n\nUne ligne et une autre & fin."


@pytest.mark.parametrize("html", ["<div><p>Suite du texte.</p></div", '<p>Suite du texte.</p><span class="x'])
def test_strip_html_drops_a_tag_cut_off_by_the_end_of_the_body(html: str) -> None:
    assert normalise_text(strip_html(html)) == "Suite du texte."


def test_strip_html_keeps_a_lone_less_than_sign_at_the_end() -> None:
    assert normalise_text(strip_html("<p>Les prix</p> montent si a <")).endswith("montent si a <")


def test_strip_html_is_a_no_op_for_plain_text():
    text = "Si a < b et c > d, rien ne change.\n\nDeuxième paragraphe."
    assert not looks_like_html(text)
    assert strip_html(text) == text


def test_strip_html_survives_broken_markup():
    text = normalise_text(strip_html("<p>Début <b>gras <div>sans fin <script>x"))
    assert text == "Début gras\n\nsans fin"


@pytest.mark.parametrize(
    "line",
    [
        "Lire aussi : Ukraine, les négociations reprennent",
        "À lire aussi - Le point sur la guerre",
        "Read more: Ukraine talks",
        "© AFP 2022",
        "Copyright 2022 The Associated Press. All rights reserved.",
        "Publié le 03/03/2022 à 19h40",
        "Mis à jour le 4 mars 2022 à 08:12",
        "Updated March 3, 2022 at 10:00 a.m. ET",
        "Le Quotidien du Nord avec AFP",
        "(avec AFP)",
        "(Reporting by Pavel Polityuk; Editing by Mark Heinrich)",
        "Abonnez-vous à notre newsletter",
        "Partager sur Twitter",
        "Publicité",
        "https://t.co/abc123",
        "— Mykhailo Podolyak (@Podolyak_M) March 3, 2022",
        "Photo : Sergei Supinsky / AFP",
        "(AFP)",
        "By Pavel Polityuk and Natalia Zinets",
        "Par Jean-Marie Dupont, à Kiev",
    ],
)
def test_boilerplate_lines_recognised(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Publié en 2021, le rapport avait déjà alerté sur la situation.",
        "Recommended measures were discussed by both delegations.",
        "Sources close to the talks said a third round was likely.",
        "Les délégations avec l'appui de l'ONU ont convenu de couloirs humanitaires.",
        "Updated figures show 2 million refugees have fled.",
        "By the end of the day, both delegations had left.",
        "Par ailleurs, Moscou a démenti.",
        "Par Vladimir Poutine lui-même, selon le Kremlin.",
        "",
    ],
)
def test_article_sentences_are_not_boilerplate(line):
    assert not is_boilerplate(line)


def test_strip_boilerplate_drops_only_boilerplate_lines():
    body = "Les pourparlers ont repris.\nLire aussi : autre article\n\nIls ont duré trois heures.\n© AFP"
    assert strip_boilerplate(body) == "Les pourparlers ont repris.\n\nIls ont duré trois heures."


def test_content_hash_is_stable_across_presentation():
    base = content_hash("Titre", "L'Ukraine et la Russie.\n\nDeuxième paragraphe.")
    assert len(base) == 64 and int(base, 16) >= 0
    assert content_hash("Titre ", "L’Ukraine\u00a0et la Russie.\r\n\r\nDeuxième  paragraphe.") == base
    assert content_hash("Autre titre", "L'Ukraine et la Russie.\n\nDeuxième paragraphe.") != base
    assert content_hash("", "Titre\n\nL'Ukraine et la Russie.") != content_hash("Titre", "L'Ukraine et la Russie.")
