"""ArticleFeatures: what clustering compares, computed once per article in the extract stage."""

from __future__ import annotations

import hashlib

import numpy as np

from talkwire.processors.embedding import embed, encode_vector, title_and_lead
from talkwire.processors.fingerprint import band_keys, encode_signature, minhash_signature
from talkwire.processors.parsing import article_sort_key
from talkwire.processors.records import (
    Article,
    ArticleFeatures,
    EnrichedArticle,
    EntityMention,
    EventFrame,
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


def features_with_vector(enriched: EnrichedArticle, vector: np.ndarray | None) -> ArticleFeatures:
    signature, shingle_count = minhash_signature(enriched.article.body)
    return ArticleFeatures(
        article_id=enriched.article.id,
        sort_key=article_sort_key(enriched.article),
        content_hash=enriched.article.content_hash,
        minhash=encode_signature(signature),
        shingles=shingle_count,
        bands=band_keys(signature),
        embedding=None if vector is None else encode_vector(vector),
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
        content_hash=hashlib.sha256(f"{title}\n\n{text}".encode()).hexdigest()[:32],
    )
    enriched = EnrichedArticle(
        article=article,
        language=language,
        language_status="supported",
        frame=frame if frame is not None else EventFrame(location=Location()),
        entities=[EntityMention(kind="person", canonical=name, name=name) for name in people or []],
    )
    return features_with_vector(enriched, _topic_vector(topic or article_id))


def _topic_vector(topic: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(topic.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _filler(seed: str) -> str:
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "little"))
    return " ".join(f"w{value}" for value in rng.integers(0, 50_000, size=120))
