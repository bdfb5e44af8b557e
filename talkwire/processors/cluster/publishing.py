"""Publishing a block's events: versions and digests of what was sent, redirects of the ids that
vanished (to the event holding most of their former members) and tombstones."""

from __future__ import annotations

import hashlib

import orjson

from talkwire.processors.cluster.block_state import BlockState
from talkwire.processors.records import CanonicalEvent, PublishedEvent


def survivor_of(state: BlockState, former: list[str]) -> str | None:
    """The live label holding most of a vanished label's former members (ties: smallest label)."""
    counts: dict[str, int] = {}
    for article_id in former:
        member = state.member(article_id)
        label = state.label_of(member) if member else None
        if label:
            counts[label] = counts.get(label, 0) + 1
    return min(counts, key=lambda l: (-counts[l], l)) if counts else None


def retract(state: BlockState, event_id: str) -> list[str]:
    """Forget a published event and the redirects to it (a redirect to a deleted event would be a
    dead end); the ids to tombstone."""
    gone = [event_id, *_redirects_to(state, event_id)]
    for dead in gone:
        state.delete("v/" + dead)
    return gone


def _redirects_to(state: BlockState, event_id: str) -> list[str]:
    """The event ids currently published as redirects to this one."""
    published = state.published(event_id)
    aliases = published.aliases if published else []
    return [alias for alias in aliases if (redirect := state.published(alias)) and redirect.merged_into == event_id]


def emit(state: BlockState, event: CanonicalEvent, out: list[CanonicalEvent]) -> None:
    """Publish only when the record changed; the version is monotonic per event id.

    A redirect takes over the redirects to its event: they are republished pointing at its
    target, so a client never follows more than one hop.
    """
    digest = hashlib.sha1(orjson.dumps(event.model_dump(mode="json", exclude={"version"}))).hexdigest()[:16]
    published = state.published(event.event_id)
    if published is not None and published.digest == digest:
        return
    version = (published.version if published else 0) + 1
    moved = _redirects_to(state, event.event_id) if event.merged_into else []
    aliases = published.aliases if published and not event.merged_into else []
    state.put("v/" + event.event_id, PublishedEvent(version=version, digest=digest, merged_into=event.merged_into, aliases=aliases))
    target = state.published(event.merged_into) if event.merged_into else None
    if target is not None and event.event_id not in target.aliases:
        target.aliases.append(event.event_id)
        state.put("v/" + event.merged_into, target)
    out.append(event.model_copy(update={"version": version}))
    for alias in moved:
        emit(state, CanonicalEvent(event_id=alias, version=0, merged_into=event.merged_into), out)
