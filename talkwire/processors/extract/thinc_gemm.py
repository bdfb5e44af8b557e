"""Workaround for thinc: the NER's matrix products go to numpy (OpenBLAS) instead of blis.

thinc's CPU ops multiply with blis's kernels. On the machines we run on (2-core AMD EPYC, AVX2)
blis gives about 30 GFLOPS on one core where numpy's OpenBLAS gives about 90 for the same product,
and the tok2vec's products are three quarters of spaCy's NER time. ``NumpyOps(use_blis=False)``
hands them to ``numpy.dot``: the same entities on every corpus text (tests/processors/extract/
test_thinc_gemm.py), NER 25 -> 20 ms an English article and 18 -> 12 ms a French one.
A layer keeps the ops it was built with, so a model must be loaded inside ``numpy_gemm()``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from thinc.api import use_ops


def numpy_gemm() -> AbstractContextManager[None]:
    """The scope in which models built by thinc multiply matrices with numpy."""
    return use_ops("numpy", use_blis=False)
