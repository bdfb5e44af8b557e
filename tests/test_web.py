"""The events read model, and the worker's JSON API, SSE stream and page on the real broker."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from kafka_helpers import produce

from talkwire.processors.records import ArticleRef, CanonicalEvent, Location
from talkwire.settings import Settings
from talkwire.streams.events_view import EventsState, EventsView
from talkwire.streams.web import change_json, sse_message

EXAMPLES = Path(__file__).parent.parent / "examples"
SEED_PATH = EXAMPLES / "000_0a95cf361c5ddf75.txt"


# --------------------------------------------------------------------------- helpers (also used by the other web tests)


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


# --------------------------------------------------------------------------- the read model, no broker


def event(event_id: str, version: int = 1, **fields) -> CanonicalEvent:
    return CanonicalEvent(event_id=event_id, version=version, **fields)


def test_latest_record_per_event_wins_and_tombstones_delete() -> None:
    state = EventsState()
    state.apply("a", event("a", 1, parties=["RU", "UA"]).to_json(), 1_000)
    change = state.apply("a", event("a", 2, parties=["RU", "UA"], sources=2).to_json(), 2_000)
    assert change.event is not None and change.event.version == 2
    assert state.events["a"].event.sources == 2
    assert state.events["a"].updated_at == "1970-01-01T00:00:02.000+00:00"
    removed = state.apply("a", None, 3_000)
    assert removed.event is None and removed.event_id == "a"
    assert state.events == {}


def test_redirect_removes_the_absorbed_event() -> None:
    state = EventsState()
    state.apply("a", event("a").to_json(), 1_000)
    state.apply("b", event("b").to_json(), 1_100)
    change = state.apply("a", event("a", 2, merged_into="b").to_json(), 1_200)
    assert (change.event, change.merged_into) == (None, "b")
    assert set(state.events) == {"b"}
    payload = change_json(change)
    assert payload["event"] is None and payload["merged_into"] == "b"


def test_newest_update_first_and_filters() -> None:
    state = EventsState()
    state.apply("old", event("old", event_type="summit", parties=["EU", "FR"]).to_json(), 1_000)
    state.apply("new", event("new", event_type="phone_call", parties=["FR", "RU"]).to_json(), 5_000)
    state.apply("mid", event("mid", event_type="phone_call", parties=["UA"]).to_json(), 3_000)
    assert [live.event.event_id for live in state.newest_first()] == ["new", "mid", "old"]
    state.apply("old", event("old", 2, event_type="summit", parties=["EU", "FR"]).to_json(), 9_000)
    assert [live.event.event_id for live in state.newest_first()] == ["old", "new", "mid"]
    assert [live.event.event_id for live in state.newest_first(event_type="phone_call")] == ["new", "mid"]
    assert [live.event.event_id for live in state.newest_first(party="fr")] == ["old", "new"]
    assert state.newest_first(event_type="summit", party="RU") == []


def test_closing_the_view_ends_every_listener() -> None:
    async def scenario() -> None:
        view = EventsView(Settings())
        first, second = view.listen(), view.listen()
        view.unlisten(second)
        view.close_listeners()
        assert await asyncio.wait_for(first.get(), 1) is None
        assert not view.listening(first) and second.empty()

    asyncio.run(scenario())


def test_sse_messages_are_named_json_lines() -> None:
    record = event("e1", articles=[ArticleRef(id="x", source="AFP", published_at="2022-03-03T19:40:00+01:00")],
                   location=Location(country="BY"))
    state = EventsState()
    message = sse_message("change", change_json(state.apply("e1", record.to_json(), 1_000)))
    name, data, end = message.split(b"\n", 2)
    assert name == b"event: change" and end == b"\n"
    payload = orjson.loads(data.removeprefix(b"data: "))
    assert payload["event"]["location"]["country"] == "BY" and payload["event"]["articles"][0]["source"] == "AFP"


# --------------------------------------------------------------------------- the worker's web server


async def read_sse(url: str, until: Callable[[list[tuple[str, Any]]], bool], timeout_s: float,
                   on_snapshot: Callable[[], None]) -> list[tuple[str, Any]]:
    """Read (event name, data) pairs from an SSE stream until ``until`` holds; call ``on_snapshot`` once."""
    messages: list[tuple[str, Any]] = []
    async with aiohttp.ClientSession() as session, session.get(url, timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        name = None
        async for raw_line in response.content:
            line = raw_line.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                messages.append((name, orjson.loads(line.removeprefix("data: "))))
                if name == "snapshot":
                    await asyncio.get_running_loop().run_in_executor(None, on_snapshot)
                if until(messages):
                    return messages
    return messages


@pytest.mark.kafka
def test_api_stream_and_page_follow_the_events_topic(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings
    worker = start_worker()
    produce(settings, settings.topic_raw, [(SEED_PATH.stem, SEED_PATH.read_bytes())])
    first = wait_until(lambda: seed_event(settings), timeout_s=180, what="the seed's event on /api/events",
                       explain=worker.log_tail)
    assert worker.alive(), worker.log_tail()
    assert first["parties"] == ["RU", "UA"] and first["event_type"] == "negotiation_round"
    assert first["location"]["country"] == "BY" and first["sources"] == 1 and first["updated_at"]

    url = base_url(settings)
    status, content_type, body = http_get(f"{url}/api/events/{first['event_id']}")
    assert status == 200 and content_type.startswith("application/json")
    assert orjson.loads(body)["event_id"] == first["event_id"]
    assert http_get(f"{url}/api/events/ev-missing")[0] == 404
    assert [e["event_id"] for e in api_events(settings, "?type=negotiation_round&party=ua")] == [first["event_id"]]
    assert api_events(settings, "?type=summit") == [] and api_events(settings, "?party=JP") == []

    # The stream: a snapshot with the event, then a change once another outlet reports it.
    def another_report() -> None:
        produce(settings, settings.topic_raw, [("seed-wire-copy", seed_report("seed-wire-copy", "Le Courrier"))])

    def grown(messages: list[tuple[str, Any]]) -> bool:
        return any(name == "change" and data["event"] and data["event"]["sources"] >= 2 for name, data in messages)

    messages = asyncio.run(read_sse(f"{url}/api/stream", grown, 180, another_report))
    assert messages[0][0] == "snapshot" and first["event_id"] in {e["event_id"] for e in messages[0][1]}
    change = next(data for name, data in messages if name == "change" and data["event"] and data["event"]["sources"] >= 2)
    assert {"seed-wire-copy", SEED_PATH.stem} <= {a["id"] for a in change["event"]["articles"]}
    assert seed_event(settings, min_sources=2) is not None

    status, content_type, page = http_get(f"{url}/")
    assert status == 200 and content_type.startswith("text/html") and b"/static/app.js" in page
    assert http_get(f"{url}/static/app.js")[0] == 200 and http_get(f"{url}/static/style.css")[0] == 200
    assert http_get(f"{url}/static/../settings.py")[0] == 404
