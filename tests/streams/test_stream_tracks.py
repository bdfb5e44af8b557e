"""The tracks stage on the real broker: the tracks topic converges to the tracks of the final events."""

from __future__ import annotations

import time

import orjson
import pytest
from kafka_helpers import consume_until, latest_per_key, produce
from repo_paths import ROOT

from talkwire.processors.records import CanonicalEvent, Track
from talkwire.processors.tracks import tracks_of
from talkwire.settings import Settings

pytestmark = pytest.mark.kafka

ARTICLES = ROOT / "examples" / "articles.jsonl"


def _timelines(tracks: list[Track]) -> dict[str, list[tuple[str, int]]]:
    return {t.track_id: [(e.event_id, e.event_version) for e in t.events] for t in tracks}


def test_tracks_topic_holds_the_timelines_of_the_live_events(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings
    lines = [line for line in ARTICLES.read_bytes().splitlines() if line.strip()]
    worker = start_worker()
    produce(settings, settings.topic_raw, [(orjson.loads(line)["id"], line) for line in lines])
    consume_until(settings, settings.topic_enriched, lambda rs: len({r.key for r in rs}) >= len(lines),
                  timeout_s=300, settle_s=3)

    deadline = time.monotonic() + 120
    while True:  # the tracks stage runs after the events are out: read both until they agree
        events = consume_until(settings, settings.topic_events, lambda rs: True, timeout_s=20, settle_s=1)
        records = consume_until(settings, settings.topic_tracks, lambda rs: True, timeout_s=20, settle_s=1)
        live = [CanonicalEvent.from_json(v) for v in latest_per_key(events).values() if v]
        expected = _timelines(tracks_of(live))
        published = _timelines([Track.from_json(v) for v in latest_per_key(records).values() if v])
        if (expected and published == expected) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert published == expected, worker.log_tail()
    tracks = [Track.from_json(v) for v in latest_per_key(records).values() if v]
    talks = next(t for t in tracks if t.parties == ["RU", "UA"])
    assert len(talks.events) >= 3 and [e.date for e in talks.events] == sorted(e.date for e in talks.events)
    versions = {}
    for record in records:  # one value per (track, version): redeliveries repeat, never contradict
        if record.value:
            track = Track.from_json(record.value)
            assert versions.setdefault((track.track_id, track.version), record.value) == record.value
    assert worker.alive(), worker.log_tail()
