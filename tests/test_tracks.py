"""Track ids: a function of the event's party set and type only (stable, order-free), data-driven types."""

import pytest

from talkwire.processors import event_kinds as kinds_module
from talkwire.processors.event_kinds import event_kinds
from talkwire.processors.tracks import track_id


def test_same_parties_same_track_in_any_order():
    assert track_id("negotiation_round", ["UA", "RU"]) == track_id("phone_call", ["RU", "UA", "RU"])
    assert track_id("negotiation_round", ["RU", "UA"]).startswith("tr-")


def test_other_parties_other_track():
    assert track_id("summit", ["FR", "RU"]) != track_id("summit", ["RU", "UA"])
    assert track_id("negotiation_round", ["CO", "FARC"]) != track_id("negotiation_round", ["CO", "ELN"])


@pytest.mark.parametrize("event_type", ["incident", "speech", "other"])
def test_incidents_speeches_and_other_events_have_no_track(event_type):
    assert track_id(event_type, ["RU", "UA"]) is None


def test_no_parties_no_track():
    assert track_id("summit", []) is None


def test_every_event_type_has_its_properties():
    kinds = event_kinds()
    assert not kinds["phone_call"].has_venue and kinds["negotiation_round"].numbered
    assert all(isinstance(kind.in_track, bool) for kind in kinds.values())


def test_a_data_file_missing_a_type_is_refused(monkeypatch):
    data = {"negotiation_round": {"has_venue": True, "numbered": True, "in_track": True}}
    monkeypatch.setattr(kinds_module, "load_data", lambda name: data)
    event_kinds.cache_clear()
    try:
        with pytest.raises(ValueError, match="differ from records.EventType"):
            event_kinds()
    finally:
        event_kinds.cache_clear()
