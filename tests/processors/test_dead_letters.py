import base64
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from talkwire.processors.dead_letters import make_dead_letter, original_bytes
from talkwire.processors.records import DeadLetter

NOW = datetime(2022, 3, 3, 19, 40, tzinfo=timezone(timedelta(hours=1)))


def test_utf8_message_kept_as_text_with_its_origin():
    letter = make_dead_letter(b'{"id": 1}', reason="wrong_type", message="id must be a string", stage="parse",
                              topic="talkwire-articles", partition=2, offset=41, key="k", now=NOW)
    assert letter.original == '{"id": 1}' and letter.original_encoding == "utf-8"
    assert (letter.reason, letter.stage, letter.topic, letter.partition, letter.offset, letter.key) == (
        "wrong_type", "parse", "talkwire-articles", 2, 41, "k"
    )
    assert letter.timestamp == "2022-03-03T18:40:00+00:00"


def test_undecodable_message_kept_as_base64():
    raw = b"\xff\xfe caf\xe9"
    letter = make_dead_letter(raw, reason="invalid_encoding", message="not UTF-8", stage="parse", now=NOW)
    assert letter.original_encoding == "base64"
    assert base64.b64decode(letter.original) == raw


def test_naive_now_is_taken_as_utc_and_default_now_is_current():
    letter = make_dead_letter(b"x", reason="r", message="m", stage="cluster", now=datetime(2022, 3, 3, 12))
    assert letter.timestamp == "2022-03-03T12:00:00+00:00"
    stamp = datetime.fromisoformat(make_dead_letter(b"x", reason="r", message="m", stage="extract").timestamp)
    assert stamp.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - stamp) < timedelta(minutes=1)


def test_article_id_carried():
    letter = make_dead_letter(b"{}", reason="extraction_failed", message="boom", stage="extract", article_id="a1")
    assert letter.article_id == "a1"


@given(st.binary(max_size=2048))
def test_any_bytes_round_trip_through_json(raw):
    letter = make_dead_letter(raw, reason="invalid_json", message="m", stage="parse", now=NOW)
    restored = DeadLetter.from_json(letter.to_json())
    assert restored == letter
    assert original_bytes(restored) == raw


def test_an_original_too_large_for_the_budget_is_cut_and_says_so():
    raw = ('{"id": "big", "body": "' + "Les pourparlers continuent. é\n" * 40_000 + '"}').encode()
    letter = make_dead_letter(raw, reason="message_too_large", message="m", stage="parse", key="big",
                              now=NOW, max_bytes=100_000)
    encoded = letter.to_json()
    assert 99_000 < len(encoded) <= 100_000
    assert letter.original_truncated and letter.original_size == len(raw)
    assert letter.original_sha256 == hashlib.sha256(raw).hexdigest()
    assert raw.startswith(letter.original.encode())
    with pytest.raises(ValueError, match="prefix"):
        original_bytes(letter)


def test_a_letter_within_the_budget_is_whole_and_carries_size_and_hash():
    letter = make_dead_letter(b"\xff" * 1000, reason="invalid_encoding", message="m", stage="parse", max_bytes=10_000)
    assert not letter.original_truncated and original_bytes(letter) == b"\xff" * 1000
    assert (letter.original_size, letter.original_sha256) == (1000, hashlib.sha256(b"\xff" * 1000).hexdigest())


@given(st.binary(max_size=4096) | st.text(max_size=2048).map(str.encode), st.integers(min_value=2600, max_value=8000))
def test_any_letter_fits_its_budget(raw, budget):
    letter = make_dead_letter(raw, reason="invalid_json", message="x" * 5000, stage="parse", max_bytes=budget)
    assert len(letter.to_json()) <= budget
    kept = base64.b64decode(letter.original) if letter.original_encoding == "base64" else letter.original.encode()
    assert raw.startswith(kept)
