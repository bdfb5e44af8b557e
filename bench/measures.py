"""In-process measurements: the cost of each extraction step (bare nlp.pipe among them), offline replay and
clustering cost against state size."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from talkwire.processors.cluster.clustering import cluster_article
from talkwire.processors.cluster.embedding import embed, title_and_lead
from talkwire.processors.extract.extraction import NLP_BATCH_SIZE, Extractor
from talkwire.processors.cluster.features import synthetic_history
from talkwire.processors.cluster.fingerprint import minhash_signature
from talkwire.processors.parse.language import detect_language
from talkwire.processors.extract.nlp import load_pipeline
from talkwire.processors.parse.parsing import parse_message
from talkwire.processors.pipeline import OfflinePipeline
from talkwire.processors.records import Article, RawMessage
from talkwire.settings import Settings

SMALL_STATE = 1_000
FULL_WINDOW_STATE = 10_000  # 33 days of synthetic history: the 14-day active window is full
PROBE_ARTICLES = 500  # articles timed at each state size
WRITES_PROBE_ARTICLES = 300  # then counted: one synthetic day, as eviction drops whole days


def stage_costs(settings: Settings, messages: list[tuple[str, bytes]]) -> dict[str, float]:
    """Milliseconds per article of each step of a worker's extraction, timed one after the other on the
    same articles, each in the worker's batches. A worker runs them all on one core, so the sum bounds
    its throughput and ``nlp / sum`` bounds ``e2e_vs_nlp``. ``nlp`` is bare ``nlp.pipe``: the worker's
    pipelines and components, by language."""
    articles = [parse_message(value, settings.limits, key=key) for key, value in messages]
    extractor = Extractor(settings)
    _warm_up(settings, articles[:4])
    spent: dict[str, float] = {}
    with _timed(spent, "language"):
        languages = [detect_language(article) for article in articles]
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, result in enumerate(languages):
        by_language[result.language].append(index)
    docs = {}
    with _timed(spent, "nlp"):
        for language, indices in by_language.items():
            nlp = load_pipeline(language, settings.spacy_model_fr, settings.spacy_model_en)
            texts = (articles[index].text for index in indices)
            docs.update(zip(indices, nlp.pipe(texts, batch_size=NLP_BATCH_SIZE)))
    with _timed(spent, "rules"):
        enriched = [extractor.enrich_doc(article, result, docs[index])
                    for index, (article, result) in enumerate(zip(articles, languages))]
    with _timed(spent, "encoder"):
        leads = [title_and_lead(article.title, article.body) for article in articles]
        for first in range(0, len(leads), settings.batch_size):
            embed(leads[first:first + settings.batch_size])
    with _timed(spent, "fingerprint"):
        for item in enriched:
            minhash_signature(item.article.body)
    return {step: seconds * 1000 / len(articles) for step, seconds in spent.items()}


def _warm_up(settings: Settings, articles: list[Article]) -> None:
    """Models loaded and first-call costs paid outside the clock."""
    for article in articles:
        load_pipeline(detect_language(article).language, settings.spacy_model_fr, settings.spacy_model_en)(article.text)
    embed([article.text for article in articles])


@contextmanager
def _timed(spent: dict[str, float], step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    spent[step] = time.perf_counter() - started


def replay_articles_per_s(settings: Settings, messages: list[tuple[str, bytes]],
                          warmup: list[tuple[str, bytes]]) -> float:
    """``talkwire replay``'s pipeline over the corpus, models loaded beforehand."""
    pipeline = OfflinePipeline(settings)
    pipeline.run([RawMessage(value=value, key=key) for key, value in warmup])
    result = pipeline.run([RawMessage(value=value, key=key) for key, value in messages])
    return len(messages) / result.seconds


def state_scaling(settings: Settings, total: int) -> dict[str, float]:
    """Clustering cost per article once ``SMALL_STATE``, ``FULL_WINDOW_STATE`` and ``total`` articles went
    through the block (synthetic history: 300 articles a day, 10 per event), with the store's size, the
    process RSS and the keys written and deleted per article (each one changelog record in a worker).
    At 1k articles the active window holds 3 days of history; from 10k on it is full."""
    store: dict[str, bytes] = {}
    history = synthetic_history(total + 3 * (PROBE_ARTICLES + WRITES_PROBE_ARTICLES))
    figures: dict[str, float] = {}
    fed = 0
    for label, seen in (("small", SMALL_STATE), ("full_window", FULL_WINDOW_STATE), ("large", total)):
        for features in islice(history, seen - fed):
            cluster_article(store, features, settings.limits)
        probe = list(islice(history, PROBE_ARTICLES))  # generated outside the clock
        fed = seen + PROBE_ARTICLES
        started = time.perf_counter()
        for features in probe:
            cluster_article(store, features, settings.limits)
        figures[f"{label}_ms_per_article"] = (time.perf_counter() - started) * 1000 / PROBE_ARTICLES
        writes = _count_writes(store, list(islice(history, WRITES_PROBE_ARTICLES)), settings)
        fed += WRITES_PROBE_ARTICLES
        figures[f"{label}_writes_per_article"], figures[f"{label}_deletes_per_article"] = writes
        figures[f"{label}_state_keys"] = len(store)
        figures[f"{label}_state_mb"] = sum(len(k) + len(v) for k, v in store.items()) / 2**20
        figures[f"{label}_rss_mb"] = rss_mb()
    return figures


def _count_writes(store: dict[str, bytes], probe: list, settings: Settings) -> tuple[float, float]:
    """Keys written and keys deleted per article (counted apart from the timed run, which stays unwrapped)."""
    counting = _CountingStore(store)
    for features in probe:
        cluster_article(counting, features, settings.limits)
    return counting.writes / len(probe), counting.deletes / len(probe)


class _CountingStore(MutableMapping[str, bytes]):
    def __init__(self, store: dict[str, bytes]) -> None:
        self.store, self.writes, self.deletes = store, 0, 0

    def __getitem__(self, key: str) -> bytes:
        return self.store[key]

    def __setitem__(self, key: str, value: bytes) -> None:
        self.writes += 1
        self.store[key] = value

    def __delitem__(self, key: str) -> None:
        self.deletes += 1
        del self.store[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.store)

    def __len__(self) -> int:
        return len(self.store)


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
