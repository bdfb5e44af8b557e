from pipeline_helpers import ROUND2, WIRE, FrameFromExtra, message, write_corpus

from talkwire.processors.pipeline import OfflinePipeline, read_messages
from talkwire.processors.records import RawMessage
from talkwire.settings import Settings


def run(messages):
    return OfflinePipeline(Settings(batch_size=2), extractor=FrameFromExtra()).run(messages)


def test_replay_sorts_detects_copies_and_collects_dead_letters(tmp_path):
    result = run(read_messages(write_corpus(tmp_path)))
    by_id = {item.article.id: item for item in result.enriched}
    assert by_id["b"].duplicate_of == "a"
    assert by_id["a"].event_id == by_id["b"].event_id is not None
    assert by_id["c"].event_id is None
    assert sorted(letter.reason for letter in result.dead_letters) == ["extraction_failed", "invalid_json"]
    (event,) = result.events
    assert event.round == 2 and [ref.id for ref in event.articles] == ["a", "b"]
    assert event.articles[1].duplicate_of == "a" and event.title == "Deuxième session"


def test_redelivered_and_conflicting_ids():
    first = message("a", "2022-03-03T18:00:00+01:00", WIRE, ROUND2)
    conflicting = message("a", "2022-03-03T18:00:00+01:00", WIRE + "\n\nUn paragraphe de plus.", ROUND2)
    result = run([RawMessage(value=first), RawMessage(value=first), RawMessage(value=conflicting)])
    assert [letter.reason for letter in result.dead_letters] == ["duplicate_id_conflict"]
    assert len(result.enriched) == 1 and len(result.events) == 1


def test_readers_accept_arrays_objects_and_dispatch_files(tmp_path):
    (tmp_path / "one.json").write_bytes(message("x", "2022-03-03T18:00:00+01:00", WIRE))
    (tmp_path / "many.json").write_bytes(b"[" + message("y", "2022-03-03T18:00:00+01:00", WIRE) + b", {}]")
    (tmp_path / "dispatch.txt").write_text("date 2022-03 Ce jeudi avait lieu une session.\n\nSuite du texte.")
    (tmp_path / "notes.md").write_text("ignored")
    messages = list(read_messages(tmp_path))
    assert [m.key for m in messages] == ["dispatch", None, None, None]
    assert len(messages) == 4


def test_an_event_links_each_report_its_producer_gave_a_url():
    result = run([RawMessage(value=message("a", "2022-03-03T18:00:00+01:00", WIRE, ROUND2, url="https://example.org/a")),
                  RawMessage(value=message("b", "2022-03-03T19:00:00+01:00", WIRE, ROUND2))])
    (event,) = result.events
    assert {ref.id: ref.url for ref in event.articles} == {"a": "https://example.org/a", "b": None}
