"""Raw message bytes to a validated, normalised Article (JSON objects and 'date YYYY-MM' dispatches).

Every rejection is an InputError whose code is a stable dead-letter reason.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from itertools import islice
from typing import Any

import orjson

from talkwire.processors.errors import InputError
from talkwire.processors.records import Article
from talkwire.processors.parse.text import (
    content_hash,
    looks_like_html,
    normalise_text,
    strip_boilerplate,
    strip_html,
)
from talkwire.settings import Limits

UTF8_BOM = b"\xef\xbb\xbf"
REQUIRED_FIELDS = ("id", "source", "published_at", "body")
OPTIONAL_TEXT_FIELDS = ("title", "language")
MIN_BODY_LETTERS = 20

# published_at as the contract asks for it (RFC 3339 with a UTC offset); the parser also takes the
# other ISO 8601 forms Python reads, as long as they carry an offset
PUBLISHED_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"

_DISPATCH_HEAD = re.compile(r"date[ \t]+(\d{4})-(\d{2})(?=\s|$)[ \t]*([^\n]*)\n?", re.IGNORECASE)
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}")


def parse_message(
    raw: bytes, limits: Limits, *, key: str | None = None, source: str | None = None
) -> Article:
    """Parse one raw message; ``key`` and ``source`` name a dispatch, which carries neither."""
    if not raw.strip():
        raise InputError("empty_message", "the message is empty")
    if len(raw) > limits.max_message_bytes:
        raise InputError(
            "message_too_large",
            f"{len(raw)} bytes, over the limit of {limits.max_message_bytes}",
        )
    try:
        text = raw.removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("invalid_encoding", f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    stripped = text.lstrip()
    if not stripped:
        raise InputError("empty_message", "the message holds only a byte order mark and spaces")
    if stripped[0] in "{[":
        return _parse_json(stripped, limits)
    if _DISPATCH_HEAD.match(stripped):
        return parse_dispatch(stripped, limits, article_id=key, source=source or "dispatch")
    if is_json(stripped):  # objects and arrays were handled above: this is a scalar
        raise InputError("not_an_object", "the message is a JSON scalar, not an object")
    raise InputError("invalid_dispatch", "neither a JSON object nor a 'date YYYY-MM' dispatch")


def is_json(data: bytes | str) -> bool:
    """Whether ``data`` is one valid JSON document."""
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return True


def parse_dispatch(
    text: str, limits: Limits, *, article_id: str | None = None, source: str = "dispatch"
) -> Article:
    """A plain-text dispatch: 'date YYYY-MM <lead>' on the first line, then paragraphs.

    Only the month is known, so published_at is 'YYYY-MM' with precision 'month'; the
    dispatch has no title, and its id defaults to one derived from its content.
    """
    text = text.lstrip()
    head = _DISPATCH_HEAD.match(text)
    if head is None:
        raise InputError("invalid_dispatch", "the first line is not 'date YYYY-MM <lead>'")
    year, month, lead = head.groups()
    if not 1 <= int(month) <= 12:
        raise InputError("invalid_dispatch", f"month {month} is not between 01 and 12")
    body = _clean_body(f"{lead}\n\n{text[head.end():]}", limits)
    digest = content_hash("", body)
    return Article(
        id=article_id or f"dispatch-{digest[:16]}",
        source=source,
        published_at=f"{year}-{month}",
        published_precision="month",
        title="",
        body=body,
        input_format="dispatch",
        content_hash=digest,
    )


def _parse_json(text: str, limits: Limits) -> Article:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError("invalid_json", str(exc)) from None
    if not isinstance(data, dict):
        raise InputError("not_an_object", f"the JSON value is a {type(data).__name__}, not an object")
    for name in REQUIRED_FIELDS:
        if name not in data:
            raise InputError("missing_field", f"required field {name!r} is missing")
    for name in ("id", "source", "body"):
        _require_str(data, name)
    if not data["id"].strip():
        raise InputError("wrong_type", "field 'id' is an empty string")
    for name in OPTIONAL_TEXT_FIELDS:
        if data.get(name) is not None:
            _require_str(data, name)
    published_at = _parse_published_at(data["published_at"])
    title = normalise_text(strip_html(data.get("title") or "")).replace("\n\n", " ")
    body = _clean_body(data["body"], limits)
    return Article(
        id=data["id"],
        source=normalise_text(data["source"]).replace("\n\n", " "),
        published_at=published_at,
        published_precision="day",
        language=_language_tag(data.get("language")),
        title=title,
        body=body,
        input_format="json",
        extra={k: v for k, v in data.items() if k not in REQUIRED_FIELDS + OPTIONAL_TEXT_FIELDS},
        content_hash=content_hash(title, body),
    )


def _require_str(data: dict[str, Any], name: str) -> None:
    if not isinstance(data[name], str):
        raise InputError("wrong_type", f"field {name!r} must be a string, not {type(data[name]).__name__}")


def _parse_published_at(value: Any) -> str:
    """The timestamp in canonical ISO 8601, its UTC offset kept (local dates matter downstream)."""
    if not isinstance(value, str):
        raise InputError("invalid_published_at", f"published_at must be an ISO 8601 string, not {type(value).__name__}")
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InputError("invalid_published_at", f"{value!r} is not ISO 8601: {exc}") from None
    if instant.utcoffset() is None:
        raise InputError("invalid_published_at", f"{value!r} has no UTC offset")
    try:
        instant.astimezone(timezone.utc)
    except OverflowError:
        raise InputError("invalid_published_at", f"{value!r} is out of range in UTC") from None
    return instant.isoformat()


def _language_tag(value: str | None) -> str | None:
    """Primary subtag of a declared language ('fr-FR' -> 'fr'); None when empty or not a tag."""
    primary = re.split(r"[-_]", (value or "").strip().lower(), maxsplit=1)[0]
    return primary if _LANGUAGE_TAG.fullmatch(primary) else None


def _clean_body(body: str, limits: Limits) -> str:
    if looks_like_html(body):
        body = strip_html(body)
    body = normalise_text(strip_boilerplate(body))
    if len(body) > limits.max_body_chars:
        raise InputError("body_too_large", f"{len(body)} characters, over the limit of {limits.max_body_chars}")
    if next(islice((c for c in body if c.isalpha()), MIN_BODY_LETTERS - 1, None), None) is None:
        raise InputError("empty_body", f"fewer than {MIN_BODY_LETTERS} letters of text after clean-up")
    return body


def article_input_schema(limits: Limits) -> dict[str, Any]:
    """The JSON Schema of a JSON article on the raw topic: the rules ``parse_message`` applies.

    Rules a schema cannot state (sizes in bytes, the body after HTML and boilerplate removal) are
    in the descriptions and in ``x-talkwire-limits``.
    """
    text = {"type": "string"}
    return {
        "title": "Article (a JSON message on the raw topic)",
        "description": (
            f"One UTF-8 JSON object per message, at most {limits.max_message_bytes} bytes "
            "(TALKWIRE_MAX_MESSAGE_BYTES; a UTF-8 byte order mark is allowed). The raw topic also takes a plain-text "
            "dispatch: a first line 'date YYYY-MM <lead>', then paragraphs; its id is the message key or, without "
            "one, 'dispatch-' and 16 hex characters of its content hash; it has no title and a month-precision date. "
            "Anything else is a dead letter with a stable reason (see the README)."
        ),
        "type": "object",
        "required": list(REQUIRED_FIELDS),
        "properties": {
            "id": {**text, "pattern": r"\S", "description": "unique per article; a resend with the same id and "
                   "other content is the dead letter duplicate_id_conflict"},
            "source": {**text, "description": "the outlet or agency"},
            "published_at": {**text, "format": "date-time", "pattern": PUBLISHED_AT_PATTERN,
                             "description": "ISO 8601 / RFC 3339 with a UTC offset; the local date is kept"},
            "body": {**text, "description": (
                f"plain text or HTML; after tags and boilerplate are removed it has at most {limits.max_body_chars} "
                f"characters (TALKWIRE_MAX_BODY_CHARS, else body_too_large) and at least {MIN_BODY_LETTERS} letters "
                "(else empty_body)")},
            "title": {"type": ["string", "null"], "description": "optional; HTML is stripped"},
            "language": {"type": ["string", "null"], "description": "optional language tag (fr, en-GB); "
                         "only its primary subtag is used, and the text's detected language wins"},
        },
        "additionalProperties": {"description": "kept as the article's extra fields (e.g. url)"},
        "x-talkwire-limits": {"max_message_bytes": limits.max_message_bytes,
                              "max_body_chars": limits.max_body_chars, "min_body_letters": MIN_BODY_LETTERS},
    }


def published_instant(article: Article) -> datetime:
    """When the article was published, tz-aware UTC; a month-precision date is its first day."""
    if article.published_precision == "day":
        return datetime.fromisoformat(article.published_at).astimezone(timezone.utc)
    year, _, month = article.published_at.partition("-")
    return datetime(int(year), int(month or 1), 1, tzinfo=timezone.utc)


def article_sort_key(article: Article) -> tuple[str, str]:
    """(UTC instant in fixed-width ISO form, id): the order articles are replayed in."""
    instant = published_instant(article).isoformat(timespec="microseconds")
    return instant, article.id
