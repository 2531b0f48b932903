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
    ClusterAuthorizationFailedError,
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
)

from hub.errors import StreamError
from hub.stream.kafka import KafkaClients

__all__ = ["OutgoingMessage", "TransactionOutcome", "TransactionalPublisher"]

log = structlog.get_logger(__name__)


# Failures no retry can fix: the transaction is aborted and the error raised at once.
_HOPELESS = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    InvalidTopicError,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
    ClusterAuthorizationFailedError,
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
        backoff_s: float = 0.5,
        **producer_options: Any,
    ) -> None:
        self._kafka = kafka
        self.transactional_id = transactional_id
        self._max_attempts = max_attempts
        self._attempt_timeout_s = attempt_timeout_s
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
        async with asyncio.timeout(self._attempt_timeout_s):
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

    async def _reset(self) -> None:
        """Throw the producer away and make a new one; the new one's start aborts what the old one left open."""
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(KafkaError, TimeoutError):
                async with asyncio.timeout(5):
                    await producer.abort_transaction()
            with contextlib.suppress(KafkaError, TimeoutError):
                async with asyncio.timeout(10):
                    await producer.stop()
        while True:
            try:
                await self.start()
            except StreamError:
                log.warning("publisher.restart_failed", transactional_id=self.transactional_id)
                await asyncio.sleep(self._backoff_s)
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
            StreamError: every try failed; nothing of this transaction is visible to read_committed readers.
        """
        delay = self._backoff_s
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
                if attempt == self._max_attempts or isinstance(exc, _HOPELESS):
                    await self._reset()
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
