"""Near-duplicate fingerprints: MinHash over the body's word shingles, LSH band keys.

Titles change between wire copies, so only the body is shingled. Text is lower-cased,
accent-folded and stripped of punctuation, so typographic edits do not matter. The signature
is stored as base64 uint32 values with the shingle-set size, which lets a candidate be
verified by estimated Jaccard and by estimated containment (a copy with a dropped paragraph
has a lower Jaccard but a containment close to 1).
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from functools import cache

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

NUM_PERM = 128
SHINGLE_WORDS = 4
LSH_THRESHOLD = 0.3  # candidate recall down to copies sharing ~a third of their shingles
DUPLICATE_JACCARD = 0.5
DUPLICATE_CONTAINMENT = 0.8
MIN_SHINGLES_FOR_CONTAINMENT = 30  # a short text contained in a long one is a quote, not a copy

_WORD = re.compile(r"\w+")


def fold_text(text: str) -> str:
    """Lower-case, accent-folded text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def shingles(body: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = _WORD.findall(fold_text(body))
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def minhash_signature(body: str) -> tuple[np.ndarray, int]:
    """(uint32 signature of NUM_PERM values, shingle-set size)."""
    shingle_set = shingles(body)
    sketch = MinHash(num_perm=NUM_PERM)
    sketch.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
    return sketch.hashvalues.astype(np.uint32), len(shingle_set)


def encode_signature(signature: np.ndarray) -> str:
    return base64.b64encode(signature.astype("<u4").tobytes()).decode("ascii")


def decode_signature(encoded: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(encoded), dtype="<u4")


@cache
def band_layout() -> tuple[int, int]:
    """(bands, rows) minimising false positives + negatives at LSH_THRESHOLD (datasketch's optimum)."""
    return _optimal_param(LSH_THRESHOLD, NUM_PERM, 0.5, 0.5)


def band_keys(signature: np.ndarray) -> list[str]:
    """One short key per band: 'band number:hash of its rows'."""
    bands, rows = band_layout()
    data = signature.astype("<u4")
    return [
        f"{band}:{hashlib.blake2b(data[band * rows : (band + 1) * rows].tobytes(), digest_size=6).hexdigest()}"
        for band in range(bands)
    ]


def estimated_jaccard(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.count_nonzero(first == second)) / len(first)


def estimated_containment(jaccard: float, first_size: int, second_size: int) -> float:
    """|A∩B| / min(|A|, |B|) from J: |A∩B| ≈ J(|A|+|B|)/(1+J)."""
    smaller = min(first_size, second_size)
    if smaller == 0:
        return 0.0
    return min(1.0, jaccard * (first_size + second_size) / (1.0 + jaccard) / smaller)


def copy_similarity(first: np.ndarray, first_size: int, second: np.ndarray, second_size: int) -> float | None:
    """The evidence that two bodies are copies of one text (Jaccard or containment), else None."""
    jaccard = estimated_jaccard(first, second)
    if jaccard >= DUPLICATE_JACCARD:
        return jaccard
    if min(first_size, second_size) >= MIN_SHINGLES_FOR_CONTAINMENT:
        containment = estimated_containment(jaccard, first_size, second_size)
        if containment >= DUPLICATE_CONTAINMENT:
            return containment
    return None
