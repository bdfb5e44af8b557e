"""What the frame readers share: the cue words of the gazetteer (folded), and small helpers on the
text before a mention and the sentence at an offset."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from talkwire.processors.extract.gazetteer import Gazetteer, fold
from talkwire.processors.extract.rule_text import Sentence

CONTEXT_CHARS = 60  # how far before a mention its cue is looked for
STRONG_PARTY = 2.0
ARTICLES = re.compile(r"(?:\b(?:le|la|les|l|the|du|des|de|d|of)\s*)+$")  # on folded text
_LAST_ARTICLE = re.compile(r"\s*\b(?:le|la|les|l|the)\s*$")  # on folded text
CLAUSE_END = re.compile(r"[,;:.!?\"«»“”()\n]")


@dataclass(frozen=True)
class Endings:
    """Folded cue words that a folded context may end with: the whole context, or after a space."""

    words: frozenset[str]
    spaced: tuple[str, ...]  # " " + word: one str.endswith call tests them all

    @classmethod
    def of(cls, words: tuple[str, ...]) -> Endings:
        return cls(frozenset(words), tuple(" " + word for word in words))

    def end(self, context: str) -> bool:
        return context in self.words or context.endswith(self.spaced)


@dataclass(frozen=True)
class Cues:
    party: Endings
    non_party: Endings
    venue: Endings
    actor_nouns: tuple[str, ...]
    role_nouns: tuple[str, ...]
    event_nouns: frozenset[str]
    conjunctions: tuple[str, ...]
    non_venue: Endings
    non_venue_country: Endings
    venue_before: Endings
    venue_after: tuple[str, ...]
    role_breakers: frozenset[str]
    role_qualifiers: frozenset[str]  # demonyms included
    posted_to: frozenset[str]
    role_start: re.Pattern[str]
    summit_before: Endings
    summit_after: tuple[str, ...]
    leader_role: re.Pattern[str]
    delegation: re.Pattern[str]
    attacker_nouns: tuple[str, ...]
    parliament: re.Pattern[str]
    mediator: Endings
    mediator_after: frozenset[str]
    mediator_role: re.Pattern[str]
    envoy_role: re.Pattern[str]
    government_and: Endings  # "regime et", "government and": the government, then the side named with it
    leaders_negotiate: re.Pattern[str]

    def joins(self, between: str) -> bool:
        """True when the text between two mentions only joins them ("et la", ", "), within one paragraph."""
        if "\n" in between:
            return False
        bare = ARTICLES.sub("", fold(between).strip()).strip()
        return bare == "" or bare in self.conjunctions


@cache
def frame_cues(gazetteer: Gazetteer, language: str) -> Cues:
    def folded(name: str) -> tuple[str, ...]:
        return tuple(sorted({fold(w) for w in gazetteer.words(name, language)}, key=len, reverse=True))

    def endings(name: str) -> Endings:
        return Endings.of(folded(name))

    return Cues(endings("party_cues"), endings("non_party_cues"), endings("venue_cues"), folded("actor_nouns"),
                 folded("role_nouns"), frozenset(folded("event_nouns")), folded("conjunctions"),
                 endings("non_venue_cues"), endings("non_venue_country_cues"), endings("venue_compounds_before"),
                 folded("venue_compounds_after"),
                 frozenset(folded("role_breakers")),
                 frozenset(folded("role_qualifiers")) | frozenset(gazetteer.demonyms.get(language, {})) | {"s"},
                 frozenset(folded("posted_to")),
                 re.compile(rf"(?:{'|'.join(map(re.escape, folded('role_nouns')))})(?:e|s|es)?(?:\s|$)"),
                 endings("summit_host_before"), folded("summit_host_after"),
                 _word_pattern(folded("leader_roles")), _word_pattern(folded("delegation_words")),
                 folded("attacker_nouns"), _word_pattern(folded("parliaments")), endings("mediator_cues"),
                 frozenset(folded("mediator_after")), _word_pattern(folded("mediator_roles")),
                 _word_pattern(folded("envoy_roles")),
                 Endings.of(tuple(f"{government} {conjunction}" for government in folded("government_words")
                                  for conjunction in folded("conjunctions") if conjunction != ",")),
                 _word_pattern(folded("leaders_negotiate")))


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the folded words, whole, in folded text."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)")


def context_before(text: str, start: int) -> str:
    """Folded text of the clause before ``start`` (articles kept; ``ends_with`` skips them)."""
    clause = CLAUSE_END.split(text[max(0, start - CONTEXT_CHARS):start])[-1]
    return fold(clause)


def ends_with(context: str, endings: Endings) -> bool:
    """True when the context ends with one of the words, with or without trailing articles (all of
    them, or the last one: "sous l'égide de" + "l'")."""
    return (endings.end(context) or endings.end(ARTICLES.sub("", context).rstrip())
            or endings.end(_LAST_ARTICLE.sub("", context)))


def sentence_at(sentences: list[Sentence], offset: int) -> Sentence | None:
    index = bisect_right([s.start for s in sentences], offset) - 1
    return sentences[index] if index >= 0 and offset < sentences[index].end else None
