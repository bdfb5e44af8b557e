"""Every data file loads, and every code in it has the type its readers expect.

PyYAML reads YAML 1.1, where an unquoted ``NO`` (Norway) is ``False``: the data loader must make
that impossible, whatever a data file's author writes.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from talkwire.processors.data_files import data_file_names, load_data, parse_yaml
from talkwire.processors.gazetteer import load_gazetteer

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
