"""Negotiation tracks: the events of one process, linked by a stable id.

A track is the series of talks, meetings, calls and agreements between the same principal parties
(formats.md). Its id is a function of the event's own party set, so it is stable across versions
of an event, independent of arrival order, partitions and workers, and needs no state; incidents,
speeches and ``other`` events have none. Known limit: a process between the same parties that
resumes years later shares the track of the earlier one (its timeline shows the gap).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from talkwire.processors.event_kinds import event_kinds

TRACK_ID_PREFIX = "tr-"


def track_id(event_type: str, parties: Iterable[str]) -> str | None:
    """The track of an event of ``event_type`` between ``parties``; None outside any track."""
    key = "|".join(sorted(set(parties)))
    if not key or not event_kinds()[event_type].in_track:
        return None
    return TRACK_ID_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
