"""Dead letters: a rejected message with its original bytes, why, and where it came from."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from talkwire.processors.records import DeadLetter


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
) -> DeadLetter:
    """The dead letter for ``raw``: kept as UTF-8 text when it decodes, else as base64."""
    try:
        original, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        original, encoding = base64.b64encode(raw).decode("ascii"), "base64"
    written = now or datetime.now(timezone.utc)
    if written.tzinfo is None:
        written = written.replace(tzinfo=timezone.utc)
    return DeadLetter(
        reason=reason,
        message=message,
        stage=stage,
        original=original,
        original_encoding=encoding,
        topic=topic,
        partition=partition,
        offset=offset,
        key=key,
        timestamp=written.astimezone(timezone.utc).isoformat(),
        article_id=article_id,
    )


def original_bytes(dead_letter: DeadLetter) -> bytes:
    """The message bytes a dead letter was made from (for replaying it)."""
    if dead_letter.original_encoding == "base64":
        return base64.b64decode(dead_letter.original)
    return dead_letter.original.encode("utf-8")
