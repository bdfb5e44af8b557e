"""``talkwire dead-letters replay``: send chosen dead letters back where they were read from, once.

A dead letter holds the original bytes and key of the message and the topic it was read from (the
raw topic for the parse stage, the worker's internal topic for later stages). Replaying sends
those bytes with that key to that topic, so the stage that refused the message reads it again
(after a fix, or with raised limits). Each replayed dead letter is remembered by its coordinates
(partition:offset on the dead-letter topic) in a compacted topic, ``<dead-letter topic>-replayed``,
so a second run does not send it again. The record is written after the broker has the resend: a
run killed in between sends that one again next time, which the pipeline absorbs (a resend of the
same bytes is a redelivery).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson

from talkwire.cli.terminal import printable_line
from talkwire.cli.topic_reader import MissingTopic, ReadOptions, parse_time, read_topic
from talkwire.processors.dead_letters import original_bytes
from talkwire.processors.records import DeadLetter
from talkwire.settings import Settings

EVERYTHING = ReadOptions(from_beginning=True, exit_at_end=True)


@dataclass(frozen=True)
class Stored:
    """A dead letter and where it sits on the dead-letter topic."""

    partition: int
    offset: int
    letter: DeadLetter

    @property
    def coordinates(self) -> str:
        return f"{self.partition}:{self.offset}"


@dataclass(frozen=True)
class Selection:
    reasons: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()
    since_ms: int | None = None
    until_ms: int | None = None

    def matches(self, letter: DeadLetter) -> bool:
        written_ms = int(datetime.fromisoformat(letter.timestamp).timestamp() * 1000)
        return ((not self.reasons or letter.reason in self.reasons)
                and (not self.keys or bool({letter.key, letter.article_id} & self.keys))
                and (self.since_ms is None or written_ms >= self.since_ms)
                and (self.until_ms is None or written_ms < self.until_ms))


def ledger_topic(settings: Settings) -> str:
    return f"{settings.topic_dead_letters}-replayed"


def register(subparsers: argparse._SubParsersAction) -> None:
    from talkwire.cli.kafka import connection_options

    command = subparsers.add_parser("dead-letters", help="operator commands on the dead-letter topic")
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
    replay = actions.add_parser(
        "replay", parents=[connection_options()], help="send chosen dead letters back, once",
        description=__doc__.split("\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Filters combine (all must hold; a repeated filter is any of its values). Letters whose original "
               "was cut to fit the broker (original_truncated) cannot be replayed and are listed as such.\n"
               "examples:\n"
               "  talkwire dead-letters replay --reason extraction_failed --dry-run\n"
               "  talkwire dead-letters replay --since 2026-12-06T08:00 --until 2026-12-06T09:00\n"
               "  talkwire dead-letters replay --key article-17 --key article-18",
    )
    replay.add_argument("--reason", action="append", help="only this reason (repeatable)")
    replay.add_argument("--key", action="append", help="only this message key or article id (repeatable)")
    replay.add_argument("--since", metavar="TIME", help="only letters written at or after TIME (ISO 8601 or 30m, 2h, 1d ago)")
    replay.add_argument("--until", metavar="TIME", help="only letters written before TIME (same forms)")
    replay.add_argument("--dry-run", action="store_true", help="list what would be sent; send and remember nothing")
    replay.set_defaults(func=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    from talkwire.cli.kafka import settings_from_args

    settings = settings_from_args(args)
    selection = Selection(
        reasons=frozenset(args.reason or ()), keys=frozenset(args.key or ()),
        since_ms=parse_time(args.since) if args.since else None,
        until_ms=parse_time(args.until) if args.until else None,
    )
    return asyncio.run(replay(settings, selection, dry_run=args.dry_run))


async def replay(settings: Settings, selection: Selection, *, dry_run: bool) -> int:
    letters = await read_letters(settings)
    replayed = await read_ledger(settings)
    chosen = [stored for stored in letters if selection.matches(stored.letter)]
    to_send = []
    for stored in chosen:
        skip = _why_not(stored, replayed)
        if skip:
            say(stored, f"skipped ({skip})")
        else:
            to_send.append(stored)
    if dry_run:
        for stored in to_send:
            say(stored, f"would send to {stored.letter.topic}")
    elif to_send:
        await send(settings, to_send)
    verb = "would send" if dry_run else "sent"
    print(f"{len(letters)} dead letters, {len(chosen)} chosen, {verb} {len(to_send)}, "
          f"skipped {len(chosen) - len(to_send)}", file=sys.stderr)
    return 0


def _why_not(stored: Stored, replayed: set[str]) -> str | None:
    if stored.coordinates in replayed:
        return "replayed before"
    if stored.letter.original_truncated:
        return f"original cut to fit the broker, {stored.letter.original_size} bytes"
    if not stored.letter.topic:
        return "no source topic"
    return None


def say(stored: Stored, what: str) -> None:
    letter = stored.letter
    print(printable_line(f"{stored.coordinates} {letter.timestamp} {letter.reason} key={letter.key}: {what}"))


async def read_letters(settings: Settings) -> list[Stored]:
    letters: list[Stored] = []

    def on_record(record) -> None:
        if record.value is not None:
            letters.append(Stored(record.partition, record.offset, DeadLetter.from_json(record.value)))

    await read_topic(settings, settings.topic_dead_letters, on_record, EVERYTHING)
    return sorted(letters, key=lambda stored: (stored.letter.timestamp, stored.partition, stored.offset))


async def read_ledger(settings: Settings) -> set[str]:
    """Coordinates of the dead letters replayed before (none when the ledger topic does not exist yet)."""
    replayed: set[str] = set()
    try:
        await read_topic(settings, ledger_topic(settings), lambda record: replayed.add(record.key.decode()), EVERYTHING)
    except MissingTopic:
        pass
    return replayed


async def send(settings: Settings, letters: list[Stored]) -> None:
    """Each original to its topic, then its coordinates to the ledger, each acknowledged in turn."""
    from aiokafka import AIOKafkaProducer

    from talkwire.streams.connection import client_options
    from talkwire.streams.topics import TopicSpec, ensure_topics

    await ensure_topics(settings, [TopicSpec(ledger_topic(settings), "dead letters replayed, key = partition:offset",
                                             1, {"cleanup.policy": "compact"})])
    producer = AIOKafkaProducer(**client_options(settings), acks="all")
    await producer.start()
    try:
        for stored in letters:
            letter = stored.letter
            key = letter.key.encode() if letter.key is not None else None
            delivered = await (await producer.send(letter.topic, value=original_bytes(letter), key=key))
            note = {"replayed_at": datetime.now(timezone.utc).isoformat(), "topic": delivered.topic,
                    "partition": delivered.partition, "offset": delivered.offset}
            await (await producer.send(ledger_topic(settings), key=stored.coordinates.encode(), value=orjson.dumps(note)))
            say(stored, f"sent to {delivered.topic} {delivered.partition}:{delivered.offset}")
    finally:
        await producer.stop()
