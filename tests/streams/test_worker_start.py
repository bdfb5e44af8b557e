"""A worker that cannot start says why in one line and leaves no crash marker (issue 15).

A web-port clash used to end in a 45-line traceback with ``worker.running`` still naming the
failed pid, so the next worker started on that directory discarded and rebuilt its tables.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from kafka_helpers import create_topics, settings_env

from talkwire.settings import Settings, SettingsError
from talkwire.streams.local_state import MARKER_NAME


def run_worker(settings: Settings, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings_env(settings), **extra_env}
    return subprocess.run([sys.executable, "-m", "talkwire.cli", "worker"], capture_output=True, env=env,
                          timeout=180, stdin=subprocess.DEVNULL)


def assert_failed_cleanly(run: subprocess.CompletedProcess, settings: Settings, *words: str) -> None:
    err = run.stderr.decode(errors="replace")
    assert run.returncode == 1, err[-3000:]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err[-3000:]
    assert all(word in err for word in words), err
    markers = list(Path(settings.data_dir).rglob(MARKER_NAME))
    assert all(marker.read_text() == "" for marker in markers), [m.read_text() for m in markers]


@pytest.mark.kafka
def test_a_web_port_in_use_is_one_line_and_no_crash_marker(stream_settings: Settings) -> None:
    create_topics(stream_settings)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = replace(stream_settings, web_port=taken.getsockname()[1])
        run = run_worker(settings)
    assert_failed_cleanly(run, settings, f"127.0.0.1:{settings.web_port}", "TALKWIRE_WEB_PORT")


@pytest.mark.parametrize(("variable", "value"), [("TALKWIRE_TOPIC_PARTITIONS", "abc"),
                                                  ("TALKWIRE_BATCH_WITHIN_S", "soon"),
                                                  ("TALKWIRE_EXACTLY_ONCE", "ture"),
                                                  ("TALKWIRE_MAX_MESSAGE_BYTES", "1MB")])
def test_a_bad_variable_is_named(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}={value!r} is not "):
        Settings.from_env({variable: value})


@pytest.mark.kafka
def test_bad_configuration_is_one_line_and_no_crash_marker(stream_settings: Settings) -> None:
    run = run_worker(stream_settings, TALKWIRE_TOPIC_PARTITIONS="abc")
    assert_failed_cleanly(run, stream_settings, "TALKWIRE_TOPIC_PARTITIONS='abc' is not an integer")
