import re

from hypothesis import given, settings
from hypothesis import strategies as st
from repo_paths import SEED

from talkwire.processors.extract.quotes import extract_quotes
from talkwire.processors.records import PersonSpan
from talkwire.processors.extract.rule_text import split_sentences



def people_in(text: str, names: dict[str, tuple[str, str | None]]) -> list[PersonSpan]:
    """PersonSpans for every occurrence of the surface forms (as H-ENT would locate them)."""
    spans = [
        PersonSpan(start=m.start(), end=m.end(), canonical=canonical, party=party)
        for surface, (canonical, party) in names.items()
        for m in re.finditer(re.escape(surface), text)
    ]
    return sorted(spans, key=lambda p: p.start)


def speakers(text: str, language: str, names: dict[str, tuple[str, str | None]]) -> list[str | None]:
    return [q.speaker for q in extract_quotes(text, language, people_in(text, names))]


def test_seed_quotes_are_attributed():
    text = SEED.read_text("utf-8").split("date 2022-03 ", 1)[1]
    names = {
        "Mikhaïlo Podoliak": ("Mykhaïlo Podoliak", "UA"),
        "M. Podoliak": ("Mykhaïlo Podoliak", "UA"),
        "Vladimir Medinski": ("Vladimir Medinski", "RU"),
        "Léonid Sloutski": ("Leonid Sloutski", "RU"),
    }
    quotes = extract_quotes(text, "fr", people_in(text, names))
    attributed = [(q.speaker, q.text[:25]) for q in quotes if q.speaker]
    assert len(attributed) >= 5
    by_start = {q.text[:25]: q.speaker for q in quotes}
    assert by_start["La deuxième session de né"] == "Mykhaïlo Podoliak"
    assert by_start["La seule chose que je peu"] == "Mykhaïlo Podoliak"
    assert by_start["La question principale qu"] == "Vladimir Medinski"
    assert by_start["Je crois que c'est un pro"] == "Vladimir Medinski"
    assert by_start["Dans un avenir très proch"] == "Leonid Sloutski"
    assert by_start["la possibilité d'un cesse"] is None
    assert all(q.speaker_party in ("UA", "RU") for q in quotes if q.speaker)
    # scare quotes are not statements
    assert not any(q.text in ("couloirs humanitaires", "compréhension mutuelle", "certains points") for q in quotes)


def test_quote_marks_of_every_kind():
    text = "« Nous voulons la paix maintenant », a déclaré Emmanuel Macron. “We want peace right now,” said Joe Biden."
    quotes = extract_quotes(text, "fr", people_in(text, {"Emmanuel Macron": ("Emmanuel Macron", "FR"), "Joe Biden": ("Joe Biden", "US")}))
    assert [q.text for q in quotes] == ["Nous voulons la paix maintenant", "We want peace right now"]


def test_nested_quotes_stay_inside_the_outer_quote():
    text = "« Il a parlé de “couloirs verts” pour les civils », a dit Olaf Scholz."
    quotes = extract_quotes(text, "fr", people_in(text, {"Olaf Scholz": ("Olaf Scholz", "DE")}))
    assert len(quotes) == 1 and quotes[0].speaker == "Olaf Scholz" and "couloirs verts" in quotes[0].text


def test_minimum_length_is_configurable():
    text = 'Il parle de "couloirs humanitaires".'
    assert extract_quotes(text, "fr", []) == []
    assert [q.text for q in extract_quotes(text, "fr", [], min_words=2)] == ["couloirs humanitaires"]


def test_cue_before_the_quote():
    names = {"Sergueï Lavrov": ("Sergueï Lavrov", "RU"), "Dmytro Kouleba": ("Dmytro Kouleba", "UA")}
    text = 'Sergueï Lavrov a déclaré : « Nous ne sommes pas venus pour négocier ici ». Selon Dmytro Kouleba, "aucun progrès sur le cessez-le-feu".'
    assert speakers(text, "fr", names) == ["Sergueï Lavrov", "Dmytro Kouleba"]


def test_english_cues():
    names = {"Antony Blinken": ("Antony Blinken", "US"), "Lavrov": ("Sergueï Lavrov", "RU")}
    text = (
        '"We are ready to help the people of Ukraine," Antony Blinken told reporters.\n\n'
        '"This is a very important step forward," he added.\n\n'
        'According to Lavrov, "the talks were held in a constructive atmosphere."'
    )
    assert speakers(text, "en", names) == ["Antony Blinken", "Antony Blinken", "Sergueï Lavrov"]


def test_pronoun_cue_follows_a_reported_statement():
    names = {"Vladimir Medinski": ("Vladimir Medinski", "RU")}
    text = 'Vladimir Medinski a indiqué que les pourparlers avaient avancé.\n\n"Nous nous reverrons très bientôt", a-t-il ajouté.'
    assert speakers(text, "fr", names) == ["Vladimir Medinski"]


def test_unattributable_quote_has_no_speaker():
    text = 'Le communiqué évoque "une situation humanitaire très grave sur place".'
    quotes = extract_quotes(text, "fr", [])
    assert len(quotes) == 1 and quotes[0].speaker is None and quotes[0].cue is None


def test_pronoun_without_earlier_speaker_is_unattributed():
    assert speakers('"Nous allons continuer à négocier", a-t-il dit.', "fr", {}) == [None]


def test_max_quotes():
    text = " ".join(f'"Phrase numéro {i} assez longue ici", a dit X.' for i in range(10))
    assert len(extract_quotes(text, "fr", [], max_quotes=3)) == 3


def test_sentences_are_not_cut_inside_quotes_or_after_titles():
    text = 'Selon M. Podoliak, "La session est finie. Rien de plus." Il est parti.'
    assert [s.text for s in split_sentences(text)] == ['Selon M. Podoliak, "La session est finie. Rien de plus."', "Il est parti."]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500), st.sampled_from(["fr", "en", "xx"]), st.lists(st.tuples(st.integers(-5, 600), st.integers(0, 50)), max_size=5))
def test_never_raises(text, language, spans):
    people = [PersonSpan(start=s, end=s + n, canonical="X") for s, n in spans]
    for quote in extract_quotes(text, language, people):
        assert quote.text


def test_huge_text_is_handled():
    text = '"Nous voulons la paix maintenant", a déclaré Emmanuel Macron. ' * 5000
    people = people_in(text, {"Emmanuel Macron": ("Emmanuel Macron", "FR")})
    assert len(extract_quotes(text, "fr", people)) == 5000


def test_uncued_quote_continues_the_speaker_of_its_paragraph():
    text = '"This battle will not be won in days or months," Joe Biden said. "We need to steel ourselves for the long fight."'
    assert speakers(text, "en", {"Joe Biden": ("Joe Biden", "US")}) == ["Joe Biden", "Joe Biden"]


def test_uncued_quote_in_a_new_paragraph_is_not_continued():
    text = '"This battle will not be won in days," Joe Biden said.\n\n"Markets are pricing in a long war here," one analyst wrote.'
    assert speakers(text, "en", {"Joe Biden": ("Joe Biden", "US")}) == ["Joe Biden", None]
