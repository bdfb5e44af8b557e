"""Direct quotes and who said them.

A quote is a span in « … », “ … ” or a pair of straight quotes with at least ``min_words``
words (shorter quoted terms, "couloirs humanitaires", are scare quotes). Its speaker comes from
the located people (``PersonSpan``) next to an attribution cue: after the quote ("a déclaré X",
"said X", "X told reporters"), before it ("X a déclaré :", "Selon X,", "according to X"), or a
pronoun cue ("a-t-il ajouté", "selon lui", "he added") naming the last attributed speaker.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from talkwire.processors.records import PersonSpan, Quote
from talkwire.processors.extract.rule_text import (
    Prefiltered,
    Sentence,
    alternation,
    load_rule_data,
    quote_spans,
    split_sentences,
)

# How far after a quote an attribution cue may start ("…", a écrit sur Twitter X).
_AFTER_WINDOW = 160


@dataclass(frozen=True)
class _Cues:
    pronoun_after: re.Pattern[str]  # "a-t-il ajouté", "selon lui", "he said"
    pronoun_subject: re.Pattern[str]  # sentence opening "Il a ajouté", "He said"
    named: Prefiltered  # a speech verb or source word that names someone nearby


@cache
def _cues(language: str) -> _Cues:
    data = load_rule_data("quotes")
    language = language if language in data["speech_verbs"] else "en"
    verbs = data["speech_verbs"][language]
    pronoun = alternation(data["pronouns"][language])
    sources = alternation(verbs["source_words"])
    if language == "fr":
        participle, present = alternation(verbs["participles"]), alternation(verbs["present"])
        auxiliary = alternation(verbs["auxiliaries"])
        pronoun_after = (
            rf"\b(?:a-t|ont|avait|avaient)-{pronoun}\s+(?:[\w'-]+\s+){{0,2}}?{participle}\b"
            rf"|\b{present}(?:-t)?-{pronoun}\b|\b{sources} (?:lui|elle|eux|elles)\b"
        )
        pronoun_subject = rf"^{pronoun}\s+(?:ne\s+|l'|leur\s+|lui\s+)?(?:{auxiliary}\s+(?:[\w'-]+\s+){{0,3}}?{participle}|{present})\b"
        named = rf"\b{auxiliary}\s+(?:[\w'-]+\s+){{0,4}}?{participle}\b|\b{present}\b|\b{sources}\b"
    else:
        verb = alternation(verbs["verbs"])
        pronoun_after = rf"\b{pronoun}\s+(?:also\s+|later\s+|then\s+|has\s+|had\s+)?{verb}\b|\b{verb}\s+{pronoun}\b"
        pronoun_subject = rf"^{pronoun}\s+(?:\w+\s+)?{verb}\b"
        named = rf"\b{verb}\b|\b{sources}\b"
    return _Cues(re.compile(pronoun_after, re.IGNORECASE), re.compile(pronoun_subject, re.IGNORECASE),
                 Prefiltered.compile(named))


def _quoted(text: str, min_words: int) -> list[tuple[int, int]]:
    """(start, end) of the quotes of ``text`` long enough to be statements, in text order."""
    found = []
    for match in re.finditer(r"[^\n]+", text):
        for start, end, _ in quote_spans(match.group()):
            inner = match.group()[start + 1 : end - 1]
            if len(inner.split()) >= min_words:
                found.append((match.start() + start, match.start() + end))
    return found


def _nearest_person(people: list[PersonSpan], start: int, end: int, anchor: int) -> PersonSpan | None:
    """The person span within [start, end) closest to ``anchor``; ``people`` sorted by start."""
    first = bisect_left(people, start, key=lambda p: p.start)
    last = bisect_left(people, end, key=lambda p: p.start)
    inside = [p for p in people[first:last] if p.end <= end]
    return min(inside, key=lambda p: min(abs(p.start - anchor), abs(p.end - anchor)), default=None)


@dataclass
class _Attribution:
    speaker: PersonSpan | None = None
    cue: str | None = None
    by_pronoun: bool = False


def _attribute_after(text: str, sentence: Sentence, end: int, next_quote: int, people, cues: _Cues) -> _Attribution:
    stop = min(sentence.end, next_quote)
    window = text[end:stop][:_AFTER_WINDOW]
    if match := cues.pronoun_after.search(window):
        return _Attribution(cue=match.group(), by_pronoun=True)
    if match := cues.named.search(window):
        speaker = _nearest_person(people, end, stop, end + match.start())
        return _Attribution(speaker=speaker, cue=match.group())
    return _Attribution()


def _attribute_before(text: str, sentence: Sentence, start: int, people, cues: _Cues) -> _Attribution:
    before = text[sentence.start : start]
    if match := cues.pronoun_subject.search(before) or cues.pronoun_after.search(before):
        return _Attribution(cue=match.group(), by_pronoun=True)
    if match := cues.named.search(before):
        speaker = _nearest_person(people, sentence.start, start, sentence.start + match.start())
        return _Attribution(speaker=speaker, cue=match.group()) if speaker else _Attribution()
    return _Attribution()


def _speaker_of_statement(sentence: Sentence, people: list[PersonSpan], cues: _Cues) -> PersonSpan | None:
    """The person a quote-less sentence reports speaking ("X a indiqué que …"), for later pronouns."""
    if match := sentence.search(cues.named):
        return _nearest_person(people, sentence.start, sentence.end, sentence.start + match.start())
    return None


def extract_quotes(
    text: str,
    language: str,
    people: list[PersonSpan],
    *,
    min_words: int | None = None,
    max_quotes: int | None = None,
) -> list[Quote]:
    """Quotes in text order with their speaker (canonical name) or None when unattributable."""
    cues = _cues(language)
    people = sorted(people, key=lambda p: p.start)
    spans = _quoted(text, min_words or load_rule_data("quotes")["min_words"])
    span_starts = [start for start, _ in spans]
    quotes: list[Quote] = []
    last_speaker: PersonSpan | None = None
    previous: tuple[int, PersonSpan | None] = (-1, None)  # paragraph and speaker of the last quote
    for sentence in split_sentences(text):
        inside = spans[bisect_left(span_starts, sentence.start) : bisect_left(span_starts, sentence.end)]
        if not inside:
            last_speaker = _speaker_of_statement(sentence, people, cues) or last_speaker
            continue
        for index, (start, end) in enumerate(inside):
            next_quote = inside[index + 1][0] if index + 1 < len(inside) else sentence.end
            found = _attribute_after(text, sentence, end, next_quote, people, cues)
            if not (found.speaker or found.by_pronoun):
                found = _attribute_before(text, sentence, start, people, cues)
            speaker = last_speaker if found.by_pronoun else found.speaker
            if speaker is None and found.cue is None and previous[0] == sentence.paragraph:
                # '"…," Biden said. "…"': an uncued quote continues the paragraph's speaker
                speaker, found.cue = previous[1], "continued"
            last_speaker = speaker or last_speaker
            previous = (sentence.paragraph, speaker)
            quotes.append(
                Quote(
                    text=text[start + 1 : end - 1].strip(" ,"),
                    speaker=speaker.canonical if speaker else None,
                    speaker_party=speaker.party if speaker else None,
                    cue=found.cue if speaker else None,
                    offset=start,
                )
            )
            if max_quotes is not None and len(quotes) >= max_quotes:
                return quotes
    return quotes
