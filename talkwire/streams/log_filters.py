"""Workarounds for the worker's log volume: aiokafka's retry errors and Faust's start-up tables.

aiokafka logs an ERROR on every retry while the broker is away: in 30 s of an outage a worker
wrote 3,464 of them ("Unable connect to node with id 1", "Unable to update metadata from [1]",
"Failed fetch messages from 1", "Group Coordinator Request failed"), from the loggers in
``RETRY_LOGGERS``. The health probe logs the broker's state once per change
(``talkwire.streams.health``); these loggers keep one line per message template per
``interval_s``, followed by how many were held back, and start afresh at each state change.

At start-up Faust formats subscriptions, assignments and recovery offsets as text tables (about
130 lines for one worker, in a layout of their own). At the default level they are dropped; with
``--loglevel debug`` they are kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

RETRY_LOGGERS = (
    "aiokafka",  # aiokafka/client.py logs as "aiokafka"
    "aiokafka.cluster",
    "aiokafka.conn",
    "aiokafka.consumer.fetcher",
    "aiokafka.consumer.group_coordinator",
    "aiokafka.producer.sender",
    "aiokafka.producer.producer",
)
RETRY_LOG_INTERVAL_S = 60.0

# logger -> message templates of the records rendered as tables (Faust's services prefix theirs)
TABLE_LOGGERS = {
    "aiokafka.consumer.subscription_state": {"Updating subscribed topics to: %s"},
    "aiokafka.consumer.consumer": {"Subscribed to topic(s): %s"},
    "aiokafka.consumer.group_coordinator": {
        "Setting newly assigned partitions %s for group %s",
        "Revoking previously assigned partitions %s for group %s",
    },
    "faust.tables.recovery": {
        "Highwater for %s changelog partitions:\n%s",
        "%s offsets at start of reading:\n%s",
    },
}


class RetryErrorLimiter(logging.Filter):
    """Lets one record per (logger, template) through per interval; counts the ones held back."""

    def __init__(self, interval_s: float = RETRY_LOG_INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._lock = threading.Lock()  # Faust's consumer runs its own thread and event loop
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval_s:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {now - last:.0f} s]"
        return True

    def reset(self) -> None:
        """A new state of the connection: the next record of every template is logged at once."""
        with self._lock:
            self._last.clear()
            self._held.clear()


class StartupTableFilter(logging.Filter):
    """Drops INFO records Faust would render as tables, unless the logger is enabled for DEBUG."""

    def __init__(self, templates: set[str]) -> None:
        super().__init__()
        self.templates = templates

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.levelno != logging.INFO or not any(message.endswith(t) for t in self.templates):
            return True
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


RETRY_LIMITER = RetryErrorLimiter()


def install_log_filters() -> None:
    """Attach the filters to their loggers (a logger's filters see every record it creates)."""
    for name in RETRY_LOGGERS:
        logger = logging.getLogger(name)
        if RETRY_LIMITER not in logger.filters:
            logger.addFilter(RETRY_LIMITER)
    for name, templates in TABLE_LOGGERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, StartupTableFilter) for f in logger.filters):
            logger.addFilter(StartupTableFilter(templates))
