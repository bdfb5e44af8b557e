import pytest
from repo_paths import SEED

from talkwire.processors.parse.language import SUPPORTED_LANGUAGES, detect_language
from talkwire.processors.parse.parsing import parse_message
from talkwire.processors.records import Article, LanguageResult
from talkwire.settings import Limits

ENGLISH = (
    "Russian and Ukrainian negotiators agreed on Thursday to set up humanitarian corridors for "
    "civilians fleeing the fighting, after a second round of talks held in Belarus near the Polish border."
)
GERMAN = (
    "Die Unterhändler Russlands und der Ukraine haben sich am Donnerstag auf humanitäre Korridore "
    "für Zivilisten geeinigt, wie beide Seiten nach der zweiten Verhandlungsrunde mitteilten."
)


def article(body: str, language: str | None = None, title: str = "") -> Article:
    return Article(id="t", source="s", published_at="2022-03-03T10:00:00+00:00", published_precision="day",
                   language=language, title=title, body=body, content_hash="0")


def test_supported_languages():
    assert SUPPORTED_LANGUAGES == ("fr", "en")


def test_french_seed_detected_without_a_label():
    result = detect_language(parse_message(SEED.read_bytes(), Limits()))
    assert isinstance(result, LanguageResult)
    assert (result.language, result.status) == ("fr", "supported")
    assert result.confidence > 0.95


def test_english_detected():
    result = detect_language(article(ENGLISH))
    assert (result.language, result.status) == ("en", "supported")


def test_other_language_is_unsupported_not_an_error():
    result = detect_language(article(GERMAN))
    assert (result.language, result.status) == ("de", "unsupported")
    assert result.confidence > 0.9


def test_declared_label_kept_when_detection_agrees():
    assert detect_language(article(ENGLISH, language="en")).language == "en"


def test_confident_detection_overrides_a_wrong_label():
    result = detect_language(article(ENGLISH, language="fr"))
    assert (result.language, result.status) == ("en", "supported")


def test_declared_label_kept_when_detection_is_unsure():
    # proper names only: the identifier cannot tell, the producer's label stands
    result = detect_language(article("Volodymyr Zelensky, Emmanuel Macron, Olaf Scholz", language="fr"))
    assert (result.language, result.status) == ("fr", "supported")


def test_declared_unsupported_language_is_unsupported():
    result = detect_language(article("Zelensky Macron Scholz Draghi Kyiv", language="it"))
    assert (result.language, result.status) == ("it", "unsupported")


def test_too_little_text_is_undetermined_with_the_declared_label():
    assert detect_language(article("Kiev, 3 mars.", language="fr")) == LanguageResult(
        language="fr", status="undetermined", confidence=0.0
    )
    assert detect_language(article("Kiev, 3 mars.")).status == "undetermined"


def test_ambiguous_text_without_a_label_is_undetermined():
    result = detect_language(article("Volodymyr Zelensky, Emmanuel Macron, Olaf Scholz"))
    assert result.status == "undetermined" and result.language in SUPPORTED_LANGUAGES
    assert result.confidence < 0.8


def test_title_counts_and_detection_is_deterministic():
    titled = article("Zelensky Macron Scholz", title="Les négociations entre la Russie et l'Ukraine reprennent jeudi")
    assert detect_language(titled).language == "fr"
    assert detect_language(titled) == detect_language(titled)


@pytest.mark.parametrize("body", [ENGLISH.upper(), ENGLISH.replace(" ", "\n\n")])
def test_layout_does_not_change_the_language(body):
    assert detect_language(article(body)).language == "en"


def test_unsure_detection_guesses_the_likelier_supported_language():
    # names dominate: the identifier ranks Latin first, French far behind
    result = detect_language(article("Macron, Scholz, Draghi et Iohannis à Kyiv"))
    assert (result.language, result.status) == ("fr", "undetermined")
    assert result.confidence < 0.8
