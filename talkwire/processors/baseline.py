"""The anchor that talkwire's folding must beat: single-pass centroid clustering of embeddings.

Event Registry's online step made cross-lingual: each article, in publication order, joins the
open cluster whose centroid is nearest by cosine of the multilingual title + lead embedding (the
one talkwire computes), if at least ``JOIN_COSINE``; otherwise it opens a new cluster. A cluster
closes ``CLOSE_AFTER_DAYS`` after its newest article. No frame, no rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from talkwire.processors.cluster.embedding import embed, title_and_lead
from talkwire.processors.parse.parsing import article_sort_key, published_instant
from talkwire.processors.records import Article

JOIN_COSINE = 0.5
CLOSE_AFTER_DAYS = 4


@dataclass
class _Cluster:
    label: str
    total: np.ndarray
    newest: datetime
    size: int = field(default=1)

    def centroid(self) -> np.ndarray:
        return self.total / max(float(np.linalg.norm(self.total)), 1e-12)


def centroid_clusters(articles: list[Article]) -> dict[str, str]:
    """Article id -> cluster label (the id of the cluster's first article)."""
    ordered = sorted(articles, key=article_sort_key)
    vectors = embed([title_and_lead(a.title, a.body) for a in ordered])
    open_clusters: list[_Cluster] = []
    labels: dict[str, str] = {}
    for article, vector in zip(ordered, vectors):
        published = published_instant(article)
        open_clusters = [c for c in open_clusters if published - c.newest <= timedelta(days=CLOSE_AFTER_DAYS)]
        scores = [float(c.centroid() @ vector) for c in open_clusters]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= JOIN_COSINE:
            cluster = open_clusters[best]
            cluster.total, cluster.size = cluster.total + vector, cluster.size + 1
            cluster.newest = max(cluster.newest, published)
        else:
            cluster = _Cluster(article.id, vector.copy(), published)
            open_clusters.append(cluster)
        labels[article.id] = cluster.label
    return labels
