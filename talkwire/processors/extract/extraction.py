"""Article -> EnrichedArticle: language, entities, quotes, dates and the event frame, batch-wise.

One ``nlp.pipe`` per language over the batch keeps spaCy efficient; everything after it is per
article, so one bad article becomes an ``InputError("extraction_failed", ...)`` for itself only.
"""

from __future__ import annotations

from collections import defaultdict

from spacy.tokens import Doc

from talkwire.processors.extract.dates import choose_event_date, find_date_mentions
from talkwire.processors.cluster.embedding import encoder
from talkwire.processors.extract.entities import doc_text, extract_entities, remember_text
from talkwire.processors.errors import InputError
from talkwire.processors.extract.frame import build_frame
from talkwire.processors.extract.gazetteer import load_gazetteer
from talkwire.processors.parse.language import SUPPORTED_LANGUAGES, detect_language
from talkwire.processors.extract.nlp import load_pipeline
from talkwire.processors.extract.quotes import extract_quotes
from talkwire.processors.records import Article, EnrichedArticle, LanguageResult
from talkwire.settings import Settings

NLP_BATCH_SIZE = 32


class Extractor:
    """Enriches batches of articles; models are loaded on first use, once per process.

    ``enrich`` returns one outcome per article, in the order given.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def load_models(self) -> None:
        """Load every model an article may need (the spaCy pipelines, the gazetteer, the sentence
        encoder), so that the first article does not wait for them."""
        for language in SUPPORTED_LANGUAGES:
            load_pipeline(language, self.settings.spacy_model_fr, self.settings.spacy_model_en)
        load_gazetteer()
        encoder()

    def enrich(self, articles: list[Article]) -> list[EnrichedArticle | InputError]:
        results: list[EnrichedArticle | InputError | None] = [None] * len(articles)
        languages: dict[int, LanguageResult] = {}
        batches: dict[str, list[int]] = defaultdict(list)
        for index, article in enumerate(articles):
            try:
                languages[index] = detect_language(article)
            except Exception as exc:  # noqa: BLE001 - any failure is this article's dead letter
                results[index] = _failure(article, exc)
                continue
            language = languages[index].language
            if len(article.body) > self.settings.limits.max_body_chars:
                results[index] = InputError("extraction_failed", f"article {article.id}: body over max_body_chars")
            elif language in SUPPORTED_LANGUAGES:
                batches[language].append(index)
            else:
                results[index] = _without_frame(article, languages[index])
        for language, indices in batches.items():
            for index, outcome in zip(indices, self._enrich_language(language, [articles[i] for i in indices],
                                                                      [languages[i] for i in indices])):
                results[index] = outcome
        return [outcome for outcome in results if outcome is not None]  # every slot is filled above

    def _enrich_language(self, language: str, articles: list[Article], languages: list[LanguageResult]
                         ) -> list[EnrichedArticle | InputError]:
        docs = self._docs(language, articles)
        outcomes: list[EnrichedArticle | InputError] = []
        for article, result, doc in zip(articles, languages, docs):
            if isinstance(doc, InputError):
                outcomes.append(doc)
                continue
            try:
                enriched = self.enrich_doc(article, result, doc)
            except Exception as exc:  # noqa: BLE001 - any failure is this article's dead letter
                outcomes.append(_failure(article, exc))
                continue
            outcomes.append(enriched)
        return outcomes

    def _docs(self, language: str, articles: list[Article]) -> list[Doc | InputError]:
        """One nlp.pipe over the batch; if it fails, article by article to isolate the culprit."""
        nlp = load_pipeline(language, self.settings.spacy_model_fr, self.settings.spacy_model_en)
        try:
            return list(nlp.pipe((a.text for a in articles), batch_size=NLP_BATCH_SIZE))
        except Exception:  # noqa: BLE001 - retried one by one below
            docs: list[Doc | InputError] = []
            for article in articles:
                try:
                    docs.append(nlp(article.text))
                except Exception as exc:  # noqa: BLE001
                    docs.append(_failure(article, exc))
            return docs

    def enrich_doc(self, article: Article, result: LanguageResult, doc: Doc) -> EnrichedArticle:
        """The rules after NLP: entities, quotes, dates and the event frame of one parsed article."""
        limits = self.settings.limits
        language = result.language or "fr"
        gazetteer = load_gazetteer()
        text = doc_text(remember_text(doc, article.text))  # the Doc was built from it
        entities, people = extract_entities(doc, language, gazetteer, limits)
        quotes = extract_quotes(text, language, people)[: limits.max_quotes]
        dates = find_date_mentions(text, language, article.published_at, article.published_precision)
        event_date = choose_event_date(dates, text, language, article.published_at, article.published_precision)
        return EnrichedArticle(
            article=article,
            language=result.language,
            language_status=result.status,
            language_confidence=result.confidence,
            entities=entities,
            quotes=quotes,
            dates=dates,
            frame=build_frame(doc, language, gazetteer, people, event_date, quotes=quotes),
        )


def _without_frame(article: Article, result: LanguageResult) -> EnrichedArticle:
    return EnrichedArticle(article=article, language=result.language, language_status=result.status,
                           language_confidence=result.confidence)


def _failure(article: Article, exc: Exception) -> InputError:
    return InputError("extraction_failed", f"article {article.id}: {type(exc).__name__}: {exc}")
