"""The benchmark's in-process measures run on a small corpus (the full bench is `make bench`)."""

from __future__ import annotations

from bench.corpus import make_corpus
from bench.measures import stage_costs

from talkwire.settings import Settings


def test_stage_costs_time_every_extraction_step() -> None:
    costs = stage_costs(Settings.from_env(), make_corpus(12, tag="t"))
    assert list(costs) == ["language", "nlp", "rules", "encoder", "fingerprint"]
    assert all(ms > 0 for ms in costs.values()), costs
