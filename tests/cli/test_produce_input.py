"""What ``talkwire produce`` reads and how it keys it (no broker needed)."""

from __future__ import annotations

import io
import sys

import pytest

from talkwire.cli.kafka import read_input
from talkwire.processors.parse.parsing import parse_message
from talkwire.settings import Limits

FIRST = b"date 2022-03 Les delegations russe et ukrainienne se sont retrouvees jeudi au Belarus.\n\nSuite."
SECOND = b"date 2022-04 Un nouveau round de pourparlers a eu lieu a Istanbul entre les deux delegations.\n"


def stdin_keys(monkeypatch: pytest.MonkeyPatch, data: bytes) -> list[str | None]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    return [message.key for message in read_input("-")]


def test_a_dispatch_from_stdin_is_keyed_by_its_content(monkeypatch: pytest.MonkeyPatch) -> None:
    first, again, second = (stdin_keys(monkeypatch, data) for data in (FIRST, FIRST, SECOND))
    assert first == again  # a resend is the same article
    assert first != second and first[0] != "stdin"  # another dispatch is another article
    assert first == [parse_message(FIRST, Limits()).id]  # the id the worker derives without a key


def test_stdin_that_is_no_dispatch_goes_unkeyed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert stdin_keys(monkeypatch, b"hello, not a dispatch") == [None]


def test_a_text_file_is_keyed_by_its_name(tmp_path) -> None:
    file = tmp_path / "2022-03-belarus.txt"
    file.write_bytes(FIRST)
    assert [m.key for m in read_input(str(file))] == ["2022-03-belarus"]
