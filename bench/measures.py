"""In-process measurements: bare nlp.pipe, offline replay and clustering cost against state size."""

from __future__ import annotations

import time
from collections import defaultdict
from itertools import islice
from pathlib import Path

from talkwire.processors.clustering import cluster_article
from talkwire.processors.embedding import embed, title_and_lead
from talkwire.processors.extraction import NLP_BATCH_SIZE
from talkwire.processors.features import synthetic_history
from talkwire.processors.language import detect_language
from talkwire.processors.nlp import load_pipeline
from talkwire.processors.parsing import parse_message
from talkwire.processors.pipeline import OfflinePipeline
from talkwire.processors.records import RawMessage
from talkwire.settings import Settings

SMALL_STATE = 1_000
FULL_WINDOW_STATE = 10_000  # 33 days of synthetic history: the 14-day active window is full
PROBE_ARTICLES = 500  # articles timed at each state size


def nlp_articles_per_s(settings: Settings, messages: list[tuple[str, bytes]]) -> float:
    """Bare ``nlp.pipe``: the worker's pipelines, components and batch size, over the same texts by language."""
    texts: dict[str, list[str]] = defaultdict(list)
    for key, value in messages:
        article = parse_message(value, settings.limits, key=key)
        texts[detect_language(article).language].append(article.text)
    pipelines = {language: load_pipeline(language, settings.spacy_model_fr) for language in texts}
    for language, nlp in pipelines.items():
        list(nlp.pipe(texts[language][:4]))  # first-call costs outside the clock
    started = time.perf_counter()
    for language, nlp in pipelines.items():
        for _ in nlp.pipe(texts[language], batch_size=NLP_BATCH_SIZE):
            pass
    return len(messages) / (time.perf_counter() - started)


def encoder_articles_per_s(settings: Settings, messages: list[tuple[str, bytes]]) -> float:
    """The sentence encoder alone, on the texts the worker embeds (title + lead), in the worker's batches."""
    leads = []
    for key, value in messages:
        article = parse_message(value, settings.limits, key=key)
        leads.append(title_and_lead(article.title, article.body))
    embed(leads[:4])  # loads the encoder outside the clock
    started = time.perf_counter()
    for first in range(0, len(leads), settings.batch_size):
        embed(leads[first:first + settings.batch_size])
    return len(leads) / (time.perf_counter() - started)


def replay_articles_per_s(settings: Settings, messages: list[tuple[str, bytes]],
                          warmup: list[tuple[str, bytes]]) -> float:
    """``talkwire replay``'s pipeline over the corpus, models loaded beforehand."""
    pipeline = OfflinePipeline(settings)
    pipeline.run([RawMessage(value=value, key=key) for key, value in warmup])
    result = pipeline.run([RawMessage(value=value, key=key) for key, value in messages])
    return len(messages) / result.seconds


def state_scaling(settings: Settings, total: int) -> dict[str, float]:
    """Clustering cost per article once ``SMALL_STATE``, ``FULL_WINDOW_STATE`` and ``total`` articles went
    through the block (synthetic history: 300 articles a day, 10 per event), with the store's size and
    the process RSS. At 1k articles the active window holds 3 days of history; from 10k on it is full."""
    store: dict[str, bytes] = {}
    history = synthetic_history(total + 2 * PROBE_ARTICLES)
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
        figures[f"{label}_state_keys"] = len(store)
        figures[f"{label}_state_mb"] = sum(len(k) + len(v) for k, v in store.items()) / 2**20
        figures[f"{label}_rss_mb"] = rss_mb()
    return figures


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
