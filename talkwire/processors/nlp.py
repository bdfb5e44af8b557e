"""spaCy pipelines, built once per process and language (never at import time).

French: the NER of ``fr_core_news_md`` only (NER has its own encoder), behind an entity ruler from
the gazetteer so known names always get the right label and id. English: no official English model
is installable and the French NER labels English names badly (measured: it tags "Russian Foreign
Minister Sergei Lavrov" as ORG), so English is ``spacy.blank("en")`` + the gazetteer ruler + a rule
component that reads runs of capitalised words as person names.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from talkwire.processors.gazetteer import load_gazetteer

UNUSED_FRENCH_COMPONENTS = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]
MAX_NAME_TOKENS = 4


@cache
def load_pipeline(language: str, model_fr: str) -> Language:
    """The pipeline for ``language`` ("fr" or "en"), loaded once per process."""
    if language == "fr":
        nlp = spacy.load(model_fr, exclude=UNUSED_FRENCH_COMPONENTS)
        ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
    else:
        nlp = spacy.blank(language)
        ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
        nlp.add_pipe("talkwire_person_names")
    ruler.add_patterns(load_gazetteer().ruler_patterns())
    return nlp


@Language.factory("talkwire_person_names")
def make_person_name_finder(nlp: Language, name: str) -> "PersonNameFinder":
    return PersonNameFinder(frozenset(load_gazetteer().words("name_stopwords", nlp.lang)))


class PersonNameFinder:
    """Marks runs of 2-4 capitalised words as PER, then lone surnames of those people."""

    def __init__(self, stopwords: frozenset[str]) -> None:
        self.stopwords = stopwords

    def __call__(self, doc: Doc) -> Doc:
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        names = [span for span in self._capitalised_runs(doc, taken) if len(span) >= 2]
        surnames = {span[-1].text for span in names} | {ent[-1].text for ent in doc.ents if ent.label_ == "PER"}
        covered = taken | {i for span in names for i in range(span.start, span.end)}
        lone = [Span(doc, t.i, t.i + 1, label="PER") for t in doc if t.text in surnames and t.i not in covered]
        doc.ents = filter_spans([*doc.ents, *names, *lone])
        return doc

    def _capitalised_runs(self, doc: Doc, taken: set[int]) -> list[Span]:
        runs: list[Span] = []
        start: int | None = None
        for token in [*doc, None]:
            if token is not None and token.i not in taken and self._is_name_word(token.text):
                start = token.i if start is None else start
                continue
            end = token.i if token is not None else len(doc)
            if start is not None and end - start <= MAX_NAME_TOKENS:
                runs.append(Span(doc, start, end, label="PER"))
            start = None
        return runs

    def _is_name_word(self, word: str) -> bool:
        return (
            len(word) > 1
            and word[0].isupper()
            and not word.isupper()
            and word.replace("-", "").replace("'", "").isalpha()
            and word.lower() not in self.stopwords
        )
