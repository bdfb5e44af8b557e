"""The worker's web views (Faust web, aiohttp driver): events page, JSON API, SSE and metrics.

``/``                   the live events page (static files from ``talkwire/web/``)
``/api/events``         live events, newest update first; filters, pages (see ``parse_event_query``)
``/api/events/{id}``    one live event; a merged id answers 308 to the live one
``/api/events/{id}/articles``  the reports of a live event
``/api/tracks``         negotiation tracks (their events by date), from the live events (``tracks_of``)
``/api/tracks/{id}``    one track
``/api/stream``         Server-Sent Events: a ``snapshot`` of all events, then one ``change`` per record,
                        each with an ``id:``; a reconnect with ``Last-Event-ID`` gets only what it missed
``/metrics``            Prometheus text exposition
``/healthz``            200 while the process serves HTTP
``/readyz``             200 when ready, else 503 with the reasons (``talkwire.streams.health``)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, get_args
from urllib.parse import urlencode

import faust
import orjson
from aiohttp import web as aiohttp_web
from faust.web import Request, Response, View

from talkwire.processors.extract.gazetteer import Gazetteer, load_gazetteer
from talkwire.processors.records import EventType
from talkwire.processors.tracks import tracks_of
from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.events_view import EventChange, EventQuery, EventsView, LiveEvent, NumberedChange, order_key
from talkwire.streams.health import Health

STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
SSE_HEARTBEAT_S = 15.0  # a comment line this often, so proxies keep the stream open and dead clients are noticed
SSE_RETRY_MS = 2_000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1_000
EVENT_TYPES = frozenset(get_args(EventType))
PARTY_KINDS = ("country", "organisation")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
QUERY_PARAMETERS = frozenset({"type", "party", "from", "to", "q", "limit", "cursor"})


class BadQuery(ValueError):
    """A query parameter that cannot be served: answered 400 with this message."""


@dataclass(frozen=True)
class Page:
    query: EventQuery
    limit: int
    after: tuple[str, str] | None  # order key of the last event of the previous page


@cache
def _gazetteer() -> Gazetteer:
    return load_gazetteer()


def party_code(value: str, gazetteer: Gazetteer) -> str:
    """A party code from a code ('UA', 'NATO') or a name in any language of the gazetteer ('Ukraine', 'OTAN').
    A code wins over a name it spells ('UA' is Ukraine, not the French initials of the African Union)."""
    code = value.upper()
    if any(gazetteer.entry(f"{kind}:{code}") for kind in PARTY_KINDS):
        return code
    entry = gazetteer.lookup(value)
    if entry is not None and entry.kind in PARTY_KINDS:
        return entry.canonical
    raise BadQuery(f"unknown party {value!r}: give an ISO 3166 code, an organisation's short name or a name")


def encode_cursor(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode("\n".join(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        updated_at, event_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("\n")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadQuery(f"invalid cursor {cursor!r}: pass back the one a previous page gave") from None
    return updated_at, event_id


def _listed(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _date(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not DATE_PATTERN.fullmatch(value):
        raise BadQuery(f"{name}={value!r}: expected a date YYYY-MM-DD")
    return value


def parse_event_query(params: Mapping[str, str]) -> Page:
    """``type`` (one or several, comma-separated), ``party`` (codes or names, all of them take part),
    ``from``/``to`` (YYYY-MM-DD, inclusive, on the event's date), ``q`` (words, all present),
    ``limit`` (1..1000, default 100) and ``cursor`` (from the previous page's ``Link: rel="next"``)."""
    unknown = set(params) - QUERY_PARAMETERS
    if unknown:
        raise BadQuery(f"unknown parameter(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(QUERY_PARAMETERS))}")
    types = _listed(params.get("type", ""))
    bad_types = [t for t in types if t not in EVENT_TYPES]
    if bad_types:
        raise BadQuery(f"unknown event type(s) {', '.join(bad_types)}; known: {', '.join(sorted(EVENT_TYPES))}")
    date_from, date_to = _date("from", params.get("from")), _date("to", params.get("to"))
    if date_from and date_to and date_from > date_to:
        raise BadQuery(f"from={date_from} is after to={date_to}")
    limit_text = params.get("limit", str(DEFAULT_PAGE_SIZE))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_PAGE_SIZE:
        raise BadQuery(f"limit={limit_text!r}: expected a whole number from 1 to {MAX_PAGE_SIZE}")
    query = EventQuery(
        event_types=frozenset(types),
        parties=frozenset(party_code(p, _gazetteer()) for p in _listed(params.get("party", ""))),
        date_from=date_from, date_to=date_to, text=params.get("q", "").strip() or None,
    )
    cursor = params.get("cursor")
    return Page(query, int(limit_text), decode_cursor(cursor) if cursor else None)


def page_of(events: list[LiveEvent], page: Page) -> tuple[list[LiveEvent], tuple[str, str] | None]:
    """One page of events in newest-first order, and the order key to continue after (None: the last page)."""
    if page.after is not None:
        events = [live for live in events if order_key(live) < page.after]
    chunk = events[:page.limit]
    return chunk, order_key(chunk[-1]) if len(events) > page.limit else None


def event_json(live: LiveEvent) -> dict[str, Any]:
    return {**live.event.model_dump(mode="json"), "updated_at": live.updated_at}


def change_json(change: EventChange) -> dict[str, Any]:
    event = None if change.event is None else event_json(LiveEvent(change.event, change.updated_at))
    return {"event_id": change.event_id, "event": event, "merged_into": change.merged_into,
            "updated_at": change.updated_at}


def sse_message(event_name: str, data: Any, stream_id: str | None = None) -> bytes:
    head = b"" if stream_id is None else b"id: " + stream_id.encode() + b"\n"
    return head + b"event: " + event_name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def numbered_message(numbered: NumberedChange) -> bytes:
    return sse_message("change", change_json(numbered.change), numbered.stream_id)


def typed_response(page: View, body: bytes, content_type: str, status: int = 200,
                   headers: Mapping[str, str] | None = None) -> Response:
    # As a header: aiohttp refuses a charset or other parameters in its content_type argument.
    return page.bytes(body, status=status, headers={"Content-Type": content_type, **(headers or {})})


def _static(name: str) -> bytes:
    return files("talkwire.web").joinpath(name).read_bytes()


def install_web(app: faust.App, settings: Settings, view: EventsView, health: Health) -> None:
    """Register the views on the app's web server and the service they rely on."""
    app.service(view)

    async def end_event_streams(_: aiohttp_web.Application) -> None:
        view.close_listeners()  # before aiohttp waits for open requests to finish

    app.web.web_app.on_shutdown.append(end_event_streams)

    def json_response(page: View, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return typed_response(page, orjson.dumps(data), "application/json", status, headers)

    @app.page("/", name="events_page")
    class EventsPage(View):
        async def get(self, request: Request) -> Response:
            return typed_response(self, _static("index.html"), "text/html; charset=utf-8")

    @app.page("/static/{name}", name="events_page_static")
    class StaticFile(View):
        async def get(self, request: Request, name: str) -> Response:
            if name not in STATIC_FILES:
                return json_response(self, {"error": f"no static file {name!r}"}, 404)
            return typed_response(self, _static(name), f"{STATIC_FILES[name]}; charset=utf-8")

    def live_event(page: View, event_id: str, suffix: str = "") -> LiveEvent | Response:
        """The live event, a 308 to it for a merged id, or a 404."""
        live_id = view.store.live_id(event_id)
        if live_id is None:
            return json_response(page, {"error": f"no live event {event_id!r}"}, 404)
        if live_id != event_id:
            location = f"/api/events/{live_id}{suffix}"
            return json_response(page, {"event_id": event_id, "merged_into": live_id, "location": location}, 308,
                                 {"Location": location})
        return view.store.events[live_id]

    @app.page("/api/events", name="events_list")
    class EventList(View):
        async def get(self, request: Request) -> Response:
            try:
                page = parse_event_query(request.query)
            except BadQuery as error:
                return json_response(self, {"error": str(error)}, 400)
            events, next_key = page_of(view.store.newest_first(page.query), page)
            headers = {}
            if next_key is not None:
                params = {**request.query, "cursor": encode_cursor(next_key)}
                headers["Link"] = f'</api/events?{urlencode(params)}>; rel="next"'
            return json_response(self, [event_json(live) for live in events], headers=headers)

    @app.page("/api/events/{event_id}", name="events_detail")
    class EventDetail(View):
        async def get(self, request: Request, event_id: str) -> Response:
            live = live_event(self, event_id)
            return live if not isinstance(live, LiveEvent) else json_response(self, event_json(live))

    @app.page("/api/events/{event_id}/articles", name="events_articles")
    class EventArticles(View):
        async def get(self, request: Request, event_id: str) -> Response:
            live = live_event(self, event_id, "/articles")
            if not isinstance(live, LiveEvent):
                return live
            return json_response(self, [article.model_dump(mode="json") for article in live.event.articles])

    def live_tracks() -> dict[str, dict]:
        """The tracks of the live events, as the tracks stage publishes them (newest last update first)."""
        tracks = tracks_of(live.event for live in view.store.events.values())
        ranked = sorted(tracks, key=lambda t: (t.last_date or "", t.track_id), reverse=True)
        return {track.track_id: track.model_dump(mode="json", exclude={"version"}) for track in ranked}

    @app.page("/api/tracks", name="tracks_list")
    class TrackList(View):
        async def get(self, request: Request) -> Response:
            return json_response(self, list(live_tracks().values()))

    @app.page("/api/tracks/{track_id}", name="tracks_detail")
    class TrackDetail(View):
        async def get(self, request: Request, track_id: str) -> Response:
            track = live_tracks().get(track_id)
            return json_response(self, track) if track else json_response(self, {"error": f"no track {track_id!r}"}, 404)

    @app.page("/api/stream", name="events_stream")
    class EventStream(View):
        async def get(self, request: Request) -> aiohttp_web.StreamResponse:
            response = aiohttp_web.StreamResponse(headers={
                "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
            })
            await response.prepare(request)
            queue = view.listen()  # before the snapshot: no change can fall between the two
            try:
                # A client that resumes gets the changes it missed; one whose id this view cannot
                # place (another worker, a restart, too long ago) gets a snapshot of every event.
                # Both are read at one instant, ``sent``: later changes come from the queue.
                missed = view.changes_since(request.headers.get("Last-Event-ID", ""))
                if missed is None:
                    snapshot = [event_json(live) for live in view.store.newest_first()]
                    first = sse_message("snapshot", snapshot, view.stream_id(view.sequence))
                else:
                    first = b"".join(numbered_message(numbered) for numbered in missed)
                sent = view.sequence
                await response.write(f"retry: {SSE_RETRY_MS}\n\n".encode() + first)
                while view.listening(queue):
                    try:
                        numbered = await asyncio.wait_for(queue.get(), SSE_HEARTBEAT_S)
                    except TimeoutError:
                        await response.write(b": heartbeat\n\n")
                        continue
                    if numbered is None:  # the worker stops; the browser reconnects to another one
                        break
                    if numbered.number > sent:  # changes already replayed are in the queue too
                        await response.write(numbered_message(numbered))
            except ConnectionResetError:
                pass  # the client went away
            finally:
                view.unlisten(queue)
            return response

    @app.page("/metrics", name="metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            body, content_type = metrics.render()
            return typed_response(self, body, content_type)

    @app.page("/healthz", name="healthz")
    class Liveness(View):
        async def get(self, request: Request) -> Response:
            return json_response(self, {"status": "alive"})

    @app.page("/readyz", name="readyz")
    class Readiness(View):
        async def get(self, request: Request) -> Response:
            reasons = health.reasons()
            return json_response(self, {"ready": not reasons, "reasons": reasons}, 503 if reasons else 200)
