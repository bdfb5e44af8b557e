"""Helpers of the tests that talk to a worker's web server (the web, metrics, health and kcat tests)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from prometheus_client.parser import text_string_to_metric_families

from talkwire.settings import Settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED_PATH = EXAMPLES / "000_0a95cf361c5ddf75.txt"


def seed_report(article_id: str, source: str) -> bytes:
    """The seed dispatch as another outlet's JSON report of the same talks (a wire copy)."""
    lead, _, body = SEED_PATH.read_text().strip().partition("\n\n")
    return orjson.dumps({"id": article_id, "source": source, "published_at": "2022-03-03T20:10:00+01:00",
                         "language": "fr", "title": lead.removeprefix("date 2022-03").strip(), "body": body})


def http_get(url: str) -> tuple[int, str, bytes]:
    """(status, content type, body); HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def wait_until(check: Callable[[], Any], *, timeout_s: float, what: str, interval_s: float = 0.5,
               explain: Callable[[], str] = lambda: "") -> Any:
    """Poll ``check`` until it returns something truthy; connection errors count as not yet."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}\n{explain()}")


def base_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.web_port}"


def api_events(settings: Settings, query: str = "") -> list[dict]:
    status, _, body = http_get(f"{base_url(settings)}/api/events{query}")
    assert status == 200
    return orjson.loads(body)


def seed_event(settings: Settings, min_sources: int = 1) -> dict | None:
    return next((event for event in api_events(settings)
                 if SEED_PATH.stem in {a["id"] for a in event["articles"]} and event["sources"] >= min_sources), None)


def scrape(settings: Settings) -> dict[tuple[str, tuple], float]:
    status, content_type, body = http_get(f"{base_url(settings)}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }
