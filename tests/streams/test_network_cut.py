"""Effectively once across a network cut between the worker and its broker, in the middle of the stream.

The worker reaches the broker only through ``tansu proxy`` (it bootstraps on the proxy's port and
the proxy advertises that port, so every connection it opens goes through it); this test's own
producer and consumers talk to the broker directly, so they keep watching during the cut. Half the
articles are produced, the link is stopped (by pid) once a fifth of them are enriched, the other half
is produced while the worker is cut off, and the proxy is restarted on the same port 15 s later.
"""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import fault_helpers as faults
import pytest
from kafka_helpers import free_port, produce

from talkwire.broker import tansu_binary, wait_until_ready
from talkwire.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow,
              pytest.mark.skipif(bool(os.environ.get("TALKWIRE_KAFKA_BOOTSTRAP")),
                                 reason="the cuttable link is a Tansu proxy in front of the local broker")]

CUT_S = 15.0
VARIANTS = 3  # 198 articles: enough batches for a cut between the first and the last
CUT_AFTER_FRACTION = 0.2  # of all articles enriched; the first half is produced before the cut


class LinkProxy:
    """``tansu proxy`` from 127.0.0.1:``port`` to ``origin``, advertising its own port; stopped by pid."""

    def __init__(self, port: int, origin: str, log_path: Path) -> None:
        self.port = port
        self.origin = origin
        self.log_path = log_path
        self._process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def restore(self) -> None:
        url = f"tcp://{self.address}"
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(tansu_binary()), "proxy", "--listener-url", url, "--advertised-listener-url", url,
                 "--origin-url", f"tcp://{self.origin}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        asyncio.run(wait_until_ready(self.address))

    def cut(self) -> None:
        """Kill the proxy: its listener and every connection through it go at once, like a pulled cable."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None


@pytest.fixture
def link(stream_settings: Settings, tmp_path: Path) -> Iterator[LinkProxy]:
    proxy = LinkProxy(free_port(), stream_settings.kafka_bootstrap, tmp_path / "tansu-proxy.log")
    proxy.restore()
    try:
        yield proxy
    finally:
        proxy.cut()


def test_a_15_s_network_cut_mid_stream_loses_and_duplicates_nothing(stream_settings: Settings, link: LinkProxy,
                                                                      start_worker) -> None:
    settings = faults.fault_settings(stream_settings)
    articles = faults.synthetic_articles(VARIANTS)
    ids = {key for key, _ in articles}
    first_half = articles[: len(articles) // 2]
    cut_after = math.ceil(len(ids) * CUT_AFTER_FRACTION)  # one threshold for the wait and the check
    expected = faults.expected_events(settings, VARIANTS)

    worker = start_worker(replace(settings, kafka_bootstrap=link.address))
    produce(settings, settings.topic_raw, first_half)
    faults.enriched_ids(settings, cut_after, timeout_s=120)
    link.cut()
    cut_at = time.monotonic()
    at_cut = len(faults.enriched_ids(settings, len(ids), timeout_s=2))
    produce(settings, settings.topic_raw, articles[len(first_half):])
    expected.result()  # the uninterrupted replay finishes while the worker is cut off, not during its resume
    # watch the enriched topic for the rest of the cut
    before_restore = len(faults.enriched_ids(settings, len(ids), timeout_s=max(1.0, cut_at + CUT_S - time.monotonic())))
    assert worker.alive(), worker.log_tail()
    assert cut_after <= at_cut < len(first_half), "the cut did not land mid-stream"
    assert before_restore == at_cut, "the worker reached the broker while the link was cut"

    restored_at = time.monotonic()
    cut_s = restored_at - cut_at
    link.restore()
    resume_s = faults.seconds_until_progress(settings, restored_at, before_restore)
    outcome = faults.collect_outcome(settings, ids)
    complete_s = time.monotonic() - restored_at
    assert worker.alive(), worker.log_tail()

    figures = faults.assert_effectively_once(outcome, ids, expected)
    print(f"cut {cut_s:.1f} s after {at_cut}/{len(ids)} enriched ({len(first_half)} produced); first enriched "
          f"record {resume_s:.1f} s after the restore, all collected after {complete_s:.1f} s; {figures}; "
          f"overrides acted: {faults.override_actions(worker.log_path)}")
