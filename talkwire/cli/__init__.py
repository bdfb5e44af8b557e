"""``talkwire``: one entry point; each command module exposes ``register(subparsers)``.

Settings come from ``TALKWIRE_*`` environment variables; command-line flags override them.
Exit codes: 0 ok, 1 error, 2 usage, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMAND_MODULES = ("talkwire.cli.kafka", "talkwire.cli.dead_letters", "talkwire.cli.offline", "talkwire.cli.schemas",
                   "talkwire.cli.bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="talkwire",
        description="Turn news articles into canonical talks-and-negotiation events (Faust on Kafka).",
        epilog="Settings: TALKWIRE_* environment variables (see the README); flags override them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:  # offline and schemas ship from their own modules
            importlib.import_module(name).register(subparsers)
    return parser


def installed_version() -> str:
    """The installed distribution's version; the package's own when run from a source tree."""
    from importlib.metadata import PackageNotFoundError, version

    import talkwire

    try:
        return version("talkwire")
    except PackageNotFoundError:
        return talkwire.__version__


# Faust's own line format (mode.utils.logging.DEFAULT_FORMAT without its extras), so a worker's log
# reads as one format before and after Faust takes over its logging.
LOG_FORMAT = "[%(asctime)s] [%(process)s] [%(levelname)s]: %(message)s"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on a usage error
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT)
    try:
        return int(args.func(args) or EXIT_OK)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - one clean line instead of a traceback
        logging.getLogger("talkwire").debug("command failed", exc_info=True)
        print(f"talkwire {args.command}: error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR
