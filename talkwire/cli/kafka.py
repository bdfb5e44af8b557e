"""Commands that talk to Kafka: ``worker``, ``produce``, ``tail``, ``topics``."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from talkwire.cli import EXIT_INTERRUPTED, EXIT_OK
from talkwire.cli.terminal import printable, printable_line
from talkwire.processors.errors import InputError
from talkwire.processors.parse.parsing import is_json, parse_message
from talkwire.processors.pipeline import read_messages
from talkwire.processors.records import CanonicalEvent, RawMessage
from talkwire.settings import Limits, Settings

TOPIC_ROLES = {"raw": "topic_raw", "enriched": "topic_enriched", "events": "topic_events", "tracks": "topic_tracks",
               "dead-letters": "topic_dead_letters"}


def connection_options() -> argparse.ArgumentParser:
    """The flags every command that talks to Kafka shares (a parent parser)."""
    connection = argparse.ArgumentParser(add_help=False)
    group = connection.add_argument_group("connection (default: TALKWIRE_* variables)")
    group.add_argument("--bootstrap", dest="kafka_bootstrap", help="host:port[,host:port] (TALKWIRE_KAFKA_BOOTSTRAP)")
    group.add_argument("--security-protocol", choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])
    group.add_argument("--sasl-mechanism", choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    group.add_argument("--sasl-username", help="the password is read from TALKWIRE_SASL_PASSWORD only")
    return connection


def app_options() -> argparse.ArgumentParser:
    """Flags of the commands that create topics or name the worker's internal ones."""
    app = argparse.ArgumentParser(add_help=False)
    group = app.add_argument_group("application")
    group.add_argument("--app-id", help="Faust application id, also the prefix of internal topics (TALKWIRE_APP_ID)")
    group.add_argument("--partitions", dest="topic_partitions", type=int,
                       help="partitions of created topics (TALKWIRE_TOPIC_PARTITIONS)")
    return app


TAIL_EPILOG = """examples:
  talkwire tail events --latest -e                 the live events, once, then exit
  talkwire tail raw --offset -5 -e                 the last 5 records of each partition
  talkwire tail dead-letters --since 2h --json     dead letters of the last two hours, then follow
  talkwire tail raw --since 2026-12-01T08:00 --key a1 --max 1 -e
exit codes: 0 done, 1 error (e.g. a missing topic), 2 usage, 130 Ctrl-C (after the --latest summary)"""


def register(subparsers: argparse._SubParsersAction) -> None:
    connection, app = connection_options(), app_options()

    worker = subparsers.add_parser("worker", parents=[connection, app], help="run a Faust worker (ingest, extract, cluster)")
    worker.add_argument("--data-dir", help="RocksDB table directory (TALKWIRE_DATA_DIR)")
    worker.add_argument("--web-port", type=int, help="Faust web port (TALKWIRE_WEB_PORT)")
    worker.add_argument("--web-host", help="Faust web bind address (TALKWIRE_WEB_HOST)")
    worker.add_argument("--loglevel", default="info", help="worker log level")
    worker.set_defaults(func=run_worker)

    produce = subparsers.add_parser(
        "produce", parents=[connection], help="send articles to the raw topic",
        description="Send articles to the raw topic (or --topic, which must exist). Keys: a JSON article's id, "
                    "a .txt file's name without its suffix, a dispatch from stdin the id derived from its content.",
    )
    produce.add_argument("path", help="a .jsonl/.json/.txt file, a folder of them, or - for stdin")
    produce.add_argument("--topic", help="target topic (default: the raw topic); never created")
    produce.add_argument("--quiet", action="store_true", help="no progress bar")
    produce.set_defaults(func=run_produce)

    tail = subparsers.add_parser(
        "tail", parents=[connection], help="print a topic's records, like kcat -C",
        description="Print a topic's records, following it (without a consumer group) until an exit option "
                    "or Ctrl-C. Pretty output shows control characters as escapes; --json is exact.",
        epilog=TAIL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tail.add_argument("topic", help="a topic name or a role: " + ", ".join(TOPIC_ROLES))
    start = tail.add_mutually_exclusive_group()
    start.add_argument("--from-beginning", action="store_true", help="start at the first record (default: the end)")
    start.add_argument("--offset", "-o", type=int, metavar="N",
                       help="start at offset N of each partition; negative: N records before its end")
    start.add_argument("--since", metavar="TIME", help="start at the first record at or after TIME: ISO 8601 "
                                                       "(UTC without an offset) or 30s, 15m, 2h, 1d, 1w ago")
    tail.add_argument("--partition", "-p", type=int, action="append", metavar="P",
                      help="read only partition P (repeatable)")
    tail.add_argument("--key", "-k", help="print only records with this key")
    tail.add_argument("--max", "-c", dest="max_records", type=int, metavar="N", help="stop after N records")
    tail.add_argument("--exit-at-end", "-e", action="store_true",
                      help="stop at the end of the topic (its end when reading started)")
    tail.add_argument("--json", action="store_true", help="one JSON line per record")
    tail.add_argument("--latest", action="store_true",
                      help="keep the latest record per key and print them at the end (from the beginning unless "
                           "--offset/--since); on the events topic, redirects are counted, not listed")
    tail.add_argument("--idle-exit", type=float, metavar="S",
                      help="stop once S seconds pass without a record (counted from the start)")
    tail.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds in any case")
    tail.set_defaults(func=run_tail)

    topics = subparsers.add_parser("topics", parents=[connection, app], help="create or describe the project's topics")
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
    ensure_port_free(settings.web_host, settings.web_port)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(settings))
    app = create_app(settings)
    worker = Worker(app, loglevel=args.loglevel, loop=loop)
    with held_table_directory(app.conf.tabledir):
        worker.execute_from_commandline()  # returns only through sys.exit
    return 0


class WorkerStartError(RuntimeError):
    """The worker cannot start; said in one line, before it holds its table directory."""


def ensure_port_free(host: str, port: int) -> None:
    """Fail before start when the web port is taken: Faust would fail only after the worker held
    its table directory, and leave a crash marker that discards the tables at the next start."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds: TIME_WAIT is no clash
        try:
            probe.bind((host, port))
        except OSError as error:
            raise WorkerStartError(f"cannot serve the web page on {host}:{port} ({error.strerror}); "
                                   "choose another port with TALKWIRE_WEB_PORT or --web-port") from None


# --------------------------------------------------------------------------- produce


def read_input(path: str) -> list[RawMessage]:
    """Messages from a file, a folder of files, or stdin ('-'), keyed by article id or file stem.

    A dispatch read from stdin has no name: it is keyed by the id the parser derives from its
    content (``dispatch-<hash>``), the same on every resend and different for every other text.
    """
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
    if suffix == ".txt":
        return [RawMessage(value=data, key=_dispatch_id(data), source="stdin")]
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / f"stdin{suffix}"
        file.write_bytes(data)
        return [_keyed(message) for message in read_messages(file)]


def _dispatch_id(data: bytes) -> str | None:
    """The id the worker gives a dispatch without a key; None when it is no valid dispatch (dead-lettered)."""
    try:
        return parse_message(data, Limits()).id
    except InputError:
        return None


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
    try:
        await producer.start()
        # a send to a missing topic would create it (auto.create.topics.enable): a typo must not
        if topic not in (await producer.client.fetch_all_metadata()).topics():
            raise LookupError(f"topic {topic!r} does not exist (create the project's with `talkwire topics create`)")
    except BaseException:
        await producer.stop()  # a producer that failed to start is still open
        raise
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
                except Exception as error:  # noqa: BLE001 - said and counted; the others are still sent
                    failed += 1
                    progress.console.print(Text(printable_line(f"failed: {message.source or message.key}: "
                                                               f"{type(error).__name__}: {error}")), style="red", soft_wrap=True)
                rate = (sent + failed) / max(time.monotonic() - started, 1e-6)
                progress.update(task, advance=1, rate=rate)
    finally:
        await producer.stop()
    return sent, failed


# --------------------------------------------------------------------------- tail


def run_tail(args: argparse.Namespace) -> int:
    from talkwire.cli.topic_reader import ReadOptions, parse_time, read_topic

    settings = settings_from_args(args)
    topic = resolve_topic(settings, args.topic)
    console = Console()
    is_events = topic == settings.topic_events
    latest: dict[bytes | None, bytes | None] = {}
    options = ReadOptions(
        from_beginning=args.from_beginning or (args.latest and args.offset is None and args.since is None),
        offset=args.offset, since_ms=parse_time(args.since) if args.since else None,
        partitions=tuple(args.partition or ()), key=args.key, max_records=args.max_records,
        exit_at_end=args.exit_at_end, idle_exit=args.idle_exit, timeout=args.timeout,
    )

    def on_record(record) -> None:
        if args.latest:
            latest[record.key] = record.value
        else:
            print_record(console, record.key, record.value, as_json=args.json, is_event=is_events)

    code = EXIT_OK
    try:
        asyncio.run(read_topic(settings, topic, on_record, options))
    except KeyboardInterrupt:  # the summary of what was read still matters
        code = EXIT_INTERRUPTED
    if args.latest:
        print_latest(console, topic, latest, as_json=args.json, is_events=is_events)
    return code


def print_latest(console: Console, topic: str, latest: dict[bytes | None, bytes | None], *,
                 as_json: bool, is_events: bool) -> None:
    """The live records (not deleted; on the events topic not redirects), then how many of each kind."""
    live = {key: value for key, value in latest.items() if value is not None}
    redirects = {key for key, value in live.items() if is_events and CanonicalEvent.from_json(value).merged_into}
    shown = [(key, value) for key, value in live.items() if key not in redirects]
    for key, value in sorted(shown, key=lambda item: _sort_latest(item[1], is_events)):
        print_record(console, key, value, as_json=as_json, is_event=is_events)
    if not as_json:
        counts = [f"{len(shown)} live {'events' if is_events else 'keys'}"]
        counts += [f"{len(redirects)} redirects"] if is_events else []
        counts.append(f"{len(latest) - len(live)} deleted")
        console.print(Text(f"{', '.join(counts)} on {topic}", style="dim"))


def print_record(console: Console, key: bytes | None, value: bytes | None, *, as_json: bool, is_event: bool) -> None:
    """One record: exact JSON with ``as_json``; else readable, every string from the message made printable."""
    key_text = key.decode("utf-8", "replace") if key is not None else None
    if as_json:
        payload = _json_or_text(value)
        sys.stdout.write(orjson.dumps({"key": key_text, "value": payload}).decode() + "\n")
        sys.stdout.flush()
        return
    shown_key = printable_line(str(key_text))
    if value is None:
        console.print(Text(f"{shown_key}: deleted", style="dim"))
    elif is_event:
        console.print(format_event(CanonicalEvent.from_json(value)))
    else:
        console.print(Text(shown_key, style="bold"))
        payload = printable(_json_or_text(value))
        if isinstance(payload, str):
            console.print(Text(payload))
        else:
            console.print_json(data=payload)


def format_event(event: CanonicalEvent) -> Text:
    """A few readable lines per event; styled as rich Text, so no field is read as markup."""
    event = CanonicalEvent.model_validate(printable(event.model_dump()))
    text = Text()
    if event.merged_into:
        text.append(f"{event.event_id} v{event.version} merged into {event.merged_into}", "dim")
        return text
    place = ", ".join(part for part in (event.location.place, event.location.region, event.location.country) if part)
    date = event.date or "date unknown"
    if event.date_precision and event.date_precision != "day":
        date += f" ({event.date_description or event.date_precision})"
    text.append(event.event_type, "bold cyan")
    text.append("  ")
    text.append(" · ".join(event.parties) or "no parties", "bold")
    text.append(f"  {place or 'place unknown'}  {date}" + (f"  round {event.round}" if event.round else "") + "\n")
    text.append(f"  {event.event_id} v{event.version} · {event.sources} source(s) · {len(event.articles)} article(s)\n",
                "dim")
    if event.title:
        text.append(f"  {printable_line(event.title)}\n")
    if event.outcomes or event.outcome_phrases:
        text.append("  outcomes: " + ", ".join(event.outcomes or event.outcome_phrases) + "\n")
    if event.participants:
        text.append("  participants: " + "; ".join(
            p.name + (f" ({p.role})" if p.role else "") + (f" [{p.party}]" if p.party else "")
            for p in event.participants) + "\n")
    for ref in event.articles:
        copy = f" (copy of {ref.duplicate_of})" if ref.duplicate_of else ""
        text.append(f"  - {ref.published_at} {ref.source}: {printable_line(ref.title)}{copy}\n", "dim")
    return text


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
