"""Outputs cut to the broker's message size: an event keeps its earliest articles and counts them all.

An output the broker refuses crashes the agent that sends it, and its input is lost; so an event
too large to send is published with fewer article references (and provenance ids), never dropped.
"""

from __future__ import annotations

from talkwire.processors.records import CanonicalEvent


def event_json_within(event: CanonicalEvent, max_bytes: int) -> bytes:
    """The JSON of ``event``, with its article lists halved until it fits in ``max_bytes`` when needed.

    Past zero articles it may still not fit (a huge title or quotes): the caller checks the size.
    """
    kept = len(event.articles)
    encoded = event.to_json()
    while len(encoded) > max_bytes and kept > 0:
        kept //= 2
        encoded = event.model_copy(update={
            "articles": event.articles[:kept],
            "provenance": {name: ids[:kept] for name, ids in event.provenance.items()},
            "articles_total": len(event.articles),
        }).to_json()
    return encoded
