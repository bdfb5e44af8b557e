"""A stand-in for the NLP Extractor and a small corpus, for the offline pipeline and replay tests."""

import orjson

from talkwire.processors.errors import InputError
from talkwire.processors.records import EnrichedArticle, EventFrame

WIRE = "\n\n".join(
    " ".join(f"mot{p}_{i} de la dépêche sur les pourparlers" for i in range(12)) for p in range(5)
)


class FrameFromExtra:
    """Stands in for the NLP Extractor: the frame comes from the producer field 'frame'."""

    def enrich(self, articles):
        out = []
        for article in articles:
            if "fail" in article.extra:
                out.append(InputError("extraction_failed", "asked to fail"))
                continue
            frame = article.extra.get("frame")
            out.append(
                EnrichedArticle(
                    article=article,
                    language=article.language,
                    language_status="supported" if frame else "unsupported",
                    frame=EventFrame(**frame) if frame else None,
                )
            )
        return out


def message(article_id, published_at, body, frame=None, title="", **extra):
    value = {"id": article_id, "source": "Wire", "published_at": published_at, "language": "fr",
             "title": title, "body": body, **extra}
    if frame:
        value["frame"] = frame
    return orjson.dumps(value)


ROUND2 = {"event_type": "negotiation_round", "parties": ["RU", "UA"], "date": "2022-03-03",
          "date_precision": "day", "round": 2, "location": {"country": "BY"}}


def write_corpus(folder):
    lines = [
        message("b", "2022-03-03T20:00:00+01:00", WIRE.replace("mot0_0", "MOT0_0"), ROUND2, title="Copie"),
        message("a", "2022-03-03T18:00:00+01:00", WIRE, ROUND2, title="Deuxième session"),
        message("c", "2022-03-03T21:00:00+01:00", "Un tout autre texte sur la météo de demain en Belgique.",
                None),
        b'{"id": "broken"',
        message("d", "2022-03-04T09:00:00+01:00", "Texte dont l'extraction échoue, assez long pour passer.",
                ROUND2, fail=True),
    ]
    (folder / "articles.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder / "articles.jsonl"
