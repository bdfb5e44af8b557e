"""Every data file loads, and every code in it has the type its readers expect.

PyYAML reads YAML 1.1, where an unquoted ``NO`` (Norway) is ``False``: the data loader must make
that impossible, whatever a data file's author writes.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from repo_paths import ROOT

from talkwire.processors.data_files import data_file_names, load_data, parse_yaml
from talkwire.processors.extract.gazetteer import load_gazetteer

# Keys whose values are codes or names: always strings (or null where the data says "none").
CODE_KEYS = {"code", "country", "seat_of", "party", "name", "region", "kind", "type"}


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, key, value) of every mapping entry in a parsed file, keys included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]")


def test_yaml11_booleans_stay_strings() -> None:
    parsed = parse_yaml("country: NO\nother: [no, on, off, yes, y, n]\nflag: true\nnull_value: null")
    assert parsed == {"country": "NO", "other": ["no", "on", "off", "yes", "y", "n"], "flag": True, "null_value": None}


@pytest.mark.parametrize("name", data_file_names())
def test_data_file_codes_are_strings(name: str) -> None:
    data = load_data(name)
    assert data, f"{name} is empty"
    for path, key, value in _walk(data):
        assert isinstance(key, (str, int)), f"{name}{path}: key {key!r} is {type(key).__name__}"
        assert not isinstance(value, bool) or key not in CODE_KEYS, f"{name}{path}/{key}: {value!r}"
        if key in CODE_KEYS and value is not None:
            assert isinstance(value, str), f"{name}{path}/{key}: {value!r} is {type(value).__name__}, not a string"
        if isinstance(value, list):
            assert not any(isinstance(item, bool) for item in value), f"{name}{path}/{key}: a boolean in {value!r}"


def test_every_data_file_is_found() -> None:
    names = data_file_names()
    assert "gazetteer/places.yaml" in names and "outcomes.yaml" in names


def test_norway_and_its_places_are_known() -> None:
    gazetteer = load_gazetteer()
    assert gazetteer.entries["place:Oslo"].country == "NO"
    assert gazetteer.entries["country:NO"].canonical == "NO"


def _states_and_territories() -> tuple[set[str], set[str]]:
    demonyms = load_data("gazetteer/demonyms.yaml")
    return set(demonyms["states"]), set(demonyms["territories"])


def _organisation_codes() -> set[str]:
    return {org["code"] for org in load_data("gazetteer/organisations.yaml")}


def test_every_state_has_demonyms_in_french_and_english() -> None:
    import pycountry

    states, territories = _states_and_territories()
    assert not states & territories
    assert {c.alpha_2 for c in pycountry.countries} <= states | territories
    assert {"XK", "TW", "PS", "VA"} <= states and len(states) == 197  # 193 UN members + 2 observers + XK + TW
    for code, forms in load_data("gazetteer/demonyms.yaml")["states"].items():
        assert forms.get("fr") and forms.get("en"), f"{code} lacks a French or English demonym"


def test_organisation_codes_are_unique_typed_and_not_states() -> None:
    organisations = load_data("gazetteer/organisations.yaml")
    codes = [org["code"] for org in organisations]
    assert len(codes) == len(set(codes))
    assert all(org["kind"] in ("intergovernmental", "non_state") for org in organisations)
    assert all(code == code.upper() and " " not in code for code in codes)
    states, _ = _states_and_territories()
    assert set(codes) & states <= {"AU"}  # the African Union's code is Australia's too (formats.md)


def test_every_code_used_anywhere_is_a_known_state_or_organisation() -> None:
    states, territories = _states_and_territories()
    countries = load_data("gazetteer/countries.yaml")
    historic = set(countries["historic_states"])
    assert not historic & states and all(set(state["part"]) <= states for state in countries["historic_states"].values())
    known = states | territories | historic | _organisation_codes()
    used = {("places.yaml", p["country"]) for p in load_data("gazetteer/places.yaml")}
    used |= {("places.yaml seat_of", p["seat_of"]) for p in load_data("gazetteer/places.yaml") if p.get("seat_of")}
    used |= {("countries.yaml", code) for key in ("extra_names", "seats") for code in countries[key]}
    for person in load_data("gazetteer/people.yaml"):
        parties = [person.get("party")] + [role["party"] for role in person.get("roles", [])]
        used |= {("people.yaml", party) for party in parties if party is not None}
    gazetteer = load_gazetteer()
    used |= {("gazetteer entry", code) for entry in gazetteer.entries.values()
             for code in (entry.country, entry.seat_of) if code}
    used |= {("demonym", code) for table in gazetteer.demonyms.values() for code in table.values()}
    unknown = sorted({(where, code) for where, code in used if code not in known})
    assert not unknown


def test_every_organisation_code_is_documented() -> None:
    documented = (ROOT / "docs" / "codes.md").read_text("utf-8")
    assert not [code for code in _organisation_codes() if f"| `{code}` |" not in documented]


def test_groupings_stand_for_known_codes_and_are_no_party_codes() -> None:
    groupings = load_data("gazetteer/groupings.yaml")
    codes = [grouping["code"] for grouping in groupings]
    states, territories = _states_and_territories()
    assert len(codes) == len(set(codes)) and not set(codes) & (states | territories | _organisation_codes())
    for grouping in groupings:
        assert len(grouping["members"]) >= 2 and set(grouping["members"]) <= states | _organisation_codes(), grouping
    documented = (ROOT / "docs" / "codes.md").read_text("utf-8")
    assert not [code for code in codes if f"| `{code}` |" not in documented]
