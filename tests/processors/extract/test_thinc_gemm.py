"""Why thinc_gemm exists: thinc multiplies with blis unless told otherwise, and handing the products
to numpy changes no entity the NER finds (the speed is measured by `make bench`, not here)."""

import orjson
import pytest
import spacy
from thinc.api import NumpyOps, get_current_ops

from talkwire.processors.extract.nlp import UNUSED_COMPONENTS, load_pipeline
from talkwire.processors.extract.thinc_gemm import numpy_gemm
from talkwire.settings import Settings
from tests.repo_paths import TESTS_DATA

CORPORA = ("brexit", "sudan", "korea")  # French and English wire text, many names


def _texts(language: str) -> list[str]:
    texts = []
    for corpus in CORPORA:
        for line in (TESTS_DATA / corpus / "articles.jsonl").read_bytes().splitlines():
            article = orjson.loads(line)
            if article.get("language") == language:
                texts.append(f"{article['title']}\n\n{article['body']}")
    return texts


def _model(language: str) -> str:
    settings = Settings()
    return settings.spacy_model_fr if language == "fr" else settings.spacy_model_en


def test_thinc_multiplies_with_blis_by_default():
    ops = get_current_ops()
    assert isinstance(ops, NumpyOps) and ops.use_blis


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pipelines_ner_multiplies_with_numpy(language):
    ner = load_pipeline(language, Settings().spacy_model_fr, Settings().spacy_model_en).get_pipe("ner")
    maxouts = [layer for layer in ner.model.walk() if layer.name == "maxout"]  # the tok2vec's products
    assert maxouts and {(type(layer.ops), layer.ops.use_blis) for layer in maxouts} == {(NumpyOps, False)}
    assert get_current_ops().use_blis  # the scope ends with the load


@pytest.mark.parametrize("language", ["fr", "en"])
def test_numpy_products_find_the_entities_blis_finds(language):
    texts = _texts(language)
    assert len(texts) >= 30
    with_blis = spacy.load(_model(language), exclude=UNUSED_COMPONENTS)
    with numpy_gemm():
        with_numpy = spacy.load(_model(language), exclude=UNUSED_COMPONENTS)
    spans = [[[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)] for nlp in (with_blis, with_numpy)]
    assert spans[0] == spans[1]
    assert sum(map(len, spans[0])) > 20 * len(texts)
