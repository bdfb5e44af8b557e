import itertools

import pytest

from talkwire.processors.clustering import blocking_key, cluster_article
from talkwire.processors.features import synthetic_features
from talkwire.processors.records import EventFrame, Location
from talkwire.settings import Limits

LIMITS = Limits()
WIRE = " ".join(f"paragraphe{i} mot{i % 7} suite{i % 11} texte" for i in range(60))
WIRE_PARAGRAPHS = [" ".join(f"phrase{p}x{i} du paragraphe {p}" for i in range(15)) for p in range(6)]


def frame(day, round_=None, type_="negotiation_round", parties=("RU", "UA"), country="BY"):
    return EventFrame(
        event_type=type_,
        parties=list(parties),
        location=Location(country=country),
        date=f"2022-03-{day:02d}",
        date_precision="day",
        round=round_,
    )


def article(article_id, day, topic, hour=12, **kwargs):
    return synthetic_features(
        article_id, published_at=f"2022-03-{day:02d}T{hour:02d}:00:00+00:00", topic=topic, **kwargs
    )


def replay(items, limits=LIMITS):
    block, members, results = None, {}, []
    for item in items:
        result = cluster_article(block, item, members, limits)
        block = result.block
        results.append(result)
    return block, members, results


def final_events(results):
    latest = {}
    for result in results:
        for event in result.events:
            latest[event.event_id] = event
        for tombstone in result.tombstones:
            latest.pop(tombstone, None)
    return {k: v for k, v in latest.items() if v.merged_into is None}


def groups(block):
    by_cluster = {}
    for member in block.members:
        by_cluster.setdefault(member.cluster, set()).add(member.id)
    return sorted(sorted(ids) for ids in by_cluster.values())


def test_wire_copy_with_dropped_paragraph_points_to_the_original():
    original = article("a1", 3, "t1", body="\n\n".join(WIRE_PARAGRAPHS), frame=frame(3, 2), source="AFP")
    copy = article("a2", 3, "t1-copy", hour=13, body="\n\n".join(WIRE_PARAGRAPHS[:-1]), frame=frame(3, 2), source="Le Soir")
    second_copy = article("a3", 3, "t1-copy2", hour=14, body="\n\n".join(WIRE_PARAGRAPHS[1:]), frame=frame(3, 2))
    block, _, results = replay([original, copy, second_copy])
    assert results[1].enriched.duplicate_of == "a1"
    assert results[2].enriched.duplicate_of == "a1"
    assert results[0].enriched.duplicate_of is None
    assert groups(block) == [["a1", "a2", "a3"]]


def test_rounds_of_the_same_talks_stay_apart():
    items = [
        article("r1", 1, "talks", frame=frame(1, 1)),
        article("r2", 3, "talks", frame=frame(3, 2)),
        article("r3", 7, "talks", frame=frame(7, 3)),
        article("r2b", 3, "talks", hour=18, frame=frame(3, 2)),
    ]
    block, _, results = replay(items)
    assert groups(block) == [["r1"], ["r2", "r2b"], ["r3"]]
    assert len(final_events(results)) == 3


def test_french_and_english_reports_of_one_event_land_together():
    fr = article("fr1", 3, "round2", language="fr", frame=frame(3, 2), people=["Vladimir Medinski"])
    en = article("en1", 3, "round2", hour=15, language="en", frame=frame(3, None), people=["Vladimir Medinski"])
    block, _, results = replay([fr, en])
    assert groups(block) == [["en1", "fr1"]]
    (event,) = final_events(results).values()
    assert event.round == 2 and event.sources == 1 and len(event.articles) == 2


def test_phone_call_on_the_day_of_talks_is_a_separate_event():
    talks = article("t", 3, "talks", frame=frame(3, 2))
    call = article("c", 3, "call", hour=16, frame=frame(3, None, type_="phone_call", parties=("FR", "RU"), country=None))
    block, _, _ = replay([talks, call])
    assert groups(block) == [["c"], ["t"]]


def scenario():
    return [
        article("x1", 1, "talks", frame=frame(1, 1)),
        article("x2", 1, "talks", hour=14, frame=frame(1, 1)),
        article("x3", 3, "talks", frame=frame(3, 2)),
        article("x4", 3, "call", hour=16, frame=frame(3, None, type_="phone_call", parties=("FR", "RU"))),
        article("x5", 3, "talks", hour=20, body="\n\n".join(WIRE_PARAGRAPHS), frame=frame(3, 2)),
        article("x6", 4, "talks2", body="\n\n".join(WIRE_PARAGRAPHS[:-1]), frame=frame(3, 2)),
        article("x7", 7, "talks", frame=frame(7, 3)),
    ]


def snapshot(block, results):
    events = final_events(results)
    return groups(block), sorted((e.event_id, [a.id for a in e.articles], e.round) for e in events.values())


@pytest.mark.parametrize("order", list(itertools.islice(itertools.permutations(range(7)), 0, 5040, 499)))
def test_arrival_order_does_not_change_the_final_events(order):
    in_order = snapshot(*replay(scenario())[::2])
    items = scenario()
    shuffled = snapshot(*replay([items[i] for i in order])[::2])
    assert shuffled == in_order


def test_redelivery_changes_nothing_and_a_changed_body_is_a_conflict():
    first = article("r", 3, "talks", frame=frame(3, 2))
    block, members, _ = replay([first])
    frozen = block.to_json()
    again = cluster_article(block, article("r", 3, "talks", frame=frame(3, 2)), members, LIMITS)
    assert again.status == "redelivery" and again.events == [] and again.block.to_json() == frozen
    assert again.enriched.event_id is not None
    changed = cluster_article(block, article("r", 3, "talks", body="autre texte", frame=frame(3, 2)), members, LIMITS)
    assert changed.status == "conflict" and changed.events == []


def test_late_earlier_member_renames_the_event_with_a_redirect():
    later = article("m2", 3, "talks", hour=15, frame=frame(3, 2))
    earlier = article("m1", 3, "talks", hour=9, frame=frame(3, 2))
    block, _, results = replay([later, earlier])
    old_id = results[0].events[0].event_id
    redirect = [e for e in results[1].events if e.event_id == old_id]
    assert redirect and redirect[0].merged_into is not None and redirect[0].version == 2
    assert results[1].enriched.event_id == redirect[0].merged_into


def test_versions_only_bump_when_the_record_changes():
    block, members, results = replay([article("v1", 3, "talks", frame=frame(3, 2))])
    assert results[0].events[0].version == 1
    second = cluster_article(block, article("v2", 3, "talks", hour=13, frame=frame(3, 2)), members, LIMITS)
    assert [e.version for e in second.events] == [2]


def test_eviction_bounds_the_block():
    limits = Limits(active_window_days=2, max_block_members=3)
    items = [article(f"e{day}", day, f"topic{day}", frame=frame(day, day)) for day in range(1, 10)]
    block, members, _ = replay(items, limits)
    assert len(block.members) <= 3
    assert set(members) == {m.id for m in block.members}
    assert len(block.versions) <= 3


def test_article_without_frame_is_unclustered():
    item = synthetic_features("u", topic="x")
    item = item.model_copy(update={"enriched": item.enriched.model_copy(update={"frame": None})})
    result = cluster_article(None, item, {}, LIMITS)
    assert result.status == "unclustered" and result.events == []


def test_blocking_key_is_shared_by_reports_with_different_party_sets():
    assert blocking_key(article("k1", 3, "t", frame=frame(3, 2, parties=("RU", "UA")))) == blocking_key(
        article("k2", 3, "t", frame=frame(3, 2, parties=("BY", "RU", "UA")))
    )
