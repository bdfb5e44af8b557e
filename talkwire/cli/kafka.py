"""Commands that talk to Kafka: ``worker``, ``produce``, ``tail``, ``topics``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from talkwire.processors.parsing import is_json
from talkwire.processors.pipeline import read_messages
from talkwire.processors.records import CanonicalEvent, RawMessage
from talkwire.settings import Settings

TOPIC_ROLES = {"raw": "topic_raw", "enriched": "topic_enriched", "events": "topic_events",
               "dead-letters": "topic_dead_letters"}


def register(subparsers: argparse._SubParsersAction) -> None:
    connection = argparse.ArgumentParser(add_help=False)
    group = connection.add_argument_group("connection (default: TALKWIRE_* variables)")
    group.add_argument("--bootstrap", dest="kafka_bootstrap", help="host:port[,host:port] (TALKWIRE_KAFKA_BOOTSTRAP)")
    group.add_argument("--security-protocol", choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])
    group.add_argument("--sasl-mechanism", choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    group.add_argument("--sasl-username", help="the password is read from TALKWIRE_SASL_PASSWORD only")
    group.add_argument("--app-id", help="Faust application id, also the prefix of internal topics")
    group.add_argument("--partitions", dest="topic_partitions", type=int, help="partitions of created topics")

    worker = subparsers.add_parser("worker", parents=[connection], help="run a Faust worker (ingest, extract, cluster)")
    worker.add_argument("--data-dir", help="RocksDB table directory (TALKWIRE_DATA_DIR)")
    worker.add_argument("--web-port", type=int, help="Faust web port (TALKWIRE_WEB_PORT)")
    worker.add_argument("--web-host", help="Faust web bind address (TALKWIRE_WEB_HOST)")
    worker.add_argument("--loglevel", default="info", help="worker log level")
    worker.set_defaults(func=run_worker)

    produce = subparsers.add_parser("produce", parents=[connection], help="send articles to the raw topic")
    produce.add_argument("path", help="a .jsonl/.json/.txt file, a folder of them, or - for stdin")
    produce.add_argument("--topic", help="target topic (default: the raw topic)")
    produce.add_argument("--quiet", action="store_true", help="no progress bar")
    produce.set_defaults(func=run_produce)

    tail = subparsers.add_parser("tail", parents=[connection], help="print a topic's records, following it like kcat -C")
    tail.add_argument("topic", help="a topic name or a role: " + ", ".join(TOPIC_ROLES))
    tail.add_argument("--from-beginning", action="store_true")
    tail.add_argument("--json", action="store_true", help="one JSON line per record")
    tail.add_argument("--latest", action="store_true", help="keep the latest record per key; print them at the end")
    tail.add_argument("--idle-exit", type=float, metavar="S",
                      help="stop once S seconds pass without a new record (counted from the first record)")
    tail.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds in any case")
    tail.set_defaults(func=run_tail)

    topics = subparsers.add_parser("topics", parents=[connection], help="create or describe the project's topics")
    topics.add_argument("action", nargs="?", default="describe", choices=["create", "describe"])
    topics.set_defaults(func=run_topics)


def settings_from_args(args: argparse.Namespace) -> Settings:
    names = ("kafka_bootstrap", "security_protocol", "sasl_mechanism", "sasl_username", "app_id",
             "topic_partitions", "data_dir", "web_port", "web_host")
    return Settings.from_env(**{name: getattr(args, name, None) for name in names})


def resolve_topic(settings: Settings, name: str) -> str:
    return getattr(settings, TOPIC_ROLES[name]) if name in TOPIC_ROLES else name


# --------------------------------------------------------------------------- worker


def run_worker(args: argparse.Namespace) -> int:
    from faust.worker import Worker
    from threadpoolctl import threadpool_limits

    from talkwire.streams.app import create_app
    from talkwire.streams.local_state import held_table_directory
    from talkwire.streams.topics import ensure_topics

    # One worker is one core's worth of work (scale out with workers): BLAS threads of several
    # workers on one machine would only compete, and OpenBLAS spins while it waits.
    threadpool_limits(1)
    settings = settings_from_args(args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(settings))
    app = create_app(settings)
    worker = Worker(app, loglevel=args.loglevel, loop=loop)
    with held_table_directory(app.conf.tabledir):
        worker.execute_from_commandline()  # returns only through sys.exit
    return 0


# --------------------------------------------------------------------------- produce


def read_input(path: str) -> list[RawMessage]:
    """Messages from a file, a folder of files, or stdin ('-'), keyed by article id or file stem."""
    if path == "-":
        return _read_stdin()
    if not Path(path).exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return [_keyed(message) for message in read_messages(path)]


def _read_stdin() -> list[RawMessage]:
    """Stdin through the same file readers: its format is guessed from its first bytes."""
    data = sys.stdin.buffer.read()
    suffix = ".txt"
    if data.lstrip()[:1] in (b"{", b"["):
        suffix = ".json" if is_json(data) else ".jsonl"
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / f"stdin{suffix}"
        file.write_bytes(data)
        return [_keyed(message) for message in read_messages(file)]


def _keyed(message: RawMessage) -> RawMessage:
    """Key JSON articles by their id, so that all versions of one article share a partition."""
    if message.key is not None:
        return message
    try:
        item = orjson.loads(message.value)
    except orjson.JSONDecodeError:
        return message  # malformed: sent as it is, the worker dead-letters it
    article_id = item.get("id") if isinstance(item, dict) else None
    if isinstance(article_id, str | int) and not isinstance(article_id, bool) and article_id != "":
        return message.model_copy(update={"key": str(article_id)})
    return message


def run_produce(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    messages = read_input(args.path)
    topic = args.topic or settings.topic_raw
    sent, failed = asyncio.run(produce(settings, topic, messages, show_progress=not args.quiet))
    print(f"sent {sent}, failed {failed} to {topic}", file=sys.stderr)
    return 0 if failed == 0 else 1


async def produce(settings: Settings, topic: str, messages: list[RawMessage], *, show_progress: bool = False) -> tuple[int, int]:
    from aiokafka import AIOKafkaProducer

    from talkwire.streams.connection import client_options

    producer = AIOKafkaProducer(**client_options(settings), acks="all")
    await producer.start()
    sent = failed = 0
    progress = Progress(
        TextColumn("[bold]produce"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[rate]:>8.0f} msg/s"), TimeRemainingColumn(),
        console=Console(stderr=True), disable=not show_progress,
    )
    started = time.monotonic()
    try:
        with progress:
            task = progress.add_task("produce", total=len(messages), rate=0.0)
            for message in messages:
                key = message.key.encode() if message.key else None
                try:
                    await (await producer.send(topic, value=message.value, key=key))
                    sent += 1
                except Exception:  # noqa: BLE001 - counted, the summary says how many failed
                    failed += 1
                rate = (sent + failed) / max(time.monotonic() - started, 1e-6)
                progress.update(task, advance=1, rate=rate)
    finally:
        await producer.stop()
    return sent, failed


# --------------------------------------------------------------------------- tail


def run_tail(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    topic = resolve_topic(settings, args.topic)
    console = Console()
    is_events = topic == settings.topic_events
    latest: dict[bytes | None, bytes | None] = {}

    def on_record(record) -> None:
        if args.latest:
            latest[record.key] = record.value
        else:
            print_record(console, record.key, record.value, as_json=args.json, is_event=is_events)

    asyncio.run(consume(settings, topic, on_record, from_beginning=args.from_beginning or args.latest,
                        idle_exit=args.idle_exit, timeout=args.timeout))
    if args.latest:
        live = [(key, value) for key, value in latest.items() if value is not None]
        for key, value in sorted(live, key=lambda item: _sort_latest(item[1], is_events)):
            print_record(console, key, value, as_json=args.json, is_event=is_events)
        if not args.json:
            console.print(f"[dim]{len(live)} live keys on {topic}[/dim]")
    return 0


async def consume(settings: Settings, topic: str, on_record, *, from_beginning: bool,
                  idle_exit: float | None, timeout: float | None) -> None:
    """Read every partition of ``topic`` without a consumer group until idle, timeout or Ctrl-C."""
    from aiokafka import AIOKafkaConsumer

    from talkwire.streams.connection import reader_options, topic_partitions

    consumer = AIOKafkaConsumer(**reader_options(settings), group_id=None,
                                auto_offset_reset="earliest" if from_beginning else "latest")
    await consumer.start()
    await asyncio.sleep(0)  # lets the consumer's background task start; stopping before that raises (aiokafka 0.14)
    try:
        partitions = await topic_partitions(consumer, topic)
        if not partitions:
            raise LookupError(f"topic {topic!r} does not exist")
        consumer.assign(partitions)
        started = time.monotonic()
        last_record: float | None = None
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    on_record(record)
                    last_record = time.monotonic()
            now = time.monotonic()
            if idle_exit is not None and last_record is not None and now - last_record >= idle_exit:
                return
            if timeout is not None and now - started >= timeout:
                return
    finally:
        await consumer.stop()


def print_record(console: Console, key: bytes | None, value: bytes | None, *, as_json: bool, is_event: bool) -> None:
    key_text = key.decode("utf-8", "replace") if key is not None else None
    if as_json:
        payload = _json_or_text(value)
        sys.stdout.write(orjson.dumps({"key": key_text, "value": payload}).decode() + "\n")
        sys.stdout.flush()
    elif value is None:
        console.print(f"[dim]{key_text}: deleted[/dim]")
    elif is_event:
        console.print(format_event(CanonicalEvent.from_json(value)))
    else:
        console.print(f"[bold]{key_text}[/bold]")
        payload = _json_or_text(value)
        if isinstance(payload, str):
            console.print(payload, markup=False)
        else:
            console.print_json(data=payload)


def format_event(event: CanonicalEvent) -> str:
    """A few readable lines per event."""
    if event.merged_into:
        return f"[dim]{event.event_id} v{event.version} merged into {event.merged_into}[/dim]"
    place = ", ".join(part for part in (event.location.place, event.location.region, event.location.country) if part)
    date = event.date or "date unknown"
    if event.date_precision and event.date_precision != "day":
        date += f" ({event.date_description or event.date_precision})"
    lines = [
        f"[bold cyan]{event.event_type}[/bold cyan]  [bold]{' · '.join(event.parties) or 'no parties'}[/bold]"
        f"  {place or 'place unknown'}  {date}" + (f"  round {event.round}" if event.round else ""),
        f"  [dim]{event.event_id} v{event.version} · {event.sources} source(s) · {len(event.articles)} article(s)[/dim]",
    ]
    if event.title:
        lines.append(f"  {event.title}")
    if event.outcomes or event.outcome_phrases:
        lines.append("  outcomes: " + ", ".join(event.outcomes or event.outcome_phrases))
    if event.participants:
        lines.append("  participants: " + "; ".join(
            p.name + (f" ({p.role})" if p.role else "") + (f" [{p.party}]" if p.party else "")
            for p in event.participants))
    for ref in event.articles:
        copy = f" (copy of {ref.duplicate_of})" if ref.duplicate_of else ""
        lines.append(f"  [dim]- {ref.published_at} {ref.source}: {ref.title}{copy}[/dim]")
    return "\n".join(lines) + "\n"


def _json_or_text(value: bytes | None) -> Any:
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value.decode("utf-8", "replace")


def _sort_latest(value: bytes, is_events: bool) -> tuple:
    if not is_events:
        return ()
    event = CanonicalEvent.from_json(value)
    return (event.first_seen or "", event.event_id)


# --------------------------------------------------------------------------- topics


def run_topics(args: argparse.Namespace) -> int:
    from talkwire.streams.topics import by_block_topic, by_id_topic, describe_topics, ensure_topics, project_topics

    settings = settings_from_args(args)
    specs = project_topics(settings)
    if args.action == "create":
        created = asyncio.run(ensure_topics(settings, specs))
        print(f"created: {', '.join(created) or 'none (all exist)'}")
    names = [spec.name for spec in specs] + [by_id_topic(settings), by_block_topic(settings)]
    described = asyncio.run(describe_topics(settings, names))
    roles = {spec.name: spec.role for spec in specs}
    roles[by_id_topic(settings)] = "internal: parsed articles by id (created by the worker)"
    roles[by_block_topic(settings)] = "internal: features by blocking key (created by the worker)"
    console = Console()
    for name in names:
        info = described.get(name)
        if info is None:
            console.print(f"[yellow]{name}[/yellow]: missing  [dim]{roles[name]}[/dim]")
            continue
        config = info["config"]
        console.print(
            f"[bold]{name}[/bold]: {info['partitions']} partitions, cleanup.policy={config.get('cleanup.policy', '?')}, "
            f"retention.ms={config.get('retention.ms', 'default')}  [dim]{roles[name]}[/dim]"
        )
    return 0
