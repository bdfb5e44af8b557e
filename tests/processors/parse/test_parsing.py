from datetime import datetime, timezone

import orjson
import pytest
from repo_paths import SEED

from talkwire.processors.errors import InputError
from talkwire.processors.parse.parsing import (
    article_sort_key,
    parse_dispatch,
    parse_message,
    published_instant,
)
from talkwire.settings import Limits

LIMITS = Limits()
BODY = "Les délégations russe et ukrainienne se sont retrouvées jeudi au Bélarus."


def message(**fields) -> bytes:
    record = {"id": "a1", "source": "Le Quotidien", "published_at": "2022-03-03T19:40:00+01:00", "body": BODY}
    record.update(fields)
    return orjson.dumps({k: v for k, v in record.items() if v is not ...})


def reason(raw: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        parse_message(raw, limits)
    return caught.value.code


# ------------------------------------------------------------------ the seed, both forms


def test_seed_dispatch():
    article = parse_message(SEED.read_bytes(), LIMITS)
    assert article.input_format == "dispatch"
    assert article.published_at == "2022-03" and article.published_precision == "month"
    assert article.title == "" and article.source == "dispatch"
    assert article.id == f"dispatch-{article.content_hash[:16]}"
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("Ce jeudi avait lieu une deuxième session de pourparlers")
    assert paragraphs[1].startswith("L'Ukraine et la Russie ont convenu jeudi")
    assert paragraphs[-1] == "Une première rencontre s'était terminée lundi sans avancées concrètes."
    assert len(paragraphs) == 12
    assert "date 2022" not in article.body


def test_seed_dispatch_key_and_source_and_stable_id():
    raw = SEED.read_bytes()
    assert parse_message(raw, LIMITS).id == parse_message(raw.replace(b"\n", b"\r\n"), LIMITS).id
    named = parse_message(raw, LIMITS, key="k-1", source="AFP")
    assert (named.id, named.source) == ("k-1", "AFP")


def test_seed_as_json():
    lead, rest = SEED.read_text("utf-8").removeprefix(" date 2022-03 ").split("\n", 1)
    raw = message(id="seed", body=f"{lead}\n{rest}", language="fr", title="Deuxième session", url="https://x")
    article = parse_message(raw, LIMITS)
    dispatch = parse_message(SEED.read_bytes(), LIMITS)
    assert article.body == dispatch.body
    assert article.published_precision == "day" and article.input_format == "json"
    assert article.language == "fr" and article.title == "Deuxième session"
    assert article.extra == {"url": "https://x"}
    assert article.text.startswith("Deuxième session\n\nCe jeudi")


def test_parse_dispatch_directly():
    article = parse_dispatch("date 2022-11 Le sommet du G20 s'est ouvert à Bali.\n\nSecond paragraphe ici.", LIMITS)
    assert article.body == "Le sommet du G20 s'est ouvert à Bali.\n\nSecond paragraphe ici."
    assert article.published_at == "2022-11"
    with pytest.raises(InputError) as caught:
        parse_dispatch("date 2022-00 Rien ne va plus dans cette dépêche.", LIMITS)
    assert caught.value.code == "invalid_dispatch"


# ------------------------------------------------------------------ JSON fields


def test_extra_fields_carried_through():
    extra = {"url": "https://example.org/a", "tags": ["ukraine", "talks"], "meta": {"wc": 412}, "n": None}
    article = parse_message(message(**extra), LIMITS)
    assert article.extra == extra
    assert article.published_at == "2022-03-03T19:40:00+01:00"


def test_optional_fields_may_be_null_or_absent():
    article = parse_message(message(title=None, language=None), LIMITS)
    assert (article.title, article.language) == ("", None)
    article = parse_message(message(title=..., language=...), LIMITS)
    assert (article.title, article.language) == ("", None)


@pytest.mark.parametrize(
    ("declared", "expected"), [("fr", "fr"), ("FR-fr", "fr"), ("en_GB", "en"), ("", None), ("français", None)]
)
def test_declared_language_reduced_to_its_primary_subtag(declared, expected):
    assert parse_message(message(language=declared), LIMITS).language == expected


def test_bom_is_ignored():
    assert parse_message(b"\xef\xbb\xbf" + message(), LIMITS).id == "a1"
    assert parse_message(b"\xef\xbb\xbf" + SEED.read_bytes(), LIMITS).published_at == "2022-03"


def test_published_at_with_z_is_accepted_in_canonical_form():
    assert parse_message(message(published_at="2022-03-03T18:40:00Z"), LIMITS).published_at == (
        "2022-03-03T18:40:00+00:00"
    )


def test_html_body_and_title_are_stripped():
    html = (
        "<div class='article'><p>Les n&eacute;gociations ont repris &agrave; Istanbul.</p>"
        "<script>ads()</script><p>Lire aussi : la chronologie</p>"
        "<p>Une <a href='/x'>troisième</a> session est prévue.</p></div>"
    )
    article = parse_message(message(body=html, title="<h1>Reprise des  pourparlers</h1>"), LIMITS)
    assert article.body == "Les négociations ont repris à Istanbul.\n\nUne troisième session est prévue."
    assert article.title == "Reprise des pourparlers"


def test_body_is_normalised():
    article = parse_message(message(body="L’accord\u00a0«\u00a0historique\u00a0» est signe\u0301.\r\n\r\nFin du texte."), LIMITS)
    assert article.body == "L'accord « historique » est signé.\n\nFin du texte."


def test_redelivery_hashes_alike_and_edits_do_not():
    first = parse_message(message(), LIMITS)
    assert parse_message(message(id="other", source="Autre"), LIMITS).content_hash == first.content_hash
    assert parse_message(message(body=BODY + " Fin."), LIMITS).content_hash != first.content_hash


# ------------------------------------------------------------------ every reason code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "empty_message"),
        (b" \n\t\r ", "empty_message"),
        (b"\xef\xbb\xbf  ", "empty_message"),
        (b"\xff\xfe{}", "invalid_encoding"),
        (b'{"id": "a1", "body": "caf\xe9"}', "invalid_encoding"),
        (b"{", "invalid_json"),
        (b'{"id": "a1",}', "invalid_json"),
        (b"[1, 2]", "not_an_object"),
        (b"[]", "not_an_object"),
        (b"Bonjour, ceci n'est pas un message.", "invalid_dispatch"),
        (b"date 2022-3 trop court pour un mois", "invalid_dispatch"),
        (b"date 2022-03-03 une date au jour", "invalid_dispatch"),
        (b"42", "not_an_object"),
        (b"null", "not_an_object"),
        (b'"just a string"', "not_an_object"),
    ],
)
def test_reason_codes_for_raw_bytes(raw, code):
    assert reason(raw) == code


def test_message_too_large():
    assert reason(message(), Limits(max_message_bytes=50)) == "message_too_large"


@pytest.mark.parametrize("field", ["id", "source", "published_at", "body"])
def test_missing_field_names_the_field(field):
    with pytest.raises(InputError) as caught:
        parse_message(message(**{field: ...}), LIMITS)
    assert caught.value.code == "missing_field" and repr(field) in caught.value.message


@pytest.mark.parametrize(
    "fields",
    [{"id": 7}, {"id": ""}, {"id": "  "}, {"id": None}, {"source": ["x"]}, {"body": None},
     {"body": {"text": BODY}}, {"title": 3}, {"language": True}],
)
def test_wrong_type(fields):
    assert reason(message(**fields)) == "wrong_type"


@pytest.mark.parametrize(
    "published_at",
    ["2022-03-03T19:40:00", "2022-03-03", "hier", "", "2022-13-03T10:00:00+01:00", 1646332800, None,
     "0001-01-01T00:00:00+05:00"],
)
def test_invalid_published_at(published_at):
    assert reason(message(published_at=published_at)) == "invalid_published_at"


@pytest.mark.parametrize(
    "body", ["", "   \n\n ", "<div><script>var a = 'Ukraine et Russie';</script><br/></div>", "12 34 56 - 78", "Lire aussi : le reste"]
)
def test_empty_body(body):
    assert reason(message(body=body)) == "empty_body"


def test_empty_dispatch_body():
    assert reason(b" date 2022-03 \n\n  \n") == "empty_body"


def test_body_too_large():
    assert reason(message(body=BODY * 10), Limits(max_body_chars=100)) == "body_too_large"


# ------------------------------------------------------------------ replay order


def test_published_instant_is_utc():
    article = parse_message(message(), LIMITS)
    assert published_instant(article) == datetime(2022, 3, 3, 18, 40, tzinfo=timezone.utc)
    dispatch = parse_message(SEED.read_bytes(), LIMITS)
    assert published_instant(dispatch) == datetime(2022, 3, 1, tzinfo=timezone.utc)


def test_article_sort_key_orders_by_utc_instant_then_id():
    paris = parse_message(message(id="b", published_at="2022-03-03T19:40:00+01:00"), LIMITS)
    london = parse_message(message(id="a", published_at="2022-03-03T19:00:00+00:00"), LIMITS)
    same = parse_message(message(id="a", published_at="2022-03-03T18:40:00.000001+00:00"), LIMITS)
    dispatch = parse_message(SEED.read_bytes(), LIMITS)
    ordered = sorted([same, london, paris, dispatch], key=article_sort_key)
    assert [(a.id, a.published_at[:10]) for a in ordered] == [
        (dispatch.id, "2022-03"), ("b", "2022-03-03"), ("a", "2022-03-03"), ("a", "2022-03-03")
    ]
    assert ordered[2] is same and article_sort_key(paris)[0] == "2022-03-03T18:40:00.000000+00:00"
