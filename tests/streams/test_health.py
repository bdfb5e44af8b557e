"""Liveness, readiness and the broker's state, on a worker whose broker goes away."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from kafka_helpers import WorkerProcess, create_topics, produce
from web_helpers import SEED_PATH, base_url, http_get, scrape, seed_event, wait_until

from talkwire.settings import Settings
from talkwire.streams.app import FAUST_DEBUG_VIEWS, app_options
from talkwire.streams.health import group_lags


def test_group_lag_counts_from_the_committed_offset() -> None:
    highwaters = {("raw", 0): 10, ("raw", 1): 4, ("raw", 2): None}
    assert group_lags({("raw", 0): 7, ("raw", 1): None, ("raw", 2): 3}, highwaters.get) == {("raw", 0): 3, ("raw", 1): 4}


def readiness(settings: Settings) -> tuple[int, dict]:
    status, _, body = http_get(f"{base_url(settings)}/readyz")
    return status, orjson.loads(body)


def error_lines(log: Path, after: int) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines()[after:] if "[ERROR]" in line]


@pytest.mark.kafka
def test_ready_only_when_models_broker_and_partitions_are_there_and_an_outage_shows(
        stream_settings: Settings, local_broker, tmp_path: Path) -> None:
    broker = local_broker("kafka")  # a broker of its own: this test stops it
    settings = replace(stream_settings, kafka_bootstrap=broker.bootstrap, broker_profile="kafka")
    log = tmp_path / "worker.log"
    worker = None
    try:
        create_topics(settings)
        worker = WorkerProcess(settings, log).start()
        url = base_url(settings)
        first = wait_until(lambda: readiness(settings), timeout_s=120, what="an answer on /readyz", interval_s=0.2,
                           explain=worker.log_tail)
        assert first[0] == 503 and "models are loading" in first[1]["reasons"], first
        assert http_get(f"{url}/healthz")[0] == 200
        wait_until(lambda: readiness(settings)[0] == 200, timeout_s=180, what="readiness", explain=worker.log_tail)
        assert readiness(settings)[1] == {"ready": True, "reasons": []}
        text = log.read_text()
        assert text.index("models loaded") < text.index("[^Worker]: Ready"), "ready before the models"
        assert f"http://{settings.web_host}:{settings.web_port}/" in text
        assert "+----" not in text, "Faust's start-up tables at the default log level"

        # Ready means the models are loaded: the first article is not held up by their loading.
        sent = time.monotonic()
        produce(settings, settings.topic_raw, [(SEED_PATH.stem, SEED_PATH.read_bytes())])
        wait_until(lambda: seed_event(settings), timeout_s=60, what="the seed's event", explain=worker.log_tail)
        assert time.monotonic() - sent < 15
        assert scrape(settings)[("talkwire_broker_connected", ())] == 1

        # Faust's own views are not on the public port.
        for path in ("/table/", "/table/content-hashes/", "/router/", "/graph/", "/stats/"):
            assert http_get(f"{url}{path}")[0] == 404, path

        before = len(log.read_text().splitlines())
        broker.down()
        down = wait_until(lambda: (r := readiness(settings))[0] == 503 and r, timeout_s=30,
                          what="not ready while the broker is down", explain=worker.log_tail)
        assert down[1]["reasons"] == [f"broker {broker.bootstrap} is not reachable"]
        assert scrape(settings)[("talkwire_broker_connected", ())] == 0
        assert http_get(f"{url}/healthz")[0] == 200  # alive all the same
        time.sleep(20)
        errors = error_lines(log, before)
        # Before the filter: about 2,300 ERROR lines in 20 s; now each retry message at most once a minute.
        assert 1 <= len(errors) <= 30, "\n".join(errors[:40])
        templates = [re.sub(r"\d+", "N", line.split("[ERROR]", 1)[1]) for line in errors]
        # once as the connection drops, once more after the probe notices (a change of state)
        assert max(templates.count(t) for t in templates) <= 2, "\n".join(errors)
        assert sum("is not reachable" in line for line in errors) == 1
    finally:
        if worker is not None:
            worker.stop()
        broker.down()


def test_faust_debug_views_are_off_unless_asked_for() -> None:
    off, on = (app_options(Settings(broker_profile="kafka", web_debug_views=flag)) for flag in (False, True))
    assert [off[name] for name in FAUST_DEBUG_VIEWS] == [False] * 4
    assert [on[name] for name in FAUST_DEBUG_VIEWS] == [True] * 4
