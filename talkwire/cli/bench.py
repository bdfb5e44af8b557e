"""``talkwire bench``: the benchmark of bench/ (issue 8), run from a source checkout."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]  # bench/ sits beside the talkwire package


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="measure throughput, latency, state and scaling on a local broker")
    if (CHECKOUT / "bench" / "run.py").exists():
        _bench_run().add_arguments(parser)
    parser.set_defaults(func=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    return _bench_run().run(args)


def _bench_run():
    if not (CHECKOUT / "bench" / "run.py").exists():
        raise FileNotFoundError(f"no bench/ beside {CHECKOUT / 'talkwire'}: run it from a source checkout")
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    return importlib.import_module("bench.run")
