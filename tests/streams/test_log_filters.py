"""The log filters: aiokafka's retry errors rate-limited, Faust's start-up tables quiet at INFO."""

from __future__ import annotations

import logging

import pytest

from talkwire.streams.log_filters import RETRY_LIMITER, RetryErrorLimiter, StartupTableFilter, install_log_filters


def record(name: str, level: int, msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_one_retry_error_per_template_and_interval_then_a_count_of_the_held_ones() -> None:
    now = [0.0]
    limiter = RetryErrorLimiter(interval_s=60, clock=lambda: now[0])
    template = "Unable connect to node with id %s: %s"
    assert limiter.filter(record("aiokafka", logging.ERROR, template, 1, "refused"))
    assert not any(limiter.filter(record("aiokafka", logging.ERROR, template, 1, "refused")) for _ in range(500))
    assert limiter.filter(record("aiokafka", logging.ERROR, "Unable to update metadata from %s", [1]))  # another template
    assert limiter.filter(record("aiokafka", logging.INFO, template, 1, "refused"))  # below WARNING: untouched
    now[0] = 61.0
    later = record("aiokafka", logging.ERROR, template, 1, "refused")
    assert limiter.filter(later) and "[500 more like this in the last 61 s]" in later.getMessage()
    assert not limiter.filter(record("aiokafka", logging.ERROR, template, 1, "refused"))
    limiter.reset()  # the broker's state changed: the next error is news
    assert limiter.filter(record("aiokafka", logging.ERROR, template, 1, "refused"))


@pytest.mark.parametrize("level, shown", [(logging.INFO, False), (logging.DEBUG, True)])
def test_startup_tables_show_only_at_debug(level: int, shown: bool) -> None:
    name = "talkwire.test.recovery"
    logging.getLogger(name).setLevel(level)
    tables = StartupTableFilter({"Highwater for %s changelog partitions:\n%s"})
    table = record(name, logging.INFO, "[^---Recovery]: Highwater for %s changelog partitions:\n%s", "active", "+--+")
    assert tables.filter(table) is shown
    assert tables.filter(record(name, logging.INFO, "[^---Recovery]: Recovery complete"))


def test_filters_sit_on_the_loggers_that_flooded_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    install_log_filters()
    install_log_filters()  # idempotent
    from aiokafka import client  # logs as "aiokafka", not as its module name

    assert len(logging.getLogger(client.log.name).filters) == 1
    RETRY_LIMITER.reset()
    with caplog.at_level(logging.ERROR):
        for _ in range(100):
            client.log.error("Unable connect to node with id %s: %s", 7, "test")
    assert len([r for r in caplog.records if "node with id 7" in r.getMessage()]) == 1
