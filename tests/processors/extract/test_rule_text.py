"""The literal prefilter of the text rules (extract/rule_text.py): never rules out a matching trigger."""

from __future__ import annotations

import re

import orjson
import pytest
from repo_paths import TESTS_DATA

from talkwire.processors.extract.event_type import _type_triggers
from talkwire.processors.extract.outcomes import _outcome_rules
from talkwire.processors.extract.rule_text import Prefiltered, plain_lower, split_sentences


def test_plain_characters_lower_as_ignorecase_compares_them():
    plain = [chr(i) for i in range(0x3000) if plain_lower(chr(i)) is not None]
    assert "é" in plain and "œ" in plain and "’" in plain
    for c in plain:
        pattern = re.compile(re.escape(c), re.IGNORECASE)
        assert all((pattern.fullmatch(x) is not None) == (x.lower() == c.lower()) for x in plain), c


def test_sentences_carry_their_lowered_text_when_plain():
    plain = split_sentences("Les NÉGOCIATIONS reprennent. « Œuvrer » à Kyiv…\n\nSecond paragraph.")
    assert [s.lowered for s in plain] == [s.text.lower() for s in plain]
    assert [s.lowered for s in split_sentences("Talks in İstanbul. Next step.")] == [None, None]


def test_texts_with_other_characters_are_not_prefiltered():
    assert plain_lower("İstanbul") is None and plain_lower("ſanctions") is None
    assert Prefiltered.compile("sanctions").search("ſanctions", plain_lower("ſanctions"))


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    (r"(?<!\w)(?:négociations?)(?!\w)", "Les NÉGOCIATIONS reprennent", True),
    (r"(?<!\w)(?:négociations?)(?!\w)", "Les pourparlers reprennent", False),
    (r"(?:round|session) of (?:talks|negotiations)", "a new Session of Talks", True),
    (r"(?:round|session) of (?:talks|negotiations)", "talks of peace", False),
    (r"defen[cs]e ministers?", "the defense minister", True),
    (r"[A-Z]\w+", "no literal: always maybe", True),
])
def test_may_match_rules_out_only_patterns_without_their_literals(pattern, text, expected):
    assert Prefiltered.compile(pattern).may_match(plain_lower(text)) is expected


def test_may_match_never_rules_out_a_matching_trigger():
    for language in ("fr", "en"):
        patterns = [p for pairs in _type_triggers(language).values() for p, _ in pairs]
        patterns += [p for rule in _outcome_rules(language) for p in rule.patterns]
        for corpus in ("dev", "holdout"):
            for line in (TESTS_DATA / corpus / "articles.jsonl").read_bytes().splitlines():
                article = orjson.loads(line)
                text = f"{article['title']}\n\n{article['body']}"
                assert all(p.may_match(plain_lower(text)) for p in patterns if p.pattern.search(text))
