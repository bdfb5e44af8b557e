"""Eviction: a block forgets its oldest days, the events that ended there and, past
``max_block_members``, the events of its oldest members."""

from __future__ import annotations

import orjson

from talkwire.processors.cluster.block_state import (
    BlockState,
    SortKey,
    cutoff_day,
    day_members,
    day_of,
    event_id_for,
    hour_key,
    hour_keys,
    remove_sorted,
    subtree,
)
from talkwire.settings import Limits


def evict(state: BlockState, limits: Limits) -> None:
    """Drop the buckets of days behind the window (and the events that ended there), then events past the cap."""
    meta = state.meta()
    cutoff = cutoff_day(meta, limits)
    while meta.days and meta.days[0] < cutoff:
        day = meta.days[0]
        for _, article_id in day_members(state, day):
            member = state.member(article_id)
            label = state.label_of(member) if member else None
            if label and day_of(tuple(state.event(label).newest)) < cutoff:
                _drop_event(state, label)
        for key in hour_keys(day):
            if state.sort_keys(key):
                state.delete(key)
        if meta.days and meta.days[0] == day:
            meta.days.pop(0)
    while meta.members > limits.max_block_members and meta.days:
        _, article_id = day_members(state, meta.days[0])[0]
        _drop_event(state, state.label_of(state.member(article_id)))
    state.put("meta", meta)


def _drop_event(state: BlockState, label: str) -> None:
    """Forget an event whole: its labels, members, postings, index entries and published versions."""
    for part in subtree(state, label):
        event = state.event(part)
        for key in event.originals + event.copies:
            _drop_member(state, key)
        for index_key in event.index_keys:
            remove_sorted(state, index_key, part, state.labels)
        state.delete("e/" + part)
        _drop_published(state, event_id_for(part))


def _drop_member(state: BlockState, key: SortKey) -> None:
    article_id, meta = key[1], state.meta()
    # only the bands: validating the features of a member about to go cost more than removing it
    for band in orjson.loads(state.raw_features(article_id))["bands"]:
        remove_sorted(state, "b/" + band, key, state.sort_keys)
    if remove_sorted(state, hour_key(key), key, state.sort_keys) and not day_members(state, day_of(key)):
        meta.days.remove(day_of(key))
    state.delete("m/" + article_id)
    state.delete("f/" + article_id)
    state.delete("x/" + article_id)
    meta.members -= 1


def _drop_published(state: BlockState, event_id: str) -> None:
    published = state.published(event_id)
    if published is None:
        return
    state.delete("v/" + event_id)
    for alias in published.aliases:
        redirect = state.published(alias)
        if redirect is not None and redirect.merged_into == event_id:
            _drop_published(state, alias)
