"""Language of an article: the declared label checked against py3langid.

Outcomes (none is an error):
- "supported": the language is one of SUPPORTED_LANGUAGES, full extraction runs;
- "unsupported": a confidently identified (or declared) other language, the article is kept
  without an event frame;
- "undetermined": too little or too ambiguous text; ``language`` is then the declared label,
  else the likelier supported language as a guess, with its (low) confidence.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from talkwire.processors.records import Article, LanguageResult

SUPPORTED_LANGUAGES = ("fr", "en")
MIN_LETTERS = 25  # below this, character n-grams say little
SAMPLE_CHARS = 2_000  # the first paragraphs are plenty, and keep detection cheap
MIN_CONFIDENCE = 0.80  # an undeclared language is taken from detection above this
OVERRIDE_CONFIDENCE = 0.95  # a declared label loses only to a detection this sure ...
OVERRIDE_MIN_LETTERS = 60  # ... over at least this much text


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(article: Article) -> LanguageResult:
    """The article's language: declared when detection agrees or is unsure, else detected."""
    declared = article.language
    sample = article.text[:SAMPLE_CHARS]
    letters = sum(c.isalpha() for c in sample)
    if letters < MIN_LETTERS:
        return LanguageResult(language=declared, status="undetermined", confidence=0.0)
    ranking = dict(_identifier().rank(sample))
    detected, confidence = max(ranking.items(), key=lambda item: item[1])
    if declared and declared != detected:
        if letters < OVERRIDE_MIN_LETTERS or confidence < OVERRIDE_CONFIDENCE:
            return _result(declared, ranking.get(declared, 0.0))
    elif not declared and confidence < MIN_CONFIDENCE:
        # unsure rankings put relatives ('wa', 'lb') or the languages of proper names ahead;
        # only a confident detection makes an article unsupported
        guess = max(SUPPORTED_LANGUAGES, key=lambda language: ranking.get(language, 0.0))
        return LanguageResult(language=guess, status="undetermined", confidence=round(ranking.get(guess, 0.0), 4))
    return _result(detected, confidence)


def _result(language: str, confidence: float) -> LanguageResult:
    status = "supported" if language in SUPPORTED_LANGUAGES else "unsupported"
    return LanguageResult(language=language, status=status, confidence=round(confidence, 4))
