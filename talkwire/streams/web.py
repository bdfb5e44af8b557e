"""The worker's web views (Faust web, aiohttp driver): events page, JSON API, SSE and metrics.

``/``                   the live events page (static files from ``talkwire/web/``)
``/api/events``         live events, newest update first; filters ``?type=`` and ``?party=``
``/api/events/{id}``    one live event
``/api/stream``         Server-Sent Events: a ``snapshot`` of all events, then one ``change`` per record
``/metrics``            Prometheus text exposition
``/healthz``            200 while the process serves HTTP
``/readyz``             200 when ready, else 503 with the reasons (``talkwire.streams.health``)
"""

from __future__ import annotations

import asyncio
from importlib.resources import files
from typing import Any

import faust
import orjson
from aiohttp import web as aiohttp_web
from faust.web import Request, Response, View

from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.events_view import EventChange, EventsView, LiveEvent
from talkwire.streams.health import Health

STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
SSE_HEARTBEAT_S = 15.0  # a comment line this often, so proxies keep the stream open and dead clients are noticed
SSE_RETRY_MS = 2_000


def event_json(live: LiveEvent) -> dict[str, Any]:
    return {**live.event.model_dump(mode="json"), "updated_at": live.updated_at}


def change_json(change: EventChange) -> dict[str, Any]:
    event = None if change.event is None else event_json(LiveEvent(change.event, change.updated_at))
    return {"event_id": change.event_id, "event": event, "merged_into": change.merged_into,
            "updated_at": change.updated_at}


def sse_message(event_name: str, data: Any) -> bytes:
    return b"event: " + event_name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def typed_response(page: View, body: bytes, content_type: str, status: int = 200) -> Response:
    # As a header: aiohttp refuses a charset or other parameters in its content_type argument.
    return page.bytes(body, status=status, headers={"Content-Type": content_type})


def _static(name: str) -> bytes:
    return files("talkwire.web").joinpath(name).read_bytes()


def install_web(app: faust.App, settings: Settings, view: EventsView, health: Health) -> None:
    """Register the views on the app's web server and the service they rely on."""
    app.service(view)

    async def end_event_streams(_: aiohttp_web.Application) -> None:
        view.close_listeners()  # before aiohttp waits for open requests to finish

    app.web.web_app.on_shutdown.append(end_event_streams)

    def json_response(page: View, data: Any, status: int = 200) -> Response:
        return typed_response(page, orjson.dumps(data), "application/json", status)

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

    @app.page("/api/events", name="events_list")
    class EventList(View):
        async def get(self, request: Request) -> Response:
            query = request.query
            events = view.store.newest_first(event_type=query.get("type") or None, party=query.get("party") or None)
            return json_response(self, [event_json(live) for live in events])

    @app.page("/api/events/{event_id}", name="events_detail")
    class EventDetail(View):
        async def get(self, request: Request, event_id: str) -> Response:
            live = view.store.events.get(event_id)
            if live is None:
                return json_response(self, {"error": f"no live event {event_id!r}"}, 404)
            return json_response(self, event_json(live))

    @app.page("/api/stream", name="events_stream")
    class EventStream(View):
        async def get(self, request: Request) -> aiohttp_web.StreamResponse:
            response = aiohttp_web.StreamResponse(headers={
                "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
            })
            await response.prepare(request)
            queue = view.listen()  # before the snapshot: no change can fall between the two
            try:
                snapshot = [event_json(live) for live in view.store.newest_first()]
                await response.write(f"retry: {SSE_RETRY_MS}\n\n".encode() + sse_message("snapshot", snapshot))
                while view.listening(queue):
                    try:
                        change = await asyncio.wait_for(queue.get(), SSE_HEARTBEAT_S)
                    except TimeoutError:
                        await response.write(b": heartbeat\n\n")
                        continue
                    if change is None:  # the worker stops; the browser reconnects to another one
                        break
                    await response.write(sse_message("change", change_json(change)))
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
