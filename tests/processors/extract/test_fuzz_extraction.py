"""Property: Extractor.enrich never raises, whatever the text; it returns one outcome per article."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talkwire.processors.errors import InputError
from talkwire.processors.extract.extraction import Extractor
from talkwire.processors.records import Article, EnrichedArticle
from talkwire.settings import Limits, Settings

SETTINGS = Settings(limits=Limits(max_body_chars=5_000))
WORDS = st.sampled_from(["Poutine", "Kiev", "à", "Moscou", "«", "»", '"', "M.", "a-t-il", "dit", ",", ".", "Russian",
                         "Minister", "said", "délégation", "russe", "entre", "et", "l'Ukraine", "\n\n", "in", "Київ"])


@pytest.fixture(scope="module")
def extractor():
    return Extractor(SETTINGS)


def _article(body: str, language: str | None) -> Article:
    return Article(id="fuzz", source="fuzz", published_at="2022-03-03T19:40:00+01:00", published_precision="day",
                   language=language, body=body, content_hash="0")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=120).map(" ".join)),
       language=st.sampled_from(["fr", "en", None, "xx"]))
def test_enrich_never_raises(extractor, body, language):
    [outcome] = extractor.enrich([_article(body, language)])
    assert isinstance(outcome, (EnrichedArticle, InputError))


def test_empty_and_over_limit_bodies(extractor):
    empty, huge = extractor.enrich([_article("", "fr"), _article("Kiev et Moscou. " * 1_000, "fr")])
    assert isinstance(empty, EnrichedArticle) and empty.entities == []
    assert isinstance(huge, InputError) and huge.code == "extraction_failed"
