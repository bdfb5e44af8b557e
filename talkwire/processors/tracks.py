"""Negotiation tracks: the events of one process, linked by a stable id.

A track is the series of talks, meetings, calls and agreements between the same principal parties
(formats.md). Its id is a function of the event's own party set (a state's opposition or rebels
one side, whichever body stands for them), so it is stable across versions
of an event, independent of arrival order, partitions and workers, and needs no state; incidents,
speeches and ``other`` events have none. Known limit: a process between the same parties that
resumes years later shares the track of the earlier one (its timeline shows the gap).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.extract.gazetteer import opposing_sides
from talkwire.processors.records import CanonicalEvent, EventTrackMark, Track, TrackChange, TrackEntry, TrackState

TRACK_ID_PREFIX = "tr-"


def track_id(event_type: str, parties: Iterable[str]) -> str | None:
    """The track of an event of ``event_type`` between ``parties``; None outside any track. A party
    that stands for a state's opposition or rebels counts as that side, whichever body it is that
    year (Syria's talks with the SOC, then the HNC, then the SNC are one process)."""
    sides = opposing_sides()
    key = "|".join(sorted({sides.get(party, party) for party in parties}))
    if not key or not event_kinds()[event_type].in_track:
        return None
    return TRACK_ID_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def track_entry(event: CanonicalEvent) -> TrackEntry:
    return TrackEntry(event_id=event.event_id, event_version=event.version, event_type=event.event_type,
                      date=event.date, round=event.round, place=event.location.place,
                      country=event.location.country, title=event.title)


def track_changes(event_id: str, seen: EventTrackMark | None, event: CanonicalEvent | None
                  ) -> tuple[list[TrackChange], EventTrackMark | None]:
    """What one record of the events topic changes: the event leaves its old track and joins its new
    one. ``event`` None is a tombstone; a redirect (``merged_into``) leaves every track. Returns no
    change and no new mark for a version already seen (a redelivery or an older copy)."""
    version = event.version if event is not None else (seen.version + 1 if seen else 0)
    if seen is not None and version <= seen.version:
        return [], None
    live = event is not None and event.merged_into is None
    new_track = track_id(event.event_type, event.parties) if live else None
    changes = []
    if seen is not None and seen.track_id and seen.track_id != new_track:
        changes.append(TrackChange(track_id=seen.track_id, parties=[], event_id=event_id, event_version=version))
    if new_track is not None:
        changes.append(TrackChange(track_id=new_track, parties=sorted(set(event.parties)), event_id=event_id,
                                   event_version=version, entry=track_entry(event)))
    return changes, EventTrackMark(version=version, track_id=new_track)


def apply_track_change(state: TrackState | None, change: TrackChange) -> TrackState | None:
    """The track after ``change``, or None when it changes nothing: per event the newest version
    wins, joins and leaves alike, so the entries do not depend on the order changes arrive in (a
    leave that overtakes the join it undoes is remembered). ``version`` moves when the entries do."""
    state = state or TrackState()
    known = state.entries.get(change.event_id)
    newest = max(known.event_version if known else -1, state.left.get(change.event_id, -1))
    if change.event_version <= newest:
        return None
    entries, left = dict(state.entries), dict(state.left)
    if change.entry is not None:
        entries[change.event_id] = change.entry
        left.pop(change.event_id, None)
    else:
        entries.pop(change.event_id, None)
        left[change.event_id] = change.event_version
    moved = entries != state.entries
    return TrackState(version=state.version + moved, parties=change.parties or state.parties,
                      entries=entries, left=left)


def track_record(track: str, state: TrackState) -> Track | None:
    """The published form of a track; None (a tombstone) when no event is left on it."""
    if not state.entries:
        return None
    events = sorted(state.entries.values(), key=lambda e: (e.date is None, e.date or "", e.event_id))
    dates = [e.date for e in events if e.date]
    return Track(track_id=track, version=state.version, parties=state.parties, events=events,
                 first_date=dates[0] if dates else None, last_date=dates[-1] if dates else None)


def tracks_of(events: Iterable[CanonicalEvent]) -> list[Track]:
    """The tracks of a set of final events, as the stream's track stages converge to them."""
    states: dict[str, TrackState] = {}
    for event in events:
        changes, _ = track_changes(event.event_id, None, event)
        for change in changes:
            states[change.track_id] = apply_track_change(states.get(change.track_id), change) or states[change.track_id]
    tracks = (track_record(track, state) for track, state in sorted(states.items()))
    return [track for track in tracks if track is not None]
