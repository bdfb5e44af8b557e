"""``talkwire schemas``: one JSON Schema per output topic, generated from the record definitions, and
the input contract (``article.schema.json``), generated from the parser's rules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from talkwire.processors.parse.parsing import article_input_schema
from talkwire.processors.records import OUTPUT_RECORDS
from talkwire.settings import Limits

DEFAULT_DIR = Path("schemas")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schemas", help="write (or --check) the JSON Schemas of the input article and the output topics",
        description="Write one JSON Schema per output topic (enriched article, event, dead letter) "
                    "generated from talkwire.processors.records, and article.schema.json, the input contract, "
                    "generated from the parser's rules with the default limits. With --check, write nothing and exit 1 "
                    "when the files on disk differ from the generated ones.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="folder of the schema files (default: schemas/)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 when stale")
    parser.set_defaults(func=run_schemas)


def schema_documents() -> dict[str, str]:
    """File name -> JSON text, deterministic (sorted keys, trailing newline)."""
    schemas = {name: record.model_json_schema(mode="serialization") for name, record in OUTPUT_RECORDS.items()}
    schemas["article"] = article_input_schema(Limits())
    return {
        f"{name}.schema.json": json.dumps({"$schema": SCHEMA_DIALECT, "$id": f"{name}.schema.json", **schema},
                                          indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, schema in schemas.items()
    }


def stale_files(folder: Path) -> list[str]:
    """Names of schema files that are missing from ``folder`` or differ from the generated text."""
    return [
        name for name, text in schema_documents().items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]


def run_schemas(args: argparse.Namespace) -> int:
    if args.check:
        stale = stale_files(args.out)
        for name in stale:
            print(f"{args.out / name}: out of date (run `talkwire schemas --out {args.out}`)", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in schema_documents().items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(args.out / name)
    return 0
