"""The bench corpus: the dev articles again and again, with new ids and later dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import orjson

DEV_ARTICLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev" / "articles.jsonl"
COPY_SPACING_DAYS = 28  # whole weeks (weekday mentions keep their sense), past the active window


def dev_articles() -> list[dict]:
    return [orjson.loads(line) for line in DEV_ARTICLES.read_bytes().splitlines() if line.strip()]


def make_corpus(count: int, *, tag: str, first_copy: int = 0) -> list[tuple[str, bytes]]:
    """``count`` (key, raw message) pairs; ``tag`` keeps ids of different runs apart."""
    originals = dev_articles()
    messages: list[tuple[str, bytes]] = []
    copy = first_copy
    while len(messages) < count:
        shift = timedelta(days=COPY_SPACING_DAYS * copy)
        for article in originals[: count - len(messages)]:
            moved = dict(article, id=f"{tag}{copy:03d}-{article['id']}",
                         published_at=_shifted(article["published_at"], shift))
            messages.append((moved["id"], orjson.dumps(moved)))
        copy += 1
    return messages


def _shifted(instant: str, shift: timedelta) -> str:
    if len(instant) <= 7:  # month precision: keep it, the month moves with the shift
        return (datetime.fromisoformat(instant + "-01") + shift).strftime("%Y-%m")
    return (datetime.fromisoformat(instant) + shift).isoformat()
