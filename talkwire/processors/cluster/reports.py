"""How a report is shown in an event: its outlet and a display title.

A JSON article names its outlet (``source``) and usually has a title. A plain-text dispatch has
neither: its outlet is the news agency credited in its lead (``data/agencies.yaml``), else
unknown (None), and its display title is its lead sentence, without the dateline.
"""

from __future__ import annotations

import re
from functools import cache

from talkwire.processors.records import Article
from talkwire.processors.extract.rule_text import load_rule_data, paragraphs, split_sentences

DISPLAY_TITLE_CHARS = 120
_DATELINE = re.compile(r"\A[^()\n]{0,40}\([^()\n]{1,30}\)\s*[-–—]\s*")  # "KYIV, April 9 (Reuters) - "


@cache
def _credits() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern matching any parenthesised agency credit, and the agency name of each credit."""
    names = {credit: agency["name"] for agency in load_rule_data("agencies")["agencies"] for credit in agency["credits"]}
    alternation = "|".join(re.escape(credit) for credit in sorted(names, key=len, reverse=True))
    return re.compile(rf"\((?:[^()\n]{{0,30}}[,/] ?)?({alternation})\)"), names


def _lead(article: Article) -> str:
    found = paragraphs(article.body)
    return found[0][1] if found else ""


def report_outlet(article: Article) -> str | None:
    """The outlet that published the report; for a dispatch the agency its lead credits, or None."""
    if article.input_format != "dispatch":
        return article.source
    pattern, names = _credits()
    credit = pattern.search(_lead(article))
    return names[credit.group(1)] if credit else None


def display_title(article: Article) -> str:
    """The report's title; for an untitled one its lead sentence (dateline dropped), shortened."""
    if article.title:
        return article.title
    lead = _lead(article)
    if dateline := _DATELINE.match(lead):
        lead = lead[dateline.end():]
    sentences = split_sentences(lead)
    sentence = " ".join((sentences[0].text if sentences else lead).split())
    if len(sentence) <= DISPLAY_TITLE_CHARS:
        return sentence
    return sentence[: DISPLAY_TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


_WEB_LINK = re.compile(r"https?://[^\s\"'<>]{1,2000}", re.IGNORECASE)


def report_url(article: Article) -> str | None:
    """The report's web link from the producer's ``url`` field; None unless it is a plain http(s) URL."""
    url = article.extra.get("url")
    return url if isinstance(url, str) and _WEB_LINK.fullmatch(url) else None
