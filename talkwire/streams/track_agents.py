"""The tracks stage: canonical events linked into negotiation tracks, one timeline per track.

events --follow (by event id)--> <app>-events-by-track --timeline (by track id)--> tracks

``follow`` remembers each event's track (``event-tracks`` table, co-partitioned with the events
topic) and sends a join to its new track and a leave to its old one; ``timeline`` folds them into
the track (``tracks`` table) and publishes it. Like the cluster stage, each stage waits until the
broker has its outputs before it updates its table, so a redelivered message repeats identical
records; per event the newest version wins, so the timelines do not depend on arrival order.
"""

from __future__ import annotations

import faust

from talkwire.processors.records import CanonicalEvent, EventTrackMark, TrackChange, TrackState
from talkwire.processors.tracks import apply_track_change, track_changes, track_record
from talkwire.settings import Settings
from talkwire.streams.agents import send_and_wait
from talkwire.streams.topics import by_track_topic


def register_track_agents(app: faust.App, settings: Settings, events: faust.TopicT) -> None:
    def topic(name: str, **options) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, **options)

    def table(name: str) -> faust.Table:
        return app.Table(name, key_type=str, value_type=bytes, partitions=settings.topic_partitions)

    by_track = topic(by_track_topic(settings), internal=True, partitions=settings.topic_partitions)
    tracks = topic(settings.topic_tracks, compacting=True)
    marks = table("event-tracks")  # event id -> EventTrackMark
    states = table("tracks")  # track id -> TrackState

    @app.agent(events, name="follow")
    async def follow(stream: faust.StreamT) -> None:
        async for event in stream.events():
            event_id = event.key.decode() if isinstance(event.key, bytes) else event.key
            if not event_id:
                continue  # the cluster stage keys every event record; nothing else writes there
            record = CanonicalEvent.from_json(event.value) if event.value else None
            seen = marks.get(event_id)
            changes, mark = track_changes(event_id, EventTrackMark.from_json(seen) if seen else None, record)
            if mark is None:
                continue
            await send_and_wait([by_track.send(key=c.track_id.encode(), value=c.to_json()) for c in changes])
            marks[event_id] = mark.to_json()

    @app.agent(by_track, name="timeline")
    async def timeline(stream: faust.StreamT) -> None:
        async for event in stream.events():
            change = TrackChange.from_json(event.value)
            stored = states.get(change.track_id)
            before = TrackState.from_json(stored) if stored else None
            after = apply_track_change(before, change)
            if after is None:
                continue
            if after.version != (before.version if before else 0):
                record = track_record(change.track_id, after)
                await send_and_wait([tracks.send(key=change.track_id.encode(),
                                                 value=record.to_json() if record else None)])
            states[change.track_id] = after.to_json()
