"""The one loader of talkwire's data files (``talkwire/data/**/*.yaml``): words, cues and knowledge.

YAML 1.1, which PyYAML implements, reads ``NO``, ``no``, ``on``, ``off``, ``yes`` as booleans: the
country code of Norway became ``False`` and every article naming Oslo failed. This loader keeps
YAML 1.2's booleans only (``true`` / ``false``), so a bare code is always a string.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class DataLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when built with it
    """``yaml.SafeLoader`` with YAML 1.2 booleans."""


DataLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DataLoader.add_implicit_resolver(_BOOL_TAG, _YAML12_BOOL, list("tTfF"))


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=DataLoader)  # noqa: S506 - a SafeLoader subclass


@cache
def load_data(name: str) -> Any:
    """The parsed data file ``talkwire/data/<name>`` (e.g. ``"outcomes.yaml"``,
    ``"gazetteer/places.yaml"``), read once per process."""
    return parse_yaml((DATA_DIR / name).read_text("utf-8"))


def data_file_names() -> list[str]:
    """Every YAML data file, as names ``load_data`` takes."""
    return sorted(path.relative_to(DATA_DIR).as_posix() for path in DATA_DIR.rglob("*.yaml"))
