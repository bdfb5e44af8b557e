"""Property tests: whatever arrives, parsing yields an Article or an InputError, nothing else."""

import unicodedata

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talkwire.processors.errors import InputError
from talkwire.processors.parse.parsing import article_sort_key, parse_message, published_instant
from talkwire.processors.records import Article
from talkwire.processors.parse.text import normalise_text, strip_html
from talkwire.settings import Limits

LIMITS = Limits(max_message_bytes=20_000, max_body_chars=5_000)
REASONS = {
    "empty_message", "message_too_large", "invalid_encoding", "invalid_json", "not_an_object",
    "missing_field", "wrong_type", "invalid_published_at", "invalid_dispatch", "empty_body", "body_too_large",
}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
prose = st.text(st.characters(codec="utf-8"), max_size=600)
timestamps = st.one_of(
    st.text(max_size=40),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d{2}:?\d{2}|Z)?", fullmatch=True),
    json_values,
)


def outcome(raw: bytes) -> Article | InputError:
    """Parse ``raw``; only InputError with a known code may escape, and Articles must be sound."""
    try:
        article = parse_message(raw, LIMITS)
    except InputError as error:
        assert error.code in REASONS, error.code
        return error
    assert Article.from_json(article.to_json()) == article
    assert article.body == normalise_text(article.body)
    assert sum(c.isalpha() for c in article.body) >= 20 and len(article.body) <= LIMITS.max_body_chars
    assert published_instant(article).utcoffset().total_seconds() == 0
    assert isinstance(article_sort_key(article), tuple)
    return article


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(raw):
    outcome(raw)


@FUZZ
@given(prose)
def test_arbitrary_text(text):
    outcome(text.encode("utf-8"))


@FUZZ
@given(prose)
def test_arbitrary_dispatch(text):
    result = outcome(f" date 2022-03 {text}".encode("utf-8"))
    if isinstance(result, Article):
        assert result.published_at == "2022-03" and result.published_precision == "month"


@FUZZ
@given(st.dictionaries(st.sampled_from(["id", "source", "published_at", "body", "title", "language", "x"]),
                       json_values, max_size=7))
def test_arbitrary_json_objects(record):
    outcome(orjson.dumps(record))


@FUZZ
@given(json_values)
def test_arbitrary_json_values(value):
    result = outcome(orjson.dumps(value))
    if not isinstance(value, dict):
        assert isinstance(result, InputError)


@FUZZ
@given(timestamps)
def test_malformed_dates(published_at):
    raw = orjson.dumps({"id": "a", "source": "s", "published_at": published_at,
                        "body": "Les délégations se sont retrouvées jeudi au Bélarus."})
    result = outcome(raw)
    assert isinstance(result, Article) or result.code == "invalid_published_at"


@FUZZ
@given(prose, prose)
def test_json_with_arbitrary_title_and_body(title, body):
    raw = orjson.dumps({"id": "a", "source": "s", "published_at": "2022-03-03T10:00:00+01:00",
                        "title": title, "body": body})
    result = outcome(raw)
    assert isinstance(result, Article) or result.code in {"empty_body", "body_too_large"}


def test_empty_text():
    assert outcome(b"").code == "empty_message"
    assert outcome("\u00a0\u2003\n".encode()).code == "empty_message"


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 50))
def test_huge_messages_are_rejected_before_parsing(extra):
    raw = b'{"body": "' + b"a" * (LIMITS.max_message_bytes + extra) + b'"}'
    assert outcome(raw).code == "message_too_large"


def test_huge_body_under_the_message_limit():
    raw = orjson.dumps({"id": "a", "source": "s", "published_at": "2022-03-03T10:00:00+01:00",
                        "body": "Une phrase de plus. " * 400})
    assert outcome(raw).code == "body_too_large"


@FUZZ
@given(st.text(max_size=800))
def test_normalise_text_is_idempotent_and_clean(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once and "\u00a0" not in once and "  " not in once and "\n\n\n" not in once


@FUZZ
@given(st.lists(st.sampled_from(list("<>/=\"' &;#xpdivbrscriptl0123\n") + ["<p>", "</p>", "<script>", "&amp;", "<!--"]),
                max_size=120).map("".join))
def test_strip_html_never_raises(text):
    assert isinstance(strip_html(text), str)
