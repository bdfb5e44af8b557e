"""Text from messages made safe to print on a terminal.

Message content is untrusted: an escape sequence in a title could clear the screen, set the window
title (OSC) or hide text, and a bidi override could make a line read differently from what it
holds. Every control character (C0 but newline and tab, DEL, C1) and every bidi control is shown
as its escape (``\\x1b``, ``\\u202e``) instead of acting; the text stays readable and nothing acts.
"""

from __future__ import annotations

import unicodedata
from typing import Any

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
KEPT_CONTROLS = frozenset("\n\t")


def printable(value: Any) -> Any:
    """``value`` with every string in it (keys of mappings too) made safe to print."""
    if isinstance(value, str):
        return "".join(_shown(char) for char in value)
    if isinstance(value, dict):
        return {printable(key): printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return value


def printable_line(text: str) -> str:
    """One line: newlines and tabs shown as escapes too (keys, titles)."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def _shown(char: str) -> str:
    if char in KEPT_CONTROLS:
        return char
    if char in BIDI_CONTROLS or unicodedata.category(char) == "Cc":
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char
