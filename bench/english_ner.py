"""English NER options measured on the English articles of the labelled corpora (docs/english-ner.md).

    python -m bench.english_ner OPTION CORPUS... > result.json

OPTION: ``en:NAME`` (talkwire's pipeline around the English spaCy model NAME: gazetteer ruler in
front, NER only, OntoNotes labels mapped), ``fr:NAME`` (the French pipeline around NAME, run on the
English text) or ``git:REV`` (talkwire's English pipeline as it was at git revision REV, e.g. the
capitalised-runs rule). One option per process, so load time and memory are
its own. Prints one JSON object: load seconds, resident memory added, ms per article, the gold
participants' recall proxy (a participant named in an article, by folded surname, found among that
article's people), the gold venue's recall proxy (the venue named in an article found among its
places), and every person and place that is not in the gazetteer, to check by hand.
"""

from __future__ import annotations

import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from spacy.language import Language

from talkwire.processors.extract.entities import extract_entities
from talkwire.processors.evaluation import load_corpus
from talkwire.processors.extract.gazetteer import fold, load_gazetteer
from talkwire.processors.extract.nlp import load_pipeline
from talkwire.processors.pipeline import read_messages
from talkwire.settings import Limits, Settings

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pipeline_at(revision: str) -> Language:
    """``load_pipeline("en", ...)`` of talkwire/processors/extract/nlp.py as it was at ``revision``.

    Revisions before the tree was split into pipeline stages have it at talkwire/processors/nlp.py,
    importing the gazetteer from there too.
    """
    shown = subprocess.run(["git", "show", f"{revision}:talkwire/processors/extract/nlp.py"],
                           capture_output=True, text=True)
    if shown.returncode != 0:
        shown = subprocess.run(["git", "show", f"{revision}:talkwire/processors/nlp.py"], check=True,
                               capture_output=True, text=True)
    source = shown.stdout.replace("talkwire.processors.gazetteer", "talkwire.processors.extract.gazetteer")
    path = Path(tempfile.mkdtemp()) / "nlp_at_revision.py"
    path.write_text(source, "utf-8")
    spec = importlib.util.spec_from_file_location("nlp_at_revision", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_pipeline("en", Settings().spacy_model_fr)


def _load(option: str) -> Language:
    kind, _, name = option.partition(":")
    if kind == "git":
        return _pipeline_at(name)
    return load_pipeline(kind, name, name)


def _english_articles(corpus_name: str) -> list[tuple[str, dict[str, Any] | None]]:
    """The text (as ``Article.text`` joins it) and gold event of each English article."""
    corpus = load_corpus(DATA / corpus_name)
    found = []
    for message in read_messages(corpus.articles_path):
        article = orjson.loads(message.value)
        if article.get("language") == "en":
            gold = corpus.gold.get(article["id"])
            text = "\n\n".join(part for part in (article.get("title"), article["body"]) if part)
            found.append((text, corpus.events.get(gold.cluster) if gold else None))
    return found


def _named(name: str, text: str) -> bool:
    return f" {fold(name).split(' ')[-1]} " in f" {text} "


def measure(option: str, corpora: list[str]) -> dict[str, Any]:
    rss_before, started = _rss_mb(), time.perf_counter()
    nlp = _load(option)
    nlp("Warm-up sentence in Geneva.")
    load_s, rss_after = time.perf_counter() - started, _rss_mb()
    articles = [pair for name in corpora for pair in _english_articles(name)]
    started = time.perf_counter()
    docs = list(nlp.pipe(text for text, _ in articles))
    ms_per_article = 1000 * (time.perf_counter() - started) / len(articles)
    gazetteer = load_gazetteer()
    seen = {"participants": [0, 0], "venues": [0, 0]}
    unknown_people: dict[str, int] = {}
    unknown_places: dict[str, int] = {}
    unknown_orgs: dict[str, int] = {}
    for (article_text, event), doc in zip(articles, docs):
        entities, people = extract_entities(doc, "en", gazetteer, Limits())
        text = " ".join(fold(article_text).replace(",", " ").replace(".", " ").split())
        surnames = {fold(p.canonical).split(" ")[-1] for p in people}
        places = {fold(e.canonical) for e in entities if e.kind == "place"}
        for person in {p.canonical for p in people if gazetteer.lookup(p.canonical) is None}:
            unknown_people[person] = unknown_people.get(person, 0) + 1
        for place in {e.canonical for e in entities if e.kind == "place" and gazetteer.lookup(e.canonical) is None}:
            unknown_places[place] = unknown_places.get(place, 0) + 1
        for org in {e.text for e in doc.ents if e.label_ == "ORG" and not e.ent_id_}:
            unknown_orgs[org] = unknown_orgs.get(org, 0) + 1
        for participant in (event or {}).get("participants", []):
            if _named(participant["name"], text):
                seen["participants"][0] += 1
                seen["participants"][1] += fold(participant["name"]).split(" ")[-1] in surnames
        venue = ((event or {}).get("location") or {}).get("place")
        if venue and _named(venue, text):
            seen["venues"][0] += 1
            seen["venues"][1] += fold(venue) in places
    return {
        "option": option, "articles": len(articles), "load_s": round(load_s, 2),
        "rss_added_mb": round(rss_after - rss_before, 1), "ms_per_article": round(ms_per_article, 2),
        "participants_named": seen["participants"][0],
        "participants_found": round(seen["participants"][1] / max(1, seen["participants"][0]), 3),
        "venues_named": seen["venues"][0], "venues_found": round(seen["venues"][1] / max(1, seen["venues"][0]), 3),
        "unknown_people": dict(sorted(unknown_people.items())), "unknown_places": dict(sorted(unknown_places.items())),
        "unknown_orgs": dict(sorted(unknown_orgs.items())),
    }


if __name__ == "__main__":
    sys.stdout.buffer.write(orjson.dumps(measure(sys.argv[1], sys.argv[2:]), option=orjson.OPT_INDENT_2))
