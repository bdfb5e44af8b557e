"""Nothing a worker produces is too large for the broker (issue 15, the 1 MB loss).

An article a little over ``max_message_bytes`` is dead-lettered as ``message_too_large``; that
dead letter used to carry the whole original, was itself over the producer's 1 000 000-byte
request size, crashed the ingest agent and let the offset move past the article: no trace.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import orjson
import pytest
from kafka_helpers import consume_until, produce

from talkwire.processors.records import ArticleRef, CanonicalEvent, DeadLetter
from talkwire.processors.cluster.sizing import event_json_within
from talkwire.settings import Limits, Settings

TALKS = ("Les délégations russe et ukrainienne se sont retrouvées jeudi au Bélarus pour un deuxième round "
         "de pourparlers et se sont entendues sur des couloirs humanitaires pour les civils.")


def article(article_id: str, total_bytes: int) -> bytes:
    """A JSON article of exactly ``total_bytes``, its bulk in an extra field."""
    head = {"id": article_id, "source": "Wire", "published_at": "2022-03-04T10:00:00+00:00", "body": TALKS}
    empty = len(orjson.dumps({**head, "notes": ""}))
    return orjson.dumps({**head, "notes": "x" * (total_bytes - empty)})


@pytest.mark.kafka
def test_articles_over_the_limits_leave_dead_letters_that_fit(stream_settings: Settings, start_worker) -> None:
    settings = replace(stream_settings, limits=Limits())  # the defaults: 1 000 000 bytes per message
    over = article("over", 1_010_095)  # the size from the issue: refused by the parser
    # accepted by the parser, but the parsed article (a few fields more) is over the producer's limit
    edge = article("edge", 999_990)
    good = article("good", 2_000)
    assert len(over) == 1_010_095 and len(edge) == 999_990
    worker = start_worker(settings)
    produce(settings, settings.topic_raw, [("over", over), ("edge", edge), ("good", good)])

    dead = consume_until(settings, settings.topic_dead_letters, lambda rs: len(rs) >= 2, timeout_s=120, settle_s=1)
    enriched = consume_until(settings, settings.topic_enriched, lambda rs: rs, timeout_s=120)
    assert worker.alive(), worker.log_tail()
    assert "MessageSizeTooLarge" not in worker.log_path.read_text(errors="replace"), worker.log_tail(80)
    assert [r.key for r in enriched] == ["good"]
    letters = {r.key: DeadLetter.from_json(r.value) for r in dead}
    assert {key: letter.reason for key, letter in letters.items()} == {"over": "message_too_large",
                                                                       "edge": "output_too_large"}
    cut = letters["over"]
    assert cut.original_truncated and cut.original_size == len(over)
    assert cut.original_sha256 == hashlib.sha256(over).hexdigest()
    assert over.startswith(cut.original.encode()) and len(cut.original) > 900_000
    whole = letters["edge"]
    assert whole.original_size == len(edge) and whole.original_sha256 == hashlib.sha256(edge).hexdigest()


@pytest.mark.kafka
def test_a_topic_max_message_bytes_bounds_its_records(stream_settings: Settings, start_worker) -> None:
    import asyncio

    from talkwire.streams.topics import TopicSpec, ensure_topics

    settings = replace(stream_settings, topic_dead_letters=stream_settings.topic_dead_letters + "-small")
    asyncio.run(ensure_topics(settings, [TopicSpec(settings.topic_dead_letters, "dead letters", 4,
                                                   {"max.message.bytes": "20000"})]))
    broken = b'{"id": "broken", "body": "' + b"x" * 50_000  # invalid JSON, under the 100 000-byte input limit
    start_worker(settings)
    produce(settings, settings.topic_raw, [("broken", broken)])
    dead = consume_until(settings, settings.topic_dead_letters, lambda rs: rs, timeout_s=120)
    letter = DeadLetter.from_json(dead[0].value)
    assert letter.reason == "invalid_json" and letter.original_truncated and letter.original_size == len(broken)
    assert 19_000 < len(dead[0].value) < 20_000


def test_an_event_too_large_keeps_its_earliest_articles_and_counts_them():
    refs = [ArticleRef(id=f"a{i:04d}", source="Wire", published_at="2022-03-04", title="t" * 200) for i in range(2000)]
    event = CanonicalEvent(event_id="e1", version=3, articles=refs, provenance={"date": [r.id for r in refs]})
    assert len(event.to_json()) > 200_000
    fitted = CanonicalEvent.from_json(event_json_within(event, 200_000))
    assert len(fitted.to_json()) <= 200_000
    assert fitted.articles_total == 2000 and 0 < len(fitted.articles) < 2000
    assert fitted.articles == refs[:len(fitted.articles)]
    assert fitted.provenance["date"] == [r.id for r in fitted.articles]
    assert event_json_within(event, 10_000_000) == event.to_json()
