"""Extractor.enrich end to end on the seed dispatch (plain text and JSON), languages and failures."""

import orjson
import pytest
from repo_paths import SEED

from talkwire.processors.extract import extraction
from talkwire.processors.errors import InputError
from talkwire.processors.extract.extraction import Extractor
from talkwire.processors.parse.parsing import parse_dispatch, parse_message
from talkwire.processors.records import EnrichedArticle
from talkwire.settings import Settings

SETTINGS = Settings()


@pytest.fixture(scope="module")
def extractor():
    return Extractor(SETTINGS)


def _json_seed(published_at: str, article_id: str):
    dispatch = parse_dispatch(SEED.read_text("utf-8"), SETTINGS.limits)
    message = {"id": article_id, "source": "Le Quotidien du Nord", "published_at": published_at,
               "language": "fr", "title": "", "body": dispatch.body}
    return parse_message(orjson.dumps(message), SETTINGS.limits)


@pytest.fixture(scope="module")
def seeds(extractor):
    articles = [parse_dispatch(SEED.read_text("utf-8"), SETTINGS.limits),
                _json_seed("2022-03-03T19:40:00+01:00", "evening"),
                _json_seed("2022-03-04T08:00:00+01:00", "next-morning")]
    return extractor.enrich(articles)


def test_every_form_of_the_seed_yields_the_frame(seeds):
    for enriched in seeds:
        assert isinstance(enriched, EnrichedArticle)
        frame = enriched.frame
        assert frame.event_type == "negotiation_round"
        assert frame.parties == ["RU", "UA"]
        assert frame.round == 2
        assert (frame.location.place, frame.location.region, frame.location.country) == \
            ("Belovejskaïa Poucha", "Brest", "BY")
        assert {"humanitarian_corridors", "temporary_ceasefire"} <= set(frame.outcomes)
        participants = {p.name: p for p in frame.participants}
        assert participants["Mikhaïlo Podoliak"].party == "UA" and participants["Mikhaïlo Podoliak"].role
        assert participants["Vladimir Medinski"].party == "RU" and participants["Vladimir Medinski"].role
        assert participants["Léonid Sloutski"].party == "RU" and participants["Léonid Sloutski"].role


def test_quotes_go_to_the_right_speakers(seeds):
    quotes = seeds[0].quotes
    attributed = [q for q in quotes if q.speaker]
    assert len(attributed) >= 5
    speaker_of = {q.text[:30]: q.speaker for q in quotes}
    assert speaker_of["La deuxième session de négocia"] == "Mikhaïlo Podoliak"
    assert speaker_of["Je crois que c'est un progrès "] == "Vladimir Medinski"
    assert speaker_of["Dans un avenir très proche, le"] == "Léonid Sloutski"
    assert all(q.speaker_party == {"Mikhaïlo Podoliak": "UA"}.get(q.speaker, "RU") for q in attributed)


def test_event_date_by_precision(seeds):
    plain, evening, next_morning = seeds
    assert (plain.frame.date, plain.frame.date_precision) == ("2022-03", "month")
    assert (evening.frame.date, evening.frame.date_precision) == ("2022-03-03", "day")
    assert (next_morning.frame.date, next_morning.frame.date_precision) == ("2022-03-03", "day")


def test_english_article_is_enriched(extractor):
    article = _json_seed("2022-03-10T15:00:00+00:00", "antalya").model_copy(update={
        "language": "en",
        "body": "Russian Foreign Minister Sergei Lavrov and Ukrainian Foreign Minister Dmytro Kuleba held talks "
                "in Antalya, Turkey, on Thursday, the first such meeting since the invasion began. "
                "\"We did not make progress on a ceasefire,\" Kuleba told reporters after the meeting.",
    })
    [enriched] = extractor.enrich([article])
    assert enriched.language == "en"
    assert enriched.frame.parties == ["RU", "UA"]
    assert enriched.frame.location.country == "TR"
    assert enriched.quotes and enriched.quotes[0].speaker == "Dmytro Kuleba"


@pytest.mark.parametrize("language, body", [
    ("en", "Government and opposition delegations from Venezuela met in Oslo on Tuesday for talks hosted by "
           "Norway, and a second session is planned in Bergen next month."),
    ("fr", "Les délégations du gouvernement et de l'opposition vénézuéliens se sont retrouvées mardi à Oslo, "
           "à l'invitation de la Norvège ; une deuxième session est prévue à Bergen le mois prochain."),
])
def test_an_article_naming_norwegian_places_is_extracted(extractor, language, body):
    """Norway's code once read as YAML's false: every article naming Oslo or Bergen failed."""
    article = _json_seed("2019-05-21T18:00:00+02:00", f"oslo-{language}").model_copy(
        update={"language": language, "body": body})
    [enriched] = extractor.enrich([article])
    assert isinstance(enriched, EnrichedArticle)
    assert enriched.frame.location.country == "NO"


def test_unsupported_language_has_no_frame(extractor):
    article = _json_seed("2022-03-03T19:40:00+01:00", "de").model_copy(update={
        "language": "de",
        "body": "Die zweite Verhandlungsrunde zwischen Russland und der Ukraine ist am Donnerstag in Belarus zu "
                "Ende gegangen. Beide Seiten vereinbarten humanitäre Korridore für die Zivilbevölkerung.",
    })
    [enriched] = extractor.enrich([article])
    assert enriched.language_status == "unsupported"
    assert enriched.frame is None and enriched.entities == []


def test_a_failing_article_fails_alone(extractor, monkeypatch):
    good = _json_seed("2022-03-03T19:40:00+01:00", "good")
    bad = good.model_copy(update={"id": "bad", "body": good.body + "\n\nBOOM"})
    real = extraction.extract_quotes

    def exploding(text, language, people):
        if "BOOM" in text:
            raise RuntimeError("rule crashed")
        return real(text, language, people)

    monkeypatch.setattr(extraction, "extract_quotes", exploding)
    first, second = extractor.enrich([bad, good])
    assert isinstance(first, InputError) and first.code == "extraction_failed" and "bad" in first.message
    assert isinstance(second, EnrichedArticle) and second.article.id == "good"


def test_order_is_kept_across_languages(extractor):
    french = _json_seed("2022-03-03T19:40:00+01:00", "fr-1")
    english = french.model_copy(update={"id": "en-1", "language": "en",
                                        "body": "Talks between Russia and Ukraine ended in Belarus on Thursday "
                                                "with an agreement on humanitarian corridors for civilians."})
    results = extractor.enrich([english, french, english.model_copy(update={"id": "en-2"})])
    assert [r.article.id for r in results] == ["en-1", "fr-1", "en-2"]


def test_load_models_loads_every_model_whatever_the_limits(monkeypatch):
    """The worker loads its models before it is ready; tight input limits must not stop it (a warm-up
    article over max_body_chars once made the worker exit at start)."""
    from talkwire.settings import Limits

    loaded = []
    monkeypatch.setattr(extraction, "load_pipeline", lambda language, *models: loaded.append(language))
    monkeypatch.setattr(extraction, "encoder", lambda: loaded.append("encoder"))
    monkeypatch.setattr(extraction, "load_gazetteer", lambda: loaded.append("gazetteer"))
    Extractor(Settings(limits=Limits(max_body_chars=10))).load_models()
    assert sorted(loaded) == ["en", "encoder", "fr", "gazetteer"]
