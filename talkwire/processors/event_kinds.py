"""The properties of each event type (``data/event_kinds.yaml``), checked against the record type."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import get_args

from talkwire.processors.data_files import load_data
from talkwire.processors.records import EventType


@dataclass(frozen=True)
class EventKind:
    has_venue: bool
    numbered: bool
    in_track: bool
    family: str
    convened: bool


@cache
def event_kinds() -> dict[str, EventKind]:
    """Every event type's properties; a data file that misses a type or a property fails here."""
    data = load_data("event_kinds.yaml")
    expected = set(get_args(EventType))
    if set(data) != expected:
        raise ValueError(f"event_kinds.yaml: types {sorted(set(data) ^ expected)} differ from records.EventType")
    types = {f.name: f.type for f in fields(EventKind)}
    kinds = {}
    for event_type, properties in data.items():
        if set(properties) != set(types) or not all(type(v).__name__ == types[k] for k, v in properties.items()):
            raise ValueError(f"event_kinds.yaml: {event_type} needs exactly {types}")
        kinds[event_type] = EventKind(**properties)
    return kinds
