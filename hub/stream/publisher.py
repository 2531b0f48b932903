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
from typing import Any, Literal, Protocol, Self

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
from hub.stream.confluent_producer import ConfluentTransactions, TransactionError
from hub.stream.kafka import KafkaClients

__all__ = ["OutgoingMessage", "ProducerClient", "TransactionOutcome", "TransactionalPublisher"]

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
#: Which client library writes the transactions: both fence, retry and commit the same way.
ProducerClient = Literal["aiokafka", "confluent"]
# What a failed try raises, whichever client made it.
_FAILURES = (KafkaError, TimeoutError, TransactionError)


class _Transactions(Protocol):
    """One transactional producer, whichever library: the steps the publisher takes."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def abort_transaction(self) -> None: ...

    async def transaction(
        self,
        messages: Sequence[OutgoingMessage],
        offsets: Mapping[TopicPartition, int] | None,
        group_id: str | None,
    ) -> dict[TopicPartition, int]: ...


class _AiokafkaTransactions:
    """The aiokafka producer in the publisher's steps."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def abort_transaction(self) -> None:
        await self._producer.abort_transaction()

    async def transaction(
        self,
        messages: Sequence[OutgoingMessage],
        offsets: Mapping[TopicPartition, int] | None,
        group_id: str | None,
    ) -> dict[TopicPartition, int]:
        producer = self._producer
        await producer.begin_transaction()
        deliveries = [
            await producer.send(
                m.topic, m.value, key=m.key, headers=(m.headers if isinstance(m.headers, list) else list(m.headers))
            )
            for m in messages
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
        client: ``aiokafka``, or ``confluent`` (librdkafka: far less Python per message; takes no consumer offsets,
            so consume-transform-produce writers stay on aiokafka).
        producer_options: extra ``AIOKafkaProducer`` options (e.g. ``linger_ms``, ``max_batch_size``); the
            confluent client takes ``linger_ms`` and ``max_batch_size`` only.
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
        client: ProducerClient = "aiokafka",
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
        self._client = client
        if client == "confluent" and set(producer_options) - {"linger_ms", "max_batch_size"}:
            raise StreamError(f"the confluent producer takes linger_ms and max_batch_size only, not {producer_options}")
        self._producer: _Transactions | None = None
        self.transactions = 0
        self.retries = 0
        #: Per partition, the offset after the last message this publisher committed (see ``publish``).
        self.written: dict[TopicPartition, int] = {}

    def _new_producer(self) -> AIOKafkaProducer | ConfluentTransactions:
        if self._client == "confluent":
            return ConfluentTransactions(
                self._kafka,
                self.transactional_id,
                linger_ms=self._options.get("linger_ms", 5),
                max_batch_size=self._options.get("max_batch_size", 262_144),
                timeout_s=self._attempt_timeout_s,
            )
        return self._kafka.transactional_producer(self.transactional_id, **self._options)

    async def start(self) -> None:
        """Start the producer; this fences any earlier producer with the same id and settles its transaction.

        Callers must start the publisher *before* reading committed state (cursor, hashes), so that a transaction
        a crashed predecessor left open is resolved first.
        """
        if self._producer is not None:
            return
        client = self._new_producer()
        producer = client if isinstance(client, ConfluentTransactions) else _AiokafkaTransactions(client)
        try:
            await producer.start()
        except (KafkaError, TransactionError) as exc:
            with contextlib.suppress(KafkaError, TransactionError):
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
            with contextlib.suppress(KafkaError, TransactionError):
                # Shielded: a stop cancelled half-way (a sync cancelled on delete, the hub stopping) would leave
                # the producer open, to be reported "Unclosed AIOKafkaProducer" when it is collected.
                await asyncio.shield(producer.stop())

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
            return await producer.transaction(messages, offsets, group_id)

    def _failure(self, count: int, attempts: int, exc: BaseException) -> str:
        """Why ``publish`` gave up, in words an operator can act on."""
        what = f"transaction of {count} messages by {self.transactional_id!r}"
        if isinstance(exc, TimeoutError | KafkaTimeoutError) and self._remaining_s() <= 0:
            # aiokafka retries NotEnoughReplicas and lost leaders inside a send, so what reaches the hub is only
            # the deadline passing: name the causes it stands for.
            return (
                f"{what} was not acknowledged by Kafka at {self._kafka.bootstrap} within {self._give_up_after_s:.0f} s "
                "(HUB_STREAM__PUBLISH_GIVE_UP_S): the brokers are unreachable, or a partition has fewer in-sync "
                f"replicas than its min.insync.replicas; nothing of it is visible ({attempts} tries, last error: "
                f"{exc!r})"
            )
        return (
            f"{what} failed {attempts} times and nothing of it is visible: check that the brokers at "
            f"{self._kafka.bootstrap} are reachable and that every partition has at least its min.insync.replicas "
            f"in sync; last error: {exc!r}"
        )

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
            with contextlib.suppress(*_FAILURES, AssertionError):
                async with asyncio.timeout(5):
                    await producer.abort_transaction()
            with contextlib.suppress(*_FAILURES):
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
            except _FAILURES as exc:
                log.warning(
                    "publisher.transaction_failed",
                    transactional_id=self.transactional_id,
                    attempt=attempt,
                    messages=len(messages),
                    error=repr(exc),
                )
                if attempt == self._max_attempts or _hopeless(exc) or self._remaining_s() <= delay:
                    await self._reset(retry=False)
                    raise StreamError(self._failure(len(messages), attempt, exc)) from exc
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
