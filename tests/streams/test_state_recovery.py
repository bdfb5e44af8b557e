"""State recovery: the worker's local state directory is lost between two runs; its tables come back
from their changelogs and the stream ends with the same events as an uninterrupted run.

After the restart the test resends articles of the first run (a producer retry: no new output may
appear) and one of their ids with other content (still caught as a conflicting duplicate): both
only work if the restored tables hold the first run's state.
"""

from __future__ import annotations

import shutil
import time
import orjson
import fault_helpers as faults
import pytest
from kafka_helpers import produce

from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

RESENT = 20
VARIANTS = 3  # 3 x 66 dev articles: the network-cut test's corpus, so the uninterrupted replay is shared


def test_lost_state_directory_is_restored_from_changelogs(stream_settings: Settings, start_worker) -> None:
    settings = faults.fault_settings(stream_settings)
    articles = faults.synthetic_articles(VARIANTS)
    ids = {key for key, _ in articles}
    first, second = articles[::2], articles[1::2]  # both halves span the whole period
    expected = faults.expected_events(settings, VARIANTS)

    worker = start_worker(settings)
    produce(settings, settings.topic_raw, first)
    assert len(faults.enriched_ids(settings, len(first), timeout_s=240)) == len(first)
    worker.stop()
    assert not worker.alive()
    shutil.rmtree(settings.data_dir)

    conflict_id = first[0][0]
    conflicting = orjson.dumps({**orjson.loads(first[0][1]), "body": "Une tout autre histoire : les résultats "
                                "du championnat de France de football ce week-end, avec beaucoup de buts."})
    restarted_at = time.monotonic()
    restarted = start_worker(settings)
    produce(settings, settings.topic_raw, [*first[:RESENT], (conflict_id, conflicting), *second])
    recovery_s = faults.seconds_until_progress(settings, restarted_at, len(first))
    outcome = faults.collect_outcome(settings, ids)
    assert restarted.alive(), restarted.log_tail()

    figures = faults.assert_effectively_once(outcome, ids, expected, dead_letter_reasons=("duplicate_id_conflict",))
    assert orjson.loads(outcome.dead_letters[0].value)["article_id"] == conflict_id
    # the resends were redeliveries: no resent article repeats its record (a record is published
    # again only when a later step moves the article to another event, and then it differs)
    assert [key for key, _ in first[:RESENT] if key in repeated_records(outcome.enriched)] == []
    print(f"state dir deleted after {len(first)} articles; new output {recovery_s:.1f} s after the restart; {figures}; "
          f"overrides acted: {faults.override_actions(worker.log_path, restarted.log_path)}")


def repeated_records(records) -> set:
    """Keys whose record was published twice in a row with the same value."""
    latest, repeated = {}, set()
    for record in records:
        if latest.get(record.key) == record.value:
            repeated.add(record.key)
        latest[record.key] = record.value
    return repeated
