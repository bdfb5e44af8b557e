"""Is the worker alive, is it ready, and can it reach the broker.

``/healthz`` answers as long as the process serves HTTP. ``/readyz`` answers 200 once the
models are loaded, the broker answers, the group has assigned this worker its partitions and the
tables are restored; until then 503 with the reasons. A probe asks the broker for the group's
committed offsets every ``PROBE_INTERVAL_S``: that sets ``talkwire_broker_connected``, the
consumer lag per assigned partition (highwater minus the GROUP's committed offset, so an outage
or a stuck agent shows as lag) and one log line per change of the broker's state.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Mapping

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

from talkwire.settings import Settings
from talkwire.streams import metrics
from talkwire.streams.connection import reader_options
from talkwire.streams.log_filters import RETRY_LIMITER

log = logging.getLogger(__name__)

PROBE_INTERVAL_S = 2.0
PROBE_TIMEOUT_S = 5.0


class Health:
    """The conditions of readiness; ``reasons()`` lists those not met yet."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.models_loaded = False
        self.broker_reachable = False
        self.assigned = False  # the group gave this worker an assignment (possibly empty)

        @app.on_partitions_assigned.connect
        async def on_assigned(sender: faust.App, assigned, **kwargs) -> None:
            self.assigned = True

    def reasons(self) -> list[str]:
        reasons = []
        if not self.models_loaded:
            reasons.append("models are loading")
        if not self.broker_reachable:
            reasons.append(f"broker {self.settings.kafka_bootstrap} is not reachable")
        if not self.assigned or self.app.rebalancing:
            reasons.append("waiting for the consumer group to assign partitions")
        elif self.app.in_recovery or not self.app.tables.recovery.completed.is_set():
            reasons.append("restoring tables from their changelogs")
        return reasons


def group_lags(committed: Mapping[TopicPartition, int | None],
               highwater: Callable[[TopicPartition], int | None]) -> dict[TopicPartition, int]:
    """Highwater minus the group's committed offset, for partitions whose highwater is known.

    A partition the group never committed counts from offset 0 (the group reads from the earliest).
    """
    lags = {}
    for tp, offset in committed.items():
        end = highwater(tp)
        if end is not None:
            lags[tp] = max(0, end - (offset or 0))
    return lags


class BrokerProbe(Service):
    """Asks the broker for the group's committed offsets on a timer; see the module's docstring."""

    def __init__(self, app: faust.App, settings: Settings, health: Health, **kwargs) -> None:
        self.app = app
        self.settings = settings
        self.health = health
        self._reader: AIOKafkaConsumer | None = None
        self._state: bool | None = None
        super().__init__(**kwargs)

    async def on_stop(self) -> None:
        await self._close_reader()

    @Service.task
    async def _probe_forever(self) -> None:
        while not self.should_stop:
            try:
                committed = await asyncio.wait_for(self._committed_offsets(self._source_partitions()), PROBE_TIMEOUT_S)
            except Exception as error:  # noqa: BLE001 - any failure means the broker did not answer
                await self._close_reader()
                self._set_state(False, error)
            else:
                self._set_state(True)
                metrics.set_consumer_lag(group_lags(committed, self.app.consumer.highwater))
            await self.sleep(PROBE_INTERVAL_S)

    async def _committed_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int | None]:
        """The group's committed offsets (OffsetFetch through a consumer that never joins the group).

        aiokafka's admin client is not used: Tansu closes the connection on its OffsetFetch request.
        """
        if self._reader is None:
            reader = AIOKafkaConsumer(**reader_options(self.settings), group_id=self.app.conf.id,
                                      request_timeout_ms=int(PROBE_TIMEOUT_S * 1000))
            try:
                await reader.start()
            except BaseException:
                await reader.stop()
                raise
            self._reader = reader
        if not partitions:  # still ask the broker something: the probe is also the broker's health
            await self._reader.topics()
        offsets = await asyncio.gather(*(self._reader.committed(tp) for tp in partitions))
        return dict(zip(partitions, offsets))

    async def _close_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            try:
                await reader.stop()
            except Exception:  # noqa: BLE001 - stopping a client of a broker that is gone
                log.debug("stopping the probe's reader failed", exc_info=True)

    def _source_partitions(self) -> list[TopicPartition]:
        """Assigned partitions of the topics the agents read (changelogs are written, not read, once restored)."""
        sources = {name for agent in self.app.agents.values() for name in agent.channel.topics}
        return sorted((tp for tp in self.app.consumer.assignment() if tp.topic in sources), key=tuple)

    def _set_state(self, reachable: bool, error: BaseException | None = None) -> None:
        self.health.broker_reachable = reachable
        metrics.set_broker_connected(reachable)
        if reachable == self._state:
            return
        if reachable:
            log.info("broker %s is reachable", self.settings.kafka_bootstrap)
        elif self._state is None:
            log.warning("broker %s is not reachable yet: %r", self.settings.kafka_bootstrap, error)
        else:
            log.error("broker %s is not reachable: %r (the client's retry errors are logged at most once a minute "
                      "each until it is back)", self.settings.kafka_bootstrap, error)
        self._state = reachable
        RETRY_LIMITER.reset()


class ModelWarmup(Service):
    """Waits for the warm-up run of the extraction models; the worker is not ready before.

    It is started with the app's other services, after the tables are restored, so Faust's
    "Ready" line comes after the models too; the warm-up itself began when the app was created.
    """

    def __init__(self, warm_up: list[concurrent.futures.Future], health: Health, settings: Settings, **kwargs) -> None:
        self.warm_up = warm_up
        self.health = health
        self.settings = settings
        self.created_at = time.monotonic()
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        await asyncio.gather(*(asyncio.wrap_future(future) for future in self.warm_up))
        self.health.models_loaded = True
        url = f"http://{self.settings.web_host}:{self.settings.web_port}/"
        log.info("models loaded (%.1f s); events page %s, API %sapi/events, readiness %sreadyz, metrics %smetrics",
                 time.monotonic() - self.created_at, url, url, url, url)
