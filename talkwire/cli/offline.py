"""``talkwire replay`` and ``talkwire eval``: the stream's processing, offline, over files."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import orjson

from talkwire.processors.baseline import centroid_clusters
from talkwire.processors.evaluation import Corpus, evaluate, load_corpus
from talkwire.processors.pipeline import OfflinePipeline, read_messages
from talkwire.processors.records import CanonicalEvent, ReplayResult
from talkwire.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    replay = subparsers.add_parser("replay", help="replay article files offline and print the final events")
    replay.add_argument("path", metavar="FILE|DIR", help="JSONL, JSON, dispatch .txt, or a folder of those")
    replay.add_argument("--json", action="store_true", help="one JSON line per final event")
    replay.add_argument("--dead-letters", metavar="OUT", help="write the dead letters to OUT as JSON lines")
    replay.add_argument("--strict", action="store_true", help="exit 1 when any message was dead-lettered")
    replay.set_defaults(func=run_replay)

    evaluation = subparsers.add_parser("eval", help="score a replay of a labelled corpus folder")
    evaluation.add_argument("path", metavar="DIR", help="folder with articles.jsonl, gold.jsonl, events.json")
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.add_argument("--via-kafka", action="store_true",
                            help="send the articles to the running pipeline (TALKWIRE_* settings) and score its output")
    evaluation.add_argument("--timeout", type=float, default=600.0, metavar="S",
                            help="with --via-kafka: give up when articles are still missing after S seconds")
    evaluation.set_defaults(func=run_eval)


def run_replay(args: argparse.Namespace) -> int:
    result = OfflinePipeline(Settings.from_env()).run(read_messages(args.path))
    if args.dead_letters:
        Path(args.dead_letters).write_bytes(b"".join(letter.to_json() + b"\n" for letter in result.dead_letters))
    if args.json:
        sys.stdout.buffer.write(b"".join(event.to_json() + b"\n" for event in result.events))
        sys.stdout.flush()
    else:
        _print_events(result)
    return 1 if args.strict and result.dead_letters else 0


def run_eval(args: argparse.Namespace) -> int:
    corpus = load_corpus(args.path)
    messages = list(read_messages(corpus.articles_path))
    settings = Settings.from_env()
    if args.via_kafka:
        result = asyncio.run(_replay_via_kafka(settings, corpus, args.timeout))
    else:
        result = OfflinePipeline(settings).run(messages)
    metrics = evaluate(result, corpus, articles=len(messages), baseline=centroid_clusters([item.article for item in result.enriched]))
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(metrics) + b"\n")
        sys.stdout.flush()
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"talkwire eval {args.path}")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for name, value in metrics.items():
            table.add_row(name, str(value))
        Console().print(table)
    return 0


async def _replay_via_kafka(settings: Settings, corpus: Corpus, timeout_s: float) -> ReplayResult:
    """The corpus through the running pipeline: produced to its raw topic, its outputs read back."""
    from talkwire.cli.kafka import produce, read_input
    from talkwire.streams.roundtrip import collect_replay, expected_article_ids

    messages = read_input(str(corpus.articles_path))  # keyed by article id, as `talkwire produce` sends them
    started = time.monotonic()
    _, failed = await produce(settings, settings.topic_raw, messages)
    if failed:
        raise RuntimeError(f"{failed} of {len(messages)} articles could not be sent to {settings.topic_raw}")
    ids = expected_article_ids(messages, settings.limits)
    return await collect_replay(settings, ids, started=started, timeout_s=timeout_s)


def _print_events(result: ReplayResult) -> None:
    from rich.console import Console

    console = Console()
    for event in result.events:
        console.print(_event_summary(event))
    console.print(
        f"[bold]{len(result.events)}[/bold] events from {len(result.enriched)} articles, "
        f"{len(result.dead_letters)} dead letters, {result.seconds:.1f} s"
    )


def _event_summary(event: CanonicalEvent) -> str:
    place = ", ".join(p for p in (event.location.place, event.location.region, event.location.country) if p)
    round_text = f" round {event.round}" if event.round else ""
    header = f"[bold]{event.event_id}[/bold] v{event.version} {event.event_type}{round_text} {event.date or '?'}"
    lines = [
        f"{header} {'-'.join(event.parties) or '?'} @ {place or '?'}",
        f"  {event.title}",
        f"  {len(event.articles)} articles, {event.sources} sources; outcomes: {', '.join(event.outcomes) or '-'}",
    ]
    return "\n".join(lines)
