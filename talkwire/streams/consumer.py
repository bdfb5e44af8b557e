"""Faust's Kafka consumer without its read-offset shortcuts, for at-least-once processing.

Faust (0.15) remembers the last offset it read per partition and
  - drops a message whose offset is below it ("already read"), and
  - treats a forward jump past it as a gap (compacted records, transaction markers) that a
    commit may pass over.
After a restart its recovery resumes the stream partitions before their seek to the committed
offsets completes, so the drain loop can read a few messages at a stale position, then drop the
messages the seek brings back, and commit past them: articles were lost, seen in the
state-recovery test (issue #6). Without the shortcuts every fetched message is processed (a
seek back only means redeliveries, which every talkwire stage treats as idempotent) and a commit
never passes an offset that was not processed.

Transactions (``exactly_once``) write control records that leave real gaps in the offsets, so
that mode keeps Faust's own consumer.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

import faust
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP


class _NoReadOffsets(MutableMapping[TP, int | None]):
    """A read-offset map that never remembers: no message is dropped, no gap is assumed."""

    def __getitem__(self, tp: TP) -> None:
        return None

    def __setitem__(self, tp: TP, offset: int | None) -> None:
        pass

    def __delitem__(self, tp: TP) -> None:
        pass

    def __iter__(self) -> Iterator[TP]:
        return iter(())

    def __len__(self) -> int:
        return 0


class AtLeastOnceConsumer(aiokafka_driver.Consumer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._read_offset = _NoReadOffsets()


class AtLeastOnceTransport(aiokafka_driver.Transport):
    Consumer = AtLeastOnceConsumer


class TalkwireApp(faust.App):
    def _new_transport(self) -> AtLeastOnceTransport | faust.types.TransportT:
        if self.conf.processing_guarantee == faust.types.enums.ProcessingGuarantee.EXACTLY_ONCE:
            return super()._new_transport()
        return AtLeastOnceTransport(self.conf.broker_consumer, self)
