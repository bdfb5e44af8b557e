"""Text clean-up shared by every input format: HTML, outlet boilerplate, Unicode, hashing."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache
from html.parser import HTMLParser

from talkwire.processors.data_files import load_data

# Characters folded by normalise_text: typographic apostrophes to ', low/reversed double
# quotes to “, every kind of space to a plain space, line separators to newlines; invisible
# format characters and other control characters are dropped.
_FOLDED = {
    **dict.fromkeys("’‘‛ʼ", "'"),
    **dict.fromkeys("„‟", "“"),
    **dict.fromkeys("\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    **dict.fromkeys("\r\v\f\x1c\x1d\x1e\x85\u2028", "\n"),
    "\u2029": "\n\n",
}
_DROPPED = "\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
# one character class scanned in C; the lookup runs only on the (rare) hits
_TO_FOLD = re.compile("[" + re.escape("".join(_FOLDED)) + _DROPPED + "]")
_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n[ ]*\n\s*")
# A line ending like this closes its paragraph even without a blank line after it.
_SENTENCE_END = tuple(".!?…»”\"')")

_HTML_TAG = re.compile(
    r"<(?:!--|!doctype\b|/?(?:html|head|body|p|br|div|span|a|b|i|u|em|strong|small|sup|sub|h[1-6]"
    r"|ul|ol|li|dl|dt|dd|table|thead|tbody|tr|td|th|blockquote|q|cite|figure|figcaption|img|picture"
    r"|source|video|audio|script|style|noscript|template|svg|iframe|article|section|header|footer|nav"
    r"|aside|main|form|button|input|label|select|option|hr|pre|code|time|meta|link|abbr|mark)\b[^>]*>)",
    re.IGNORECASE,
)
_HTML_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
# A tag cut off by the end of a truncated body ("...</div"): HTMLParser.close() would keep it as text,
# a browser drops it.
_UNFINISHED_TAG = re.compile(r"<[/!?]?[A-Za-z][^<>]*\Z")


def normalise_text(text: str) -> str:
    """NFC text with plain spaces and apostrophes, one paragraph per block, blank lines between.

    Hard-wrapped lines are joined into their paragraph; a line ending a sentence (or a
    quote) starts a new paragraph, which is how producers without blank lines separate them.
    """
    text = _TO_FOLD.sub(lambda match: _FOLDED.get(match.group(), ""), text.replace("\r\n", "\n"))
    # NFC last: dropping an invisible character can bring a base and its accent together
    text = unicodedata.normalize("NFC", text)
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        paragraphs.extend(_split_wrapped_lines(block))
    return "\n\n".join(paragraphs)


def _split_wrapped_lines(block: str) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in block.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if not line:
            continue
        current.append(line)
        if line.endswith(_SENTENCE_END):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def looks_like_html(text: str) -> bool:
    """True when the text carries HTML tags or character references."""
    return bool(_HTML_TAG.search(text) or _HTML_ENTITY.search(text))


def strip_html(text: str) -> str:
    """Visible text of an HTML fragment, block elements as paragraphs; plain text unchanged."""
    if not looks_like_html(text):
        return text
    parser = _VisibleText()
    parser.feed(_UNFINISHED_TAG.sub("", text))
    parser.close()
    return "".join(parser.parts)


class _VisibleText(HTMLParser):
    """Collects text outside non-content elements; block boundaries become blank lines."""

    _HIDDEN = frozenset(
        "script style noscript template svg head iframe nav footer aside form button select "
        "object figcaption".split()
    )
    _BLOCKS = frozenset(
        "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote tr table section article header "
        "main figure pre hr title".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._HIDDEN:  # a self-closed hidden element hides nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


MAX_BOILERPLATE_CHARS = 400  # every pattern is bounded; longer lines are article text


@cache
def _boilerplate_pattern() -> re.Pattern[str]:
    patterns = load_data("boilerplate.yaml")["line_patterns"]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def is_boilerplate(line: str) -> bool:
    """True when the whole line is outlet boilerplate (data/boilerplate.yaml)."""
    if len(line) > MAX_BOILERPLATE_CHARS:
        return False
    canonical = " ".join(normalise_text(line).split())
    return bool(canonical) and _boilerplate_pattern().fullmatch(canonical) is not None


def strip_boilerplate(text: str) -> str:
    """The text without its boilerplate lines; other lines are kept as they are."""
    return "\n".join(line for line in text.split("\n") if not is_boilerplate(line))


def content_hash(title: str, body: str) -> str:
    """SHA-256 hex digest of the normalised title and body (equal content, equal hash)."""
    content = f"{normalise_text(title)}\n\x00\n{normalise_text(body)}"
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
