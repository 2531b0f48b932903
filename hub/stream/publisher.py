"""The transactional publisher: a set of messages goes to Kafka whole, in one transaction, or not at all.

The producer is idempotent, ``acks=all`` and transactional, with a transactional id that is stable per writer
(e.g. per connector), so a restarted writer fences its crashed predecessor and the broker aborts whatever that
one left open. A transaction that fails is aborted and retried on a fresh producer; before a retry the caller's
``verify`` callback looks at the committed state (the cursor written in the same transaction) to tell a commit
whose acknowledgement was lost from one that never happened, so a retry never writes a batch twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any, Self

import structlog
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    IllegalStateError,
    InvalidProducerEpoch,
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
)

from hub.errors import StreamError
from hub.stream.kafka import KafkaClients

__all__ = ["OutgoingMessage", "TransactionOutcome", "TransactionalPublisher"]

log = structlog.get_logger(__name__)


def _hopeless(exc: BaseException) -> bool:
    """A failure no retry can fix (too large, not authorised, invalid topic): raise at once.

    aiokafka marks each of its errors ``retriable`` or not. A transaction is retried on a fresh producer, which
    also cures the non-retriable state errors of the old one (fenced, out of order, an abort in progress), so only
    errors that a new producer would meet again count as hopeless: those of the request itself and of its rights.
    """
    if isinstance(exc, TimeoutError | KafkaTimeoutError) or getattr(exc, "retriable", False):
        return False
    return not isinstance(exc, _CURED_BY_A_NEW_PRODUCER)


# Not retriable for the producer that met them, but a fresh producer (which ``_reset`` makes) starts clean.
_CURED_BY_A_NEW_PRODUCER = (
    ProducerFenced,
    OutOfOrderSequenceNumber,
    InvalidProducerEpoch,
    IllegalStateError,
    KafkaConnectionError,
)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to write: ``value`` None is a tombstone."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


class TransactionOutcome(Enum):
    """What the committed state says about a transaction whose outcome was not acknowledged."""

    COMMITTED = "committed"
    NOT_COMMITTED = "not_committed"


Verify = Callable[[], Awaitable[TransactionOutcome]]


class TransactionalPublisher:
    """Writes batches of messages in Kafka transactions, retrying failed ones without duplicating them.

    Args:
        kafka: clients for the cluster.
        transactional_id: stable per writer; two live writers with the same id fence each other.
        max_attempts: tries per transaction before ``StreamError``.
        attempt_timeout_s: longest one try may take (a broker restart makes sends hang until it is back).
        give_up_after_s: longest one ``publish`` may keep trying, restarts of the producer included, before
            ``StreamError``: the bound a caller can rely on when the cluster is gone.
        backoff_s: first wait between tries; doubles per try, up to 10 s.
        producer_options: extra ``AIOKafkaProducer`` options (e.g. ``linger_ms``, ``max_batch_size``).
    """

    def __init__(
        self,
        kafka: KafkaClients,
        transactional_id: str,
        *,
        max_attempts: int = 8,
        attempt_timeout_s: float = 60.0,
        give_up_after_s: float = 120.0,
        backoff_s: float = 0.5,
        **producer_options: Any,
    ) -> None:
        self._kafka = kafka
        self.transactional_id = transactional_id
        self._max_attempts = max_attempts
        self._attempt_timeout_s = attempt_timeout_s
        self._give_up_after_s = give_up_after_s
        self._deadline: float | None = None
        self._backoff_s = backoff_s
        self._options = producer_options
        self._producer: AIOKafkaProducer | None = None
        self.transactions = 0
        self.retries = 0
        #: Per partition, the offset after the last message this publisher committed (see ``publish``).
        self.written: dict[TopicPartition, int] = {}

    def _new_producer(self) -> AIOKafkaProducer:
        return self._kafka.transactional_producer(self.transactional_id, **self._options)

    async def start(self) -> None:
        """Start the producer; this fences any earlier producer with the same id and settles its transaction.

        Callers must start the publisher *before* reading committed state (cursor, hashes), so that a transaction
        a crashed predecessor left open is resolved first.
        """
        if self._producer is not None:
            return
        producer = self._new_producer()
        try:
            await producer.start()
        except KafkaError as exc:
            with contextlib.suppress(KafkaError):
                await producer.stop()
            raise StreamError(f"could not start transactional producer {self.transactional_id!r}: {exc!r}") from exc
        except BaseException:
            # Cancelled while starting (a pause or a delete): close it, or it leaks as an "Unclosed" producer.
            with contextlib.suppress(Exception):
                await asyncio.shield(producer.stop())
            raise
        self._producer = producer

    async def stop(self) -> None:
        """Stop the producer (idempotent)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(KafkaError):
                await producer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _attempt(
        self, messages: Sequence[OutgoingMessage], offsets: Mapping[TopicPartition, int] | None, group_id: str | None
    ) -> dict[TopicPartition, int]:
        producer = self._producer
        if producer is None:
            raise StreamError(f"publisher {self.transactional_id!r} is not started")
        async with asyncio.timeout(min(self._attempt_timeout_s, self._remaining_s())):
            await producer.begin_transaction()
            deliveries = [
                await producer.send(m.topic, m.value, key=m.key, headers=list(m.headers) or None) for m in messages
            ]
            if offsets:
                await producer.send_offsets_to_transaction(dict(offsets), group_id)
            await producer.commit_transaction()
            # commit_transaction flushed every send; a failed one has already raised there, this just surfaces it.
            metadata = await asyncio.gather(*deliveries)
        written: dict[TopicPartition, int] = {}
        for record in metadata:
            tp = TopicPartition(record.topic, record.partition)
            written[tp] = max(written.get(tp, 0), record.offset + 1)
        return written

    def _remaining_s(self) -> float:
        if self._deadline is None:
            return self._attempt_timeout_s
        return max(0.0, self._deadline - asyncio.get_running_loop().time())

    async def _reset(self, *, retry: bool = True) -> None:
        """Throw the producer away and make a new one; the new one's start aborts what the old one left open.

        Starting the new producer is tried until ``publish``'s deadline (``give_up_after_s``), then ``StreamError``:
        with the broker gone for good, ``publish`` raises within its bound instead of retrying forever.
        Without ``retry`` (the last attempt failed) the producer is only thrown away.
        """
        producer, self._producer = self._producer, None
        if producer is not None:
            # After a fatal error (ProducerFenced kills aiokafka's sender) aiokafka refuses to abort with an
            # AssertionError from its state machine. Nothing is lost: the producer that fenced this one has aborted
            # the transaction, and otherwise the next start with this id (or the transaction timeout) does.
            with contextlib.suppress(KafkaError, TimeoutError, AssertionError):
                async with asyncio.timeout(5):
                    await producer.abort_transaction()
            with contextlib.suppress(KafkaError, TimeoutError):
                async with asyncio.timeout(10):
                    await producer.stop()
        if not retry:
            return
        delay = self._backoff_s
        while True:
            try:
                async with asyncio.timeout(max(self._remaining_s(), 0.001)):
                    await self.start()
            except (StreamError, TimeoutError) as exc:
                if self._remaining_s() <= delay:
                    raise StreamError(
                        f"publisher {self.transactional_id!r} could not reconnect to Kafka at "
                        f"{self._kafka.bootstrap} within {self._give_up_after_s:.0f} s: {exc!r}"
                    ) from exc
                log.warning("publisher.restart_failed", transactional_id=self.transactional_id, retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(max(delay, 0.1) * 2, 5.0)
            else:
                return

    async def publish(
        self,
        messages: Sequence[OutgoingMessage],
        *,
        verify: Verify | None = None,
        offsets: Mapping[TopicPartition, int] | None = None,
        group_id: str | None = None,
    ) -> dict[TopicPartition, int]:
        """Write ``messages`` in one transaction; return where they went.

        Args:
            messages: everything that must appear together (e.g. raw records, normalised records, dead letters
                and the cursor after them).
            verify: after a failed try, says whether that try committed after all (its acknowledgement lost).
                Without it a failed try is assumed not to have committed.
            offsets: consumer offsets to commit for ``group_id`` in the same transaction (consume-transform-produce).
            group_id: the consumer group of ``offsets``.

        Returns:
            Per partition written, the offset after its last message: a reader passes these as ``written`` to
            ``hub.stream.consume.read_to_end`` to be sure it sees them. Empty when a lost acknowledgement was
            resolved by ``verify`` (the offsets were lost with it).

        Raises:
            StreamError: every try failed, a failure no retry can fix, or ``give_up_after_s`` passed; nothing of
                this transaction is visible to read_committed readers.
        """
        delay = self._backoff_s
        self._deadline = asyncio.get_running_loop().time() + self._give_up_after_s
        try:
            return await self._publish(messages, verify, offsets, group_id, delay)
        finally:
            self._deadline = None

    async def _publish(
        self,
        messages: Sequence[OutgoingMessage],
        verify: Verify | None,
        offsets: Mapping[TopicPartition, int] | None,
        group_id: str | None,
        delay: float,
    ) -> dict[TopicPartition, int]:
        for attempt in range(1, self._max_attempts + 1):
            try:
                written = await self._attempt(messages, offsets, group_id)
            except (KafkaError, TimeoutError) as exc:
                log.warning(
                    "publisher.transaction_failed",
                    transactional_id=self.transactional_id,
                    attempt=attempt,
                    messages=len(messages),
                    error=repr(exc),
                )
                if attempt == self._max_attempts or _hopeless(exc) or self._remaining_s() <= delay:
                    await self._reset(retry=False)
                    raise StreamError(
                        f"transaction of {len(messages)} messages by {self.transactional_id!r} failed "
                        f"{attempt} times; last error: {exc!r}"
                    ) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                await self._reset()
                self.retries += 1
                if verify is not None and await verify() is TransactionOutcome.COMMITTED:
                    log.info("publisher.transaction_committed_after_all", transactional_id=self.transactional_id)
                    self.transactions += 1
                    return {}
                continue
            self.transactions += 1
            for tp, offset in written.items():
                self.written[tp] = max(self.written.get(tp, 0), offset)
            return written
        raise AssertionError("unreachable: the last attempt returns or raises")
