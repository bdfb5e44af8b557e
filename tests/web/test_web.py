"""The events read model, and the worker's JSON API, SSE stream and page on the real broker."""

from __future__ import annotations

import asyncio
import re
import http.client
import urllib.parse
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
import pytest
from kafka_helpers import produce
from web_helpers import SEED_PATH, api_events, base_url, http_get, seed_event, seed_report, wait_until

from talkwire.processors.records import ArticleRef, CanonicalEvent, Location
from talkwire.settings import Settings
from talkwire.streams.events_view import EventsState, EventsView
from talkwire.streams.web import BadQuery, change_json, encode_cursor, numbered_message, page_of, parse_event_query

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


def select(state: EventsState, **params: str) -> list[str]:
    page = parse_event_query(params)
    return [live.event.event_id for live in page_of(state.newest_first(page.query), page)[0]]


def test_newest_update_first_and_filters() -> None:
    state = EventsState()
    state.apply("old", event("old", event_type="summit", parties=["EU", "FR"]).to_json(), 1_000)
    state.apply("new", event("new", event_type="phone_call", parties=["FR", "RU"]).to_json(), 5_000)
    state.apply("mid", event("mid", event_type="phone_call", parties=["UA"]).to_json(), 3_000)
    assert select(state) == ["new", "mid", "old"]
    state.apply("old", event("old", 2, event_type="summit", parties=["EU", "FR"]).to_json(), 9_000)
    assert select(state) == ["old", "new", "mid"]
    assert select(state, type="phone_call") == ["new", "mid"]
    assert select(state, type="phone_call,summit") == ["old", "new", "mid"]
    assert select(state, party="fr") == ["old", "new"]
    assert select(state, type="summit", party="RU") == []


def test_parties_by_code_or_name_all_of_them_taking_part() -> None:
    state = EventsState()
    state.apply("talks", event("talks", parties=["RU", "UA"]).to_json(), 1_000)
    state.apply("call", event("call", parties=["FR", "RU"]).to_json(), 2_000)
    state.apply("nato", event("nato", parties=["NATO", "UA"]).to_json(), 3_000)
    assert select(state, party="UA,RU") == ["talks"]
    assert select(state, party="Ukraine") == ["nato", "talks"]
    assert select(state, party="Russie, ukraine") == ["talks"]  # names in any language of the gazetteer
    assert select(state, party="OTAN") == ["nato"]
    assert select(state, party="ru") == ["call", "talks"]


def test_date_range_text_search_and_pages() -> None:
    state = EventsState()
    state.apply("a", event("a", date="2022-03-03", title="Pourparlers à Brest", parties=["RU", "UA"]).to_json(), 1_000)
    state.apply("b", event("b", date="2022-03", title="Talks in Istanbul").to_json(), 2_000)
    state.apply("c", event("c", date="2022-04-20", title="Sommet", location=Location(place="Genève")).to_json(), 3_000)
    state.apply("d", event("d", title="Undated").to_json(), 4_000)
    assert select(state, **{"from": "2022-03-10"}) == ["c", "b"]  # a month-dated event overlaps the range
    assert select(state, **{"from": "2022-03-01", "to": "2022-03-03"}) == ["b", "a"]
    assert select(state, to="2022-02-28") == []
    assert select(state, q="brest") == ["a"] and select(state, q="GENEVE") == ["c"]  # case and accents folded
    assert select(state, q="talks istanbul") == ["b"] and select(state, q="talks brest") == []

    first = parse_event_query({"limit": "2"})
    events, after = page_of(state.newest_first(first.query), first)
    assert [live.event.event_id for live in events] == ["d", "c"] and after is not None
    # a new event arriving between two pages does not shift the second page
    state.apply("e", event("e").to_json(), 5_000)
    second = parse_event_query({"limit": "2", "cursor": encode_cursor(after)})
    events, after = page_of(state.newest_first(second.query), second)
    assert [live.event.event_id for live in events] == ["b", "a"] and after is None


@pytest.mark.parametrize("params, message", [
    ({"type": "bogus"}, "unknown event type(s) bogus"),
    ({"party": "Atlantis"}, "unknown party 'Atlantis'"),
    ({"from": "2022-3-1"}, "from='2022-3-1': expected a date YYYY-MM-DD"),
    ({"from": "2022-03-02", "to": "2022-03-01"}, "from=2022-03-02 is after to=2022-03-01"),
    ({"limit": "0"}, "limit='0'"),
    ({"limit": "lots"}, "limit='lots'"),
    ({"cursor": "%%%"}, "invalid cursor"),
    ({"kind": "summit"}, "unknown parameter(s) kind"),
])
def test_bad_parameters_are_refused_with_a_reason(params: dict[str, str], message: str) -> None:
    with pytest.raises(BadQuery, match=re.escape(message)):
        parse_event_query(params)


def test_merged_ids_lead_to_the_live_event() -> None:
    state = EventsState()
    for event_id in ("a", "b", "c"):
        state.apply(event_id, event(event_id).to_json(), 1_000)
    state.apply("a", event("a", 2, merged_into="b").to_json(), 2_000)
    state.apply("b", event("b", 2, merged_into="c").to_json(), 3_000)  # an older chain of redirects
    assert (state.live_id("a"), state.live_id("b"), state.live_id("c")) == ("c", "c", "c")
    assert state.live_id("zzz") is None
    state.apply("c", None, 4_000)  # the event is gone: so are its redirects' answers
    assert state.live_id("a") is None


def test_a_resumed_stream_gets_the_changes_it_missed() -> None:
    view = EventsView(Settings())
    first = view.apply("a", event("a").to_json(), 1_000)
    second = view.apply("b", event("b").to_json(), 2_000)
    third = view.apply("a", event("a", 2).to_json(), 3_000)
    assert view.changes_since(first.stream_id) == [second, third]
    assert view.changes_since(third.stream_id) == []
    assert view.changes_since("") is None and view.changes_since(f"other-{first.number}") is None
    assert view.changes_since(view.stream_id(99)) is None  # not from this view's past


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
    view = EventsView(Settings())
    message = numbered_message(view.apply("e1", record.to_json(), 1_000))
    stream_id, name, data, end = message.split(b"\n", 3)
    assert stream_id == f"id: {view.token}-1".encode() and name == b"event: change" and end == b"\n"
    payload = orjson.loads(data.removeprefix(b"data: "))
    assert payload["event"]["location"]["country"] == "BY" and payload["event"]["articles"][0]["source"] == "AFP"


# --------------------------------------------------------------------------- the worker's web server


async def read_sse(url: str, until: Callable[[list[tuple[str, Any]]], bool], timeout_s: float,
                   on_first: Callable[[], None], last_event_id: str | None = None) -> list[tuple[str, Any, str]]:
    """Read (event name, data, id) from an SSE stream until ``until`` holds; call ``on_first`` after the first."""
    messages: list[tuple[str, Any, str]] = []
    headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession() as session, session.get(url, timeout=timeout, headers=headers) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        name = stream_id = None
        async for raw_line in response.content:
            line = raw_line.decode().rstrip("\n")
            if line.startswith("id: "):
                stream_id = line.removeprefix("id: ")
            elif line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                messages.append((name, orjson.loads(line.removeprefix("data: ")), stream_id))
                if len(messages) == 1:
                    await asyncio.get_running_loop().run_in_executor(None, on_first)
                if until(messages):
                    return messages
    return messages


def http_get_unfollowed(url: str) -> tuple[int, str | None]:
    """(status, Location) of a GET whose redirect is not followed."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


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
    for query in ("?party=UA,RU", "?party=Ukraine", "?party=Russie,ukraine", "?q=BREST&from=2022-03-01"):
        assert [e["event_id"] for e in api_events(settings, query)] == [first["event_id"]], query
    status, content_type, body = http_get(f"{url}/api/events?type=bogus")
    assert status == 400 and content_type.startswith("application/json") and b"unknown event type" in body
    status, _, body = http_get(f"{url}/api/events/{first['event_id']}/articles")
    assert status == 200 and [a["id"] for a in orjson.loads(body)] == [SEED_PATH.stem]
    status, _, body = http_get(f"{url}/api/tracks")
    (track,) = [t for t in orjson.loads(body) if first["event_id"] in {e["event_id"] for e in t["events"]}]
    assert status == 200 and track["track_id"] == first["track_id"] and track["parties"] == ["RU", "UA"]
    assert orjson.loads(http_get(f"{url}/api/tracks/{track['track_id']}")[2]) == track
    assert http_get(f"{url}/api/tracks/tr-missing")[0] == 404

    # The stream: a snapshot with the event, then a change once another outlet reports it.
    def another_report() -> None:
        produce(settings, settings.topic_raw, [("seed-wire-copy", seed_report("seed-wire-copy", "Le Courrier"))])

    def grown(messages: list[tuple[str, Any, str]]) -> bool:
        return any(name == "change" and data["event"] and data["event"]["sources"] >= 2 for name, data, _ in messages)

    messages = asyncio.run(read_sse(f"{url}/api/stream", grown, 180, another_report))
    assert messages[0][0] == "snapshot" and first["event_id"] in {e["event_id"] for e in messages[0][1]}
    change = next(data for name, data, _ in messages if name == "change" and data["event"] and data["event"]["sources"] >= 2)
    assert {"seed-wire-copy", SEED_PATH.stem} <= {a["id"] for a in change["event"]["articles"]}
    assert seed_event(settings, min_sources=2) is not None
    assert all(stream_id for _, _, stream_id in messages)

    # A merge, written as the cluster stage writes one: the absorbed id answers with the live event,
    # and a client that resumes its stream from its last id gets just that, no snapshot.
    absorbed, live = event("ev-absorbed").to_json(), event("ev-survivor").to_json()
    redirect = event("ev-absorbed", 2, merged_into="ev-survivor").to_json()

    produce(settings, settings.topic_events, [("ev-absorbed", absorbed), ("ev-survivor", live), ("ev-absorbed", redirect)])
    wait_until(lambda: http_get_unfollowed(f"{url}/api/events/ev-absorbed")[0] == 308, timeout_s=30, what="the redirect")
    assert http_get_unfollowed(f"{url}/api/events/ev-absorbed") == (308, "/api/events/ev-survivor")
    assert http_get_unfollowed(f"{url}/api/events/ev-absorbed/articles") == (308, "/api/events/ev-survivor/articles")
    status, _, body = http_get(f"{url}/api/events/ev-absorbed")  # urllib follows it
    assert status == 200 and orjson.loads(body)["event_id"] == "ev-survivor"

    merge = {("ev-absorbed", None), ("ev-survivor", None), ("ev-absorbed", "ev-survivor")}

    def merged(messages: list[tuple[str, Any, str]]) -> bool:
        if messages[0][0] != "change":
            return True  # a snapshot: the assertion below says so
        return merge <= {(data["event_id"], data["merged_into"]) for _, data, _ in messages}

    resumed = asyncio.run(read_sse(f"{url}/api/stream", merged, 60, lambda: None, last_event_id=messages[-1][2]))
    assert [name for name, _, _ in resumed] == ["change"] * len(resumed), "a resumed stream got a snapshot"
    replayed = [(data["event_id"], data["merged_into"]) for _, data, _ in resumed]
    assert merge <= set(replayed)
    # one key's records keep their order (the two keys may sit on different partitions)
    assert replayed.index(("ev-absorbed", None)) < replayed.index(("ev-absorbed", "ev-survivor"))
    assert messages[-1][2] not in {stream_id for _, _, stream_id in resumed}
    foreign = asyncio.run(read_sse(f"{url}/api/stream", lambda m: True, 30, lambda: None, last_event_id="elsewhere-3"))
    assert foreign[0][0] == "snapshot" and "ev-survivor" in {e["event_id"] for e in foreign[0][1]}

    status, content_type, page = http_get(f"{url}/")
    assert status == 200 and content_type.startswith("text/html") and b"/static/app.js" in page
    assert http_get(f"{url}/static/app.js")[0] == 200 and http_get(f"{url}/static/style.css")[0] == 200
    assert http_get(f"{url}/static/../settings.py")[0] == 404
