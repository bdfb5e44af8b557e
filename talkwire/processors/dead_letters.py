"""Dead letters: a rejected message with its original bytes, why, and where it came from.

A dead letter must always be accepted by the broker, or the message it stands for is lost (the
agent crashes and its offset moves on). Given a byte budget, ``make_dead_letter`` keeps the longest
prefix of the original that fits and says so: ``original_truncated``, with the size and SHA-256 of
the full original (both are set on every dead letter).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

from talkwire.processors.records import DeadLetter

MAX_EXPLANATION_CHARS = 2_000  # the ``message`` of a dead letter (an exception's repr can be huge)


def make_dead_letter(
    raw: bytes,
    *,
    reason: str,
    message: str,
    stage: str,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: str | None = None,
    article_id: str | None = None,
    now: datetime | None = None,
    max_bytes: int | None = None,
) -> DeadLetter:
    """The dead letter for ``raw``: kept as UTF-8 text when it decodes, else as base64.

    With ``max_bytes``, its JSON is at most that long: the original is cut to a prefix when needed.
    """
    written = now or datetime.now(timezone.utc)
    if written.tzinfo is None:
        written = written.replace(tzinfo=timezone.utc)
    encoding = "utf-8" if _is_utf8(raw) else "base64"
    letter = DeadLetter(
        reason=reason,
        message=message[:MAX_EXPLANATION_CHARS],
        stage=stage,
        original=_encode(raw, encoding),
        original_encoding=encoding,
        original_size=len(raw),
        original_sha256=hashlib.sha256(raw).hexdigest(),
        topic=topic,
        partition=partition,
        offset=offset,
        key=key,
        timestamp=written.astimezone(timezone.utc).isoformat(),
        article_id=article_id,
    )
    if max_bytes is None or len(letter.to_json()) <= max_bytes:
        return letter
    return _cut_to_fit(letter, raw, max_bytes)


def _cut_to_fit(letter: DeadLetter, raw: bytes, max_bytes: int) -> DeadLetter:
    """``letter`` with the longest prefix of ``raw`` whose JSON fits in ``max_bytes``."""
    cut = letter.model_copy(update={"original": "", "original_truncated": True})
    overhead = len(cut.to_json())
    if overhead > max_bytes:
        raise ValueError(f"a dead letter needs {overhead} bytes without its original; the budget is {max_bytes}")
    kept = max_bytes - overhead
    if letter.original_encoding == "base64":
        kept = kept // 4 * 3  # base64 writes 4 characters per 3 bytes
    while True:
        cut = cut.model_copy(update={"original": _encode(raw[:kept], letter.original_encoding)})
        excess = len(cut.to_json()) - max_bytes
        if excess <= 0:
            return cut
        kept = max(0, kept - excess)  # JSON escapes make some bytes longer: shrink by what overflows


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _encode(raw: bytes, encoding: str) -> str:
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    return raw.decode("utf-8", "ignore")  # valid UTF-8 cut anywhere: only a split last character is dropped


def original_bytes(dead_letter: DeadLetter) -> bytes:
    """The message bytes a dead letter was made from (for replaying it); refused when they were cut."""
    if dead_letter.original_truncated:
        raise ValueError(f"the dead letter holds only a prefix of its {dead_letter.original_size}-byte original")
    if dead_letter.original_encoding == "base64":
        return base64.b64decode(dead_letter.original)
    return dead_letter.original.encode("utf-8")
