"""Limits: a flood of near-identical articles cannot grow clustering state or event records without bound,
and the input limits are configurable by environment variables."""

from __future__ import annotations

import resource
from dataclasses import replace

import orjson
import pytest

from talkwire.processors.cluster.clustering import cluster_article
from talkwire.processors.errors import InputError
from talkwire.processors.cluster.features import synthetic_features
from talkwire.processors.parse.parsing import parse_message
from talkwire.processors.records import EventFrame, Location
from talkwire.settings import Limits, Settings

FLOOD = 3000
MAX_MEMBERS = 300
MAX_REFS = 50
STORY = ("Les délégations russe et ukrainienne se sont retrouvées lundi à Istanbul pour un nouveau round de "
         "pourparlers, sous l'égide de la Turquie. Les deux parties ont évoqué un cessez-le-feu, le statut de "
         "la Crimée et des garanties de sécurité, a indiqué un négociateur ukrainien à la presse.")
FRAME = EventFrame(event_type="negotiation_round", parties=["RU", "UA"], date="2022-03-28", date_precision="day",
                   location=Location(place="Istanbul", country="TR"))


def flood_article(index: int):
    """Copy number ``index``: the same story with one changed word, published a second after the last."""
    minute, second = divmod(index, 60)
    hour, minute = divmod(minute, 60)
    return synthetic_features(
        f"flood-{index:05d}", published_at=f"2022-03-28T{8 + hour:02d}:{minute:02d}:{second:02d}+00:00",
        body=f"{STORY} Dépêche {index}.", title="Pourparlers à Istanbul", source=f"Outlet {index % 40}",
        topic="istanbul-talks", frame=FRAME,
    )


def store_bytes(store: dict[str, bytes]) -> int:
    return sum(len(key) + len(value) for key, value in store.items())


@pytest.mark.slow
def test_a_flood_of_near_copies_keeps_block_state_bounded() -> None:
    limits = Limits(max_block_members=MAX_MEMBERS, max_articles_per_event=MAX_REFS)
    store: dict[str, bytes] = {}
    sizes: list[int] = []
    largest_event, tombstones, event_ids = 0, 0, set()
    for index in range(FLOOD):
        result = cluster_article(store, flood_article(index), limits)
        assert result.status == "clustered", (index, result.status)
        members = sum(1 for key in store if key.startswith("f/"))
        assert members <= MAX_MEMBERS, (index, members)
        largest_event = max([largest_event, *(len(event.articles) for event in result.events)])
        tombstones += len(result.tombstones)
        event_ids |= {event.event_id for event in result.events}
        sizes.append(store_bytes(store))

    assert 0 < largest_event <= MAX_REFS
    # state plateaus: the last two thirds of the flood never hold more than the first third did
    first_third = max(sizes[: FLOOD // 3])
    assert max(sizes[FLOOD // 3:]) <= first_third * 1.05, (first_third, max(sizes[FLOOD // 3:]))
    print(f"flood of {FLOOD}: store <= {max(sizes) / 1e6:.2f} MB, {len(store)} keys at the end, "
          f"{len(event_ids)} event ids, {tombstones} tombstones, "
          f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


def live_event_records(count: int, limits: Limits) -> list[tuple[int, int]]:
    """(article refs, JSON size) of each live event record a flood of ``count`` copies publishes."""
    store: dict[str, bytes] = {}
    records = []
    for index in range(count):
        result = cluster_article(store, flood_article(index), limits)
        records += [(len(e.articles), len(e.to_json())) for e in result.events if e.merged_into is None]
    return records


def test_event_records_list_at_most_the_configured_articles() -> None:
    records = live_event_records(MAX_REFS * 2, Limits(max_articles_per_event=MAX_REFS))
    assert max(refs for refs, _ in records) == MAX_REFS


def test_event_record_size_stops_growing_at_the_article_cap() -> None:
    records = live_event_records(MAX_REFS * 3, Limits(max_articles_per_event=MAX_REFS))
    at_cap = max(size for refs, size in records if refs == MAX_REFS - 1)
    assert records[-1][1] <= 1.1 * at_cap, (at_cap, records[-1][1])


def test_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"TALKWIRE_MAX_MESSAGE_BYTES": "5000", "TALKWIRE_MAX_BODY_CHARS": "400",
                                  "TALKWIRE_MAX_ENTITIES": "7", "TALKWIRE_MAX_ARTICLES_PER_EVENT": "9",
                                  "TALKWIRE_MAX_BLOCK_MEMBERS": "11"})
    assert settings.limits == replace(Limits(), max_message_bytes=5000, max_body_chars=400, max_entities=7,
                                      max_articles_per_event=9, max_block_members=11)


@pytest.mark.parametrize(("body_words", "reason"), [(2000, "message_too_large"), (150, "body_too_large")])
def test_size_limits_reject_with_a_reason(body_words: int, reason: str) -> None:
    limits = Limits(max_message_bytes=5000, max_body_chars=400)
    raw = orjson.dumps({"id": "big", "source": "S", "published_at": "2022-03-28T08:00:00+00:00",
                        "body": "pourparlers " * body_words})
    with pytest.raises(InputError) as error:
        parse_message(raw, limits)
    assert error.value.code == reason
