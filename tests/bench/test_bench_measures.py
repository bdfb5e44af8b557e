"""The benchmark's in-process measures run on a small corpus (the full bench is `make bench`)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from bench.corpus import make_corpus
from bench.measures import stage_costs
from bench.run import parse_args, write_results

from talkwire.settings import Settings


def test_stage_costs_time_every_extraction_step() -> None:
    costs = stage_costs(Settings.from_env(), make_corpus(12, tag="t"))
    assert list(costs) == ["language", "nlp", "rules", "encoder", "fingerprint"]
    assert all(ms > 0 for ms in costs.values()), costs


def test_the_broker_kind_is_an_option() -> None:
    assert parse_args([]).broker == "tansu"
    assert parse_args(["--broker", "kafka"]).broker == "kafka"
    with pytest.raises(SystemExit):
        parse_args(["--broker", "redpanda"])


def test_results_of_each_broker_are_kept_side_by_side(tmp_path: Path) -> None:
    for kind in ("tansu", "kafka"):
        write_results({"broker": kind, "machine": {"date": "2026-12-07T02:30:00+00:00"}}, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "2026-12-07T023000Z-kafka.json", "2026-12-07T023000Z-tansu.json", "latest-kafka.json", "latest-tansu.json"]
    assert orjson.loads((tmp_path / "latest-kafka.json").read_bytes())["broker"] == "kafka"
