"""ArticleFeatures: what clustering compares, computed once per article in the extract stage."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np

from talkwire.processors.cluster.embedding import embed, encode_vector, title_and_lead
from talkwire.processors.cluster.fingerprint import NUM_PERM, band_keys, encode_signature, minhash_signature
from talkwire.processors.parse.parsing import article_sort_key
from talkwire.processors.cluster.reports import display_title, report_outlet
from talkwire.processors.records import (
    Article,
    ArticleFeatures,
    EnrichedArticle,
    EntityMention,
    EventFrame,
    InputFormat,
    Location,
)


def build_features(enriched: list[EnrichedArticle]) -> list[ArticleFeatures]:
    """MinHash + LSH bands of each body and one embedding call for the whole batch.

    Articles without a frame (unsupported language) get no embedding: they are never clustered.
    """
    framed = [item for item in enriched if item.frame is not None]
    vectors = embed([title_and_lead(item.article.title, item.article.body) for item in framed])
    vector_of = {id(item): vector for item, vector in zip(framed, vectors)}
    return [features_with_vector(item, vector_of.get(id(item))) for item in enriched]


def features_with_vector(
    enriched: EnrichedArticle,
    vector: np.ndarray | None,
    fingerprint: tuple[np.ndarray, int] | None = None,
) -> ArticleFeatures:
    """Features of an enriched article; ``fingerprint`` (signature, shingle count) skips the MinHash."""
    signature, shingle_count = fingerprint or minhash_signature(enriched.article.body)
    return ArticleFeatures(
        article_id=enriched.article.id,
        sort_key=article_sort_key(enriched.article),
        content_hash=enriched.article.content_hash,
        minhash=encode_signature(signature),
        shingles=shingle_count,
        bands=band_keys(signature),
        embedding=None if vector is None else encode_vector(vector),
        outlet=report_outlet(enriched.article),
        display_title=display_title(enriched.article),
        enriched=enriched,
    )


def synthetic_features(
    article_id: str,
    *,
    published_at: str = "2022-03-03T12:00:00+00:00",
    body: str | None = None,
    title: str = "",
    source: str = "Wire",
    language: str = "fr",
    topic: str | None = None,
    frame: EventFrame | None = None,
    people: list[str] | None = None,
    fingerprint: tuple[np.ndarray, int] | None = None,
    input_format: InputFormat = "json",
) -> ArticleFeatures:
    """Features built without any model, for tests and benchmarks.

    The embedding is a deterministic random unit vector seeded by ``topic`` (same topic =
    cosine 1, different topics ≈ 0); the body defaults to unique filler text.
    """
    text = body if body is not None else _filler(article_id)
    article = Article(
        id=article_id,
        source=source,
        published_at=published_at,
        published_precision="day",
        language=language,
        title=title,
        body=text,
        input_format=input_format,
        content_hash=hashlib.sha256(f"{title}\n\n{text}".encode()).hexdigest()[:32],
    )
    enriched = EnrichedArticle(
        article=article,
        language=language,
        language_status="supported",
        frame=frame if frame is not None else EventFrame(location=Location()),
        entities=[EntityMention(kind="person", canonical=name, name=name) for name in people or []],
    )
    return features_with_vector(enriched, _topic_vector(topic or article_id), fingerprint)


HISTORY_PARTIES = [("RU", "UA"), ("FR", "RU"), ("CN", "US"), ("TR", "UA"), ("EU", "RU"), ("IR", "US"), ("DE", "PL")]
HISTORY_TYPES = ["negotiation_round", "phone_call", "summit", "ministerial_meeting", "speech", "incident"]


def synthetic_history(
    count: int,
    *,
    start: str = "2022-01-01",
    articles_per_day: int = 300,
    articles_per_event: int = 10,
    copy_share: float = 0.2,
    first_index: int = 0,
) -> Iterator[ArticleFeatures]:
    """``count`` articles in replay order, for benchmarks: fast (random fingerprints, no MinHash).

    Day after day, ``articles_per_day`` articles spread over the day report events of about
    ``articles_per_event`` articles each, dated that day; a ``copy_share`` of them are wire copies
    of the event's first report. ``first_index`` continues an earlier history.
    """
    events_per_day = max(1, articles_per_day // articles_per_event)
    first_reports: dict[str, np.ndarray] = {}
    for index in range(first_index, first_index + count):
        day_number, slot = divmod(index, articles_per_day)
        if slot == 0:
            first_reports.clear()
        day = date.fromisoformat(start) + timedelta(days=day_number)
        event = slot % events_per_day
        topic = f"{day.isoformat()}/{event}"
        rng = np.random.default_rng(index)
        is_copy = topic in first_reports and rng.random() < copy_share
        signature = first_reports[topic] if is_copy else rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32)
        first_reports.setdefault(topic, signature)
        instant = datetime.combine(day, datetime.min.time(), UTC) + timedelta(seconds=slot * 86_400 // articles_per_day)
        yield synthetic_features(
            f"h{index:07d}",
            published_at=instant.isoformat(),
            body="",
            topic=topic,
            frame=EventFrame(
                event_type=HISTORY_TYPES[event % len(HISTORY_TYPES)],
                parties=sorted(HISTORY_PARTIES[event % len(HISTORY_PARTIES)]),
                location=Location(),
                date=day.isoformat(),
                date_precision="day",
            ),
            fingerprint=(signature, 117),
        )


def _topic_vector(topic: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(topic.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _filler(seed: str) -> str:
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "little"))
    return " ".join(f"w{value}" for value in rng.integers(0, 50_000, size=120))
