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


def test_the_bodies_standing_for_a_states_opposition_over_the_years_share_its_track():
    """Syria's opposition came to Geneva as the SOC (2014), the HNC (2016-17), the SNC (from 2018)."""
    assert track_id("negotiation_round", ["SY", "SOC"]) == track_id("negotiation_round", ["SNC", "SY"])
    assert track_id("negotiation_round", ["VE", "MUD"]) == track_id("negotiation_round", ["VE", "PUD"])
    assert track_id("negotiation_round", ["SY", "SNC"]) != track_id("negotiation_round", ["VE", "PUD"])


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


# --------------------------------------------------------------------------- timelines

import itertools  # noqa: E402

from talkwire.processors.records import CanonicalEvent, Location  # noqa: E402
from talkwire.processors.tracks import apply_track_change, track_changes, track_record, tracks_of  # noqa: E402


def _event(event_id, version, parties=("RU", "UA"), date="2022-03-03", event_type="negotiation_round", **extra):
    return CanonicalEvent(event_id=event_id, version=version, event_type=event_type, parties=list(parties),
                          date=date, location=Location(place="Brest", country="BY"), **extra)


def _stream(records):
    """The two track stages over a sequence of (event id, record or None) as the events topic holds them:
    per event in offset order, the changes delivered to the track stage in the order given."""
    marks, changes = {}, []
    for event_id, record in records:
        produced, mark = track_changes(event_id, marks.get(event_id), record)
        if mark is not None:
            marks[event_id] = mark
        changes.extend(produced)
    return changes


def _fold(changes):
    states = {}
    for change in changes:
        new = apply_track_change(states.get(change.track_id), change)
        if new is not None:
            states[change.track_id] = new
    return {track: track_record(track, state) for track, state in states.items()}


def _entries(tracks):
    return {track: [e.model_dump() for e in record.events] if record else None for track, record in tracks.items()}


def test_a_track_lists_its_events_by_date():
    [track] = tracks_of([_event("ev-3", 1, date="2022-03-07"), _event("ev-1", 4, date="2022-02-28"),
                         _event("ev-call", 1, parties=("FR", "RU"), event_type="phone_call")][:2])
    assert [e.event_id for e in track.events] == ["ev-1", "ev-3"]
    assert (track.first_date, track.last_date, track.parties) == ("2022-02-28", "2022-03-07", ["RU", "UA"])


def test_changes_in_any_order_give_the_tracks_of_the_final_events():
    records = [
        ("ev-1", _event("ev-1", 1, parties=("BY", "RU", "UA"))),  # read with the host as a party first
        ("ev-2", _event("ev-2", 1, date="2022-03-07")),
        ("ev-1", _event("ev-1", 2)),  # ... then moves to the RU-UA track
        ("ev-3", _event("ev-3", 1, date="2022-03-10")),
        ("ev-3", CanonicalEvent(event_id="ev-3", version=2, merged_into="ev-2")),  # a redirect leaves
        ("ev-4", _event("ev-4", 1, date="2022-03-29")),
        ("ev-4", None),  # a tombstone leaves
    ]
    changes = _stream(records)
    expected = _entries(_fold(changes))
    final = {"ev-1": records[2][1], "ev-2": records[1][1]}
    assert expected == _entries({t.track_id: t for t in tracks_of(final.values())}) | {
        track: None for track in expected if expected[track] is None}
    for order in itertools.islice(itertools.permutations(changes), 0, None, 7):
        assert _entries(_fold(order)) == expected


def test_a_redelivered_record_changes_nothing():
    first, mark = track_changes("ev-1", None, _event("ev-1", 3))
    again, no_mark = track_changes("ev-1", mark, _event("ev-1", 3))
    assert first and again == [] and no_mark is None
    state = apply_track_change(None, first[0])
    assert apply_track_change(state, first[0]) is None


def test_the_last_event_leaving_tombstones_the_track():
    changes = _stream([("ev-1", _event("ev-1", 1)), ("ev-1", _event("ev-1", 2, event_type="incident"))])
    assert list(_fold(changes).values()) == [None]
