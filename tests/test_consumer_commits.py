"""The worker's consumer never commits over an offset it did not process (talkwire.streams.consumer)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from faust.types import TP
from intervaltree import IntervalTree

from talkwire.streams.consumer import AtLeastOnceConsumer

PARTITION = TP("articles-by-id", 2)


def consumer_with(committed: int | None, acked: list[int]) -> AtLeastOnceConsumer:
    """Only the commit bookkeeping of a consumer: what ``_new_offset`` reads."""
    consumer = AtLeastOnceConsumer.__new__(AtLeastOnceConsumer)
    consumer._committed_offset = defaultdict(lambda: None, {PARTITION: committed})
    consumer._acked = defaultdict(list, {PARTITION: list(acked)})
    consumer._acked_index = defaultdict(set, {PARTITION: set(acked)})
    consumer._gap = defaultdict(IntervalTree)
    return consumer


@pytest.mark.parametrize(("committed", "acked", "expected"), [
    (25, [25, 26, 27], 28),  # contiguous from the committed offset
    (25, [25, 26, 28], 27),  # up to the first gap
    (None, [3, 4], 5),  # nothing committed yet
])
def test_commits_advance_over_processed_offsets(committed, acked, expected) -> None:
    assert consumer_with(committed, acked)._new_offset(PARTITION) == expected


@pytest.mark.parametrize(("committed", "acked"), [
    (25, [26, 27, 28]),  # the committed offset itself dropped: Faust committed 29 over it
    (0, [1, 2]),  # Faust's check skips a committed offset of 0
    (25, [27, 28]),
])
def test_a_commit_never_passes_an_unprocessed_offset(committed, acked) -> None:
    assert consumer_with(committed, acked)._new_offset(PARTITION) is None
