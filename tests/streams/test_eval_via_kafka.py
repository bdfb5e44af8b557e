"""``talkwire eval DIR --via-kafka`` scores the running pipeline like the offline eval scores the replay.

A labelled subset of the dev corpus (the three Ukraine-Russia rounds and two distractors of the
first round's day, all about Russia) goes through a worker on the real broker; every metric except
the timings equals the offline ``talkwire eval`` of the same folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from kafka_helpers import settings_env
from repo_paths import TESTS_DATA

from talkwire.settings import Settings

pytestmark = pytest.mark.kafka

DEV = TESTS_DATA / "dev"
CLUSTERS = ("ua-ru-round1", "ua-ru-round2", "ua-ru-round3")
DISTRACTORS = ("other-4", "other-9")
TIMINGS = {"seconds", "articles_per_s"}


def write_subset(folder: Path) -> int:
    """The subset as a corpus folder (articles.jsonl, gold.jsonl, events.json); returns its size."""
    wanted = set(CLUSTERS) | set(DISTRACTORS)
    gold = [row for row in map(orjson.loads, (DEV / "gold.jsonl").read_bytes().splitlines()) if row["cluster"] in wanted]
    ids = {row["id"] for row in gold}
    articles = [line for line in (DEV / "articles.jsonl").read_bytes().splitlines()
                if line.strip() and orjson.loads(line)["id"] in ids]
    events = orjson.loads((DEV / "events.json").read_bytes())
    folder.mkdir()
    (folder / "articles.jsonl").write_bytes(b"\n".join(articles) + b"\n")
    (folder / "gold.jsonl").write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in gold))
    (folder / "events.json").write_bytes(orjson.dumps({name: events[name] for name in CLUSTERS}))
    assert len(articles) == len(gold) == 16
    return len(articles)


def eval_command(folder: Path, settings: Settings, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "talkwire.cli", "eval", str(folder), "--json", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **settings_env(settings)},
    )


def metrics_of(process: subprocess.Popen, timeout_s: float) -> dict:
    out, err = process.communicate(timeout=timeout_s)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    lines = out.splitlines()
    assert len(lines) == 1, out
    return orjson.loads(lines[0])


def test_eval_via_kafka_equals_offline_eval(stream_settings: Settings, start_worker, tmp_path: Path) -> None:
    folder = tmp_path / "subset"
    size = write_subset(folder)
    worker = start_worker()
    offline = eval_command(folder, stream_settings)
    via_kafka = eval_command(folder, stream_settings, "--via-kafka", "--timeout", "240")
    try:
        streamed = metrics_of(via_kafka, 300)
    except (AssertionError, subprocess.TimeoutExpired):
        print(worker.log_tail())
        raise
    finally:
        if via_kafka.poll() is None:
            via_kafka.kill()
    expected = metrics_of(offline, 300)
    assert streamed["articles"] == expected["articles"] == size
    assert {k: v for k, v in streamed.items() if k not in TIMINGS} == {k: v for k, v in expected.items() if k not in TIMINGS}
    assert streamed["events"] == len(CLUSTERS)  # the distractors report no event: they build none
    assert streamed["b3_f1"] == 1.0
    assert streamed["seconds"] > 0


def test_eval_via_kafka_is_repeatable(stream_settings: Settings, start_worker, tmp_path: Path) -> None:
    """A second eval of the same folder finds the articles already processed (redeliveries publish
    nothing new) and scores the same from the topics."""
    folder = tmp_path / "subset"
    write_subset(folder)
    start_worker()
    first = metrics_of(eval_command(folder, stream_settings, "--via-kafka", "--timeout", "240"), 300)
    second = metrics_of(eval_command(folder, stream_settings, "--via-kafka", "--timeout", "60"), 120)
    assert {k: v for k, v in second.items() if k not in TIMINGS} == {k: v for k, v in first.items() if k not in TIMINGS}
