import dataclasses
import itertools

import numpy as np
import pytest

from talkwire.processors.cluster.block_state import Evidence, event_id_for
from talkwire.processors.cluster.clustering import JOIN_SCORE, blocking_key, cluster_article
from talkwire.processors.cluster.scoring import MAX_FRAME_PENALTY, pair_score
from talkwire.processors.cluster.embedding import decode_vector, encode_vector
from talkwire.processors.cluster.features import synthetic_features, synthetic_history
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


class Block:
    """A block's store plus the enriched records it published (latest per article, as on the topic)."""

    def __init__(self):
        self.store, self.enriched = {}, {}

    def add(self, item, limits=LIMITS):
        result = cluster_article(self.store, item, limits)
        if result.status != "conflict":
            for enriched in [result.enriched, *result.relabelled]:
                self.enriched[enriched.article.id] = enriched
        return result

    def member_ids(self):
        return {key[2:] for key in self.store if key.startswith("m/")}

    def labels(self):
        return {i: self.enriched[i].event_id for i in self.member_ids()}


def replay(items, limits=LIMITS):
    block = Block()
    return block, [block.add(item, limits) for item in items]


def latest_events(results):
    """The events topic read to its end: the latest record per key, tombstones applied."""
    latest = {}
    for result in results:
        for event in result.events:
            latest[event.event_id] = event
        for tombstone in result.tombstones:
            latest.pop(tombstone, None)
    return latest


def final_events(results):
    return {k: v for k, v in latest_events(results).items() if v.merged_into is None}


def groups(block):
    by_cluster = {}
    for article_id, event_id in block.labels().items():
        by_cluster.setdefault(event_id, set()).add(article_id)
    return sorted(sorted(ids) for ids in by_cluster.values())


def test_wire_copy_with_dropped_paragraph_points_to_the_original():
    original = article("a1", 3, "t1", body="\n\n".join(WIRE_PARAGRAPHS), frame=frame(3, 2), source="AFP")
    copy = article("a2", 3, "t1-copy", hour=13, body="\n\n".join(WIRE_PARAGRAPHS[:-1]), frame=frame(3, 2), source="Le Soir")
    second_copy = article("a3", 3, "t1-copy2", hour=14, body="\n\n".join(WIRE_PARAGRAPHS[1:]), frame=frame(3, 2))
    block, results = replay([original, copy, second_copy])
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
    block, results = replay(items)
    assert groups(block) == [["r1"], ["r2", "r2b"], ["r3"]]
    assert len(final_events(results)) == 3


def test_reports_of_one_numbered_round_join_across_the_weeks_it_lasts():
    items = [
        article("open", 1, "talks", frame=frame(1, 5)),
        article("close", 16, "talks", frame=frame(16, 5)),  # the same round, closing two weeks later
        article("next", 20, "talks", frame=frame(20, 6)),
    ]
    block, _ = replay(items)
    assert groups(block) == [["close", "open"], ["next"]]


def test_a_date_two_days_off_lowers_the_score_and_four_days_part_the_reports():
    block, _ = replay([article("a", 3, "talks", frame=frame(3)), article("b", 4, "talks", frame=frame(5))])
    assert groups(block) == [["a", "b"]]  # a misread weekday, or the second day of the meeting
    block, _ = replay([article("a", 3, "talks", frame=frame(3)), article("b", 6, "talks", frame=frame(7))])
    assert groups(block) == [["a"], ["b"]]


def test_a_type_slip_within_one_family_costs_less_than_another_family():
    def evidence(event_type):
        return Evidence(round=None, day=738_000, parties=frozenset({"RU", "UA"}), event_type=event_type,
                         country="BY", entities=frozenset())

    similarity = 0.55  # two reports of one meeting told quite differently
    assert pair_score(evidence("summit"), evidence("negotiation_round"), similarity) >= JOIN_SCORE
    assert pair_score(evidence("phone_call"), evidence("negotiation_round"), similarity) < JOIN_SCORE


def test_an_article_that_reports_no_event_builds_none():
    match = article("m", 3, "football", frame=frame(3, type_="other").model_copy(update={"reports_event": False}))
    block, results = replay([match])
    assert results[0].events == [] and block.labels() == {"m": None}


def test_a_report_without_event_words_still_joins_the_event_it_reports():
    silent = frame(3).model_copy(update={"reports_event": False})
    block, results = replay([article("a", 3, "talks", frame=silent), article("b", 3, "talks", hour=15, frame=frame(3))])
    assert results[0].events == []  # alone, it published nothing
    (event,) = final_events(results).values()
    assert {ref.id for ref in event.articles} == {"a", "b"} and set(block.labels().values()) == {event.event_id}


def test_french_and_english_reports_of_one_event_land_together():
    fr = article("fr1", 3, "round2", language="fr", frame=frame(3, 2), people=["Vladimir Medinski"])
    en = article("en1", 3, "round2", hour=15, language="en", frame=frame(3, None), people=["Vladimir Medinski"])
    block, results = replay([fr, en])
    assert groups(block) == [["en1", "fr1"]]
    (event,) = final_events(results).values()
    assert event.round == 2 and event.sources == 1 and len(event.articles) == 2


def test_phone_call_on_the_day_of_talks_is_a_separate_event():
    talks = article("t", 3, "talks", frame=frame(3, 2))
    call = article("c", 3, "call", hour=16, frame=frame(3, None, type_="phone_call", parties=("FR", "RU"), country=None))
    block, _ = replay([talks, call])
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
    articles = sorted((e.event_id, [(a.id, a.duplicate_of) for a in e.articles], e.round) for e in events.values())
    return groups(block), block.labels(), articles


@pytest.mark.parametrize("order", list(itertools.islice(itertools.permutations(range(7)), 0, 5040, 499)))
def test_arrival_order_does_not_change_the_final_events(order):
    in_order = snapshot(*replay(scenario()))
    items = scenario()
    shuffled = snapshot(*replay([items[i] for i in order]))
    assert shuffled == in_order


def bridged():
    """Two reports four days apart (too far to join), then one dated between them that merges their
    events, then the earliest report, which renames the merged event: y2's event is absorbed twice."""
    return [
        article("y1", 3, "talks", frame=frame(3)),
        article("y2", 7, "talks", frame=frame(7)),
        article("y3", 8, "talks", hour=9, frame=frame(5)),
        article("y0", 2, "talks", frame=frame(2)),
    ]


def assert_one_hop(block, results):
    """Every redirect and every enriched record names a live event."""
    latest = latest_events(results)
    live = {event_id for event_id, event in latest.items() if event.merged_into is None}
    assert {event.merged_into for event in latest.values() if event.merged_into} <= live
    assert set(block.labels().values()) <= live


def test_a_redirect_whose_target_is_absorbed_points_at_the_survivor():
    block, results = replay(bridged())
    y1, y2, y0 = (event_id_for(label) for label in ("y1", "y2", "y0"))
    assert latest_events(results[:3])[y2].merged_into == y1
    final = latest_events(results)
    assert final[y2].merged_into == final[y1].merged_into == y0 and list(final_events(results)) == [y0]
    # the last step republished the redirect y2 -> y1 as y2 -> y0, and every earlier member relabelled
    assert [e.article.id for e in results[3].relabelled] == ["y1", "y2", "y3"]
    assert block.labels() == dict.fromkeys(["y0", "y1", "y2", "y3"], y0)
    assert_one_hop(block, results)


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_redirects_and_enriched_records_name_live_events_in_any_arrival_order(order):
    in_order = snapshot(*replay(bridged()))
    items = bridged()
    block, results = replay([items[i] for i in order])
    assert snapshot(block, results) == in_order
    assert_one_hop(block, results)


@pytest.mark.parametrize("order", list(itertools.islice(itertools.permutations(range(7)), 0, 5040, 997)))
def test_scenario_redirects_are_one_hop_in_any_arrival_order(order):
    items = scenario()
    assert_one_hop(*replay([items[i] for i in order[::-1]]))


def test_arrival_order_does_not_change_the_store_once_settled():
    """Undo and redo leave no trace: the same members give the same stored state."""
    items = scenario()
    in_order, _ = replay(items)
    reversed_order, _ = replay(items[::-1])
    assert {k: v for k, v in reversed_order.store.items() if not k.startswith("v/")} == {
        k: v for k, v in in_order.store.items() if not k.startswith("v/")
    }


def test_redelivery_changes_nothing_and_a_changed_body_is_a_conflict():
    first = article("r", 3, "talks", frame=frame(3, 2))
    block, _ = replay([first])
    frozen = dict(block.store)
    again = block.add(article("r", 3, "talks", frame=frame(3, 2)))
    assert again.status == "redelivery" and again.events == [] and block.store == frozen
    assert again.enriched.event_id is not None
    changed = block.add(article("r", 3, "talks", body="autre texte", frame=frame(3, 2)))
    assert changed.status == "conflict" and changed.events == [] and block.store == frozen


def test_late_earlier_member_renames_the_event_with_a_redirect():
    later = article("m2", 3, "talks", hour=15, frame=frame(3, 2))
    earlier = article("m1", 3, "talks", hour=9, frame=frame(3, 2))
    block, results = replay([later, earlier])
    old_id = results[0].events[0].event_id
    redirect = [e for e in results[1].events if e.event_id == old_id]
    assert redirect and redirect[0].merged_into is not None and redirect[0].version == 2
    assert results[1].enriched.event_id == redirect[0].merged_into


def test_versions_only_bump_when_the_record_changes():
    block, results = replay([article("v1", 3, "talks", frame=frame(3, 2))])
    assert results[0].events[0].version == 1
    second = block.add(article("v2", 3, "talks", hour=13, frame=frame(3, 2)))
    assert [e.version for e in second.events] == [2]


def test_eviction_bounds_the_block():
    limits = Limits(active_window_days=2, max_block_members=3)
    items = [article(f"e{day}", day, f"topic{day}", frame=frame(day, day)) for day in range(1, 10)]
    block, _ = replay(items, limits)
    kinds = {}
    for key in block.store:
        kinds.setdefault(key.split("/")[0], set()).add(key.split("/", 1)[-1])
    assert kinds["m"] == kinds["f"] and len(kinds["m"]) <= 3
    assert len(kinds["v"]) <= 3 and len(kinds["e"]) <= 3
    assert {hour[:10] for hour in kinds["d"]} <= {f"2022-03-{day:02d}" for day in range(7, 10)}


def test_article_without_frame_is_unclustered():
    item = synthetic_features("u", topic="x")
    item = item.model_copy(update={"enriched": item.enriched.model_copy(update={"frame": None})})
    store = {}
    result = cluster_article(store, item, LIMITS)
    assert result.status == "unclustered" and result.events == [] and store == {}


def test_blocking_key_is_shared_by_reports_with_different_party_sets():
    assert blocking_key(article("k1", 3, "t", frame=frame(3, 2, parties=("RU", "UA")))) == blocking_key(
        article("k2", 3, "t", frame=frame(3, 2, parties=("BY", "RU", "UA")))
    )


class CountingStore(dict):
    reads = 0

    def get(self, key, default=None):
        self.reads += 1
        return super().get(key, default)


def reads_per_article(history, limits):
    store = CountingStore()
    for item in synthetic_history(history, articles_per_day=40, articles_per_event=5):
        cluster_article(store, item, limits)
    store.reads = 0
    probe = list(synthetic_history(40, articles_per_day=40, articles_per_event=5, first_index=history))
    for item in probe:
        cluster_article(store, item, limits)
    return store.reads / len(probe)


def test_reads_per_article_do_not_grow_with_the_state():
    limits = Limits(active_window_days=1000, max_block_members=100_000)
    small, large = reads_per_article(120, limits), reads_per_article(1200, limits)
    assert large <= small * 1.05, (small, large)


def test_reports_of_a_multi_day_meeting_join_within_the_length_one_of_them_gives():
    opening = Evidence(round=None, day=738_000, parties=frozenset({"YE", "HOUTHI"}), event_type="negotiation_round",
                        country="JO", entities=frozenset())
    closing = dataclasses.replace(opening, day=738_006, meeting_days=7)  # "after a week of talks"
    assert pair_score(opening, closing, 0.7) > 0
    assert pair_score(opening, dataclasses.replace(closing, meeting_days=0), 0.7) == -1.0


def test_a_report_dated_after_the_length_another_gives_is_another_meeting():
    closing = Evidence(round=None, day=738_006, parties=frozenset({"YE", "HOUTHI"}), event_type="negotiation_round",
                       country="JO", entities=frozenset(), meeting_days=7)
    later = dataclasses.replace(closing, day=738_011, meeting_days=0)  # its week had ended five days before
    assert pair_score(closing, later, 0.7) == -1.0 == pair_score(later, closing, 0.7)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_reports_of_a_week_of_talks_join_the_opening_report_in_any_arrival_order(order):
    """The closing report says the talks had lasted a week: six days after the opening, past the
    SOFT_GAP_DAYS a report looks around its own day, both find each other whichever comes first."""
    items = [
        article("opening", 10, "talks", frame=frame(10)),
        article("closing", 16, "talks", frame=frame(16).model_copy(update={"meeting_days": 7})),
        article("next-week", 21, "talks", frame=frame(21)),  # another meeting, past the week
    ]
    block, _ = replay([items[i] for i in order])
    assert groups(block) == [["closing", "opening"], ["next-week"]]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_reports_within_the_days_an_opening_report_says_the_talks_will_last_join_it_in_any_order(order):
    items = [
        article("opening", 10, "talks", frame=frame(10).model_copy(update={"planned_days": 5})),  # "cinq jours de négociations"
        article("closing", 14, "talks", frame=frame(14)),  # "Mont-Pèlerin : des progrès mais pas de carte"
        article("next-week", 19, "talks", frame=frame(19)),
    ]
    block, _ = replay([items[i] for i in order])
    assert groups(block) == [["closing", "opening"], ["next-week"]]


def test_a_report_close_to_two_events_folds_them_into_one():
    """A report whose embedding is as close to both (cosine 0.71: the English and the French reports of
    one summit, say) and whose frame neither helps nor hurts joins one and merges the other."""
    first, second = article("fr", 3, "summit-fr"), article("en", 3, "summit-en", hour=13)
    both = decode_vector(first.embedding) + decode_vector(second.embedding)
    bridge = article("both", 3, "bridge", hour=14, frame=frame(3, parties=("DE", "FR")))
    bridge = bridge.model_copy(update={"embedding": encode_vector(both / np.linalg.norm(both))})
    first, second = (item.model_copy(update={"enriched": item.enriched.model_copy(update={"frame": frame(3)})})
                     for item in (first, second))
    block, _ = replay([first, second, bridge])
    assert groups(block) == [["both", "en", "fr"]]


def test_frame_evidence_against_a_close_embedding_is_capped():
    meeting = Evidence(round=None, day=738_000, parties=frozenset({"RU", "UA"}), event_type="negotiation_round",
                       country="TR", entities=frozenset())
    noisy = dataclasses.replace(meeting, parties=frozenset({"UN"}), event_type="incident", country="UA")
    assert pair_score(meeting, noisy, 0.8) >= 0.8 - MAX_FRAME_PENALTY
    assert pair_score(meeting, dataclasses.replace(noisy, day=738_005), 0.99) == -1.0  # days apart still conflict


def test_a_report_naming_one_more_side_still_agrees_on_the_parties():
    """Government and opposition in one report, the mediator too in another: the same talks. One
    party alone is no agreement to go on."""
    talks = Evidence(round=None, day=738_000, parties=frozenset({"VE", "PUD"}), event_type="negotiation_round",
                     country="MX", entities=frozenset())
    with_mediator = dataclasses.replace(talks, parties=frozenset({"VE", "PUD", "NO"}))
    other_talks = dataclasses.replace(talks, parties=frozenset({"VE", "CO"}))
    assert pair_score(talks, with_mediator, 0.5) == pytest.approx(pair_score(talks, talks, 0.5))
    assert pair_score(talks, other_talks, 0.5) < pair_score(talks, with_mediator, 0.5)
    government_only = dataclasses.replace(talks, parties=frozenset({"VE"}))
    assert pair_score(talks, government_only, 0.5) < pair_score(talks, with_mediator, 0.5)
