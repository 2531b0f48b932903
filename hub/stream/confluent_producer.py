"""Kafka transactions through confluent-kafka (librdkafka), for the publisher's hot path.

aiokafka spends tens of microseconds of Python per message (a coroutine, a future, the murmur2 partitioner in
pure Python); librdkafka queues a message in C and batches, compresses and sends from its own threads. This
module wraps a transactional ``confluent_kafka.Producer`` (built by ``hub.stream.kafka``) in the few awaitable
steps `hub.stream.publisher.TransactionalPublisher` needs. The calls that block (init, commit, abort, flush) run
in a worker thread, so the event loop keeps serving while the broker answers.

Guarantees are the client's own: ``init_transactions`` fences any earlier producer with the same transactional id
and aborts what it left open; messages are partitioned with murmur2 like the Java client and aiokafka, so a key
lands on the same partition whichever writes it. Failures are raised as `TransactionError`, whose ``retriable``
says whether a fresh producer may succeed (the publisher then retries within its bounds) or not (it gives up).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiokafka import TopicPartition
from confluent_kafka import KafkaError, KafkaException, Message

if TYPE_CHECKING:
    from hub.stream.kafka import KafkaClients
    from hub.stream.publisher import OutgoingMessage

__all__ = ["ConfluentTransactions", "TransactionError"]

# librdkafka's own log lines go through logging (and so the hub's structured logs), not to stderr.
LIBRDKAFKA_LOGGER = logging.getLogger("librdkafka")
_QUEUE_FULL_WAIT_S = 0.05


class TransactionError(Exception):
    """A librdkafka failure; ``retriable``: a retry on a fresh producer may succeed."""

    def __init__(self, message: str, *, retriable: bool) -> None:
        super().__init__(message)
        self.retriable = retriable


def _error(what: str, exc: KafkaException) -> TransactionError:
    error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
    if error is None:
        return TransactionError(f"{what}: {exc}", retriable=False)
    # Fatal errors (fenced, out of sequence) end this producer only; abortable and retriable ones end the
    # transaction only. Either way a fresh producer, which the publisher makes before a retry, starts clean. What
    # is none of these (not authorised, too large, unknown topic) would fail again.
    retriable = error.fatal() or error.txn_requires_abort() or error.retriable()
    return TransactionError(f"{what}: {error.name()}: {error.str()}", retriable=retriable)


class ConfluentTransactions:
    """One transactional librdkafka producer: start, one whole transaction at a time, abort, stop.

    Args:
        kafka: the cluster; its ``confluent_transactional_producer`` builds the producer.
        transactional_id: stable per writer; a newer producer with the same id fences this one.
        linger_ms: how long librdkafka waits to fill a batch.
        max_batch_size: bytes per batch.
        timeout_s: longest one blocking call may take (and the transaction timeout on the broker).
    """

    def __init__(
        self, kafka: KafkaClients, transactional_id: str, *, linger_ms: int, max_batch_size: int, timeout_s: float
    ) -> None:
        self._id = transactional_id
        self._timeout_s = timeout_s
        self._written: dict[TopicPartition, int] = {}
        self._failed: KafkaError | None = None
        self._fatal: KafkaError | None = None
        self._producer = kafka.confluent_transactional_producer(
            transactional_id,
            linger_ms=linger_ms,
            max_batch_size=max_batch_size,
            transaction_timeout_s=timeout_s,
            error_cb=self.client_error,
        )

    def client_error(self, error: KafkaError) -> None:
        """The ``error_cb`` of librdkafka: a fatal error fails the transaction in progress (the others it retries)."""
        if error.fatal():
            self._fatal = error
        LIBRDKAFKA_LOGGER.warning("librdkafka error of %s: %s: %s", self._id, error.name(), error.str())

    async def _blocking(self, what: str, call: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(call, *args)
        except KafkaException as exc:
            raise _error(f"{what} of producer {self._id!r}", exc) from exc
        except SystemError as exc:
            raise self._system_error(f"{what} of producer {self._id!r}", exc) from exc

    def _system_error(self, what: str, exc: SystemError) -> TransactionError:
        """What a SystemError out of confluent-kafka means.

        A fatal error (fenced) met while librdkafka serves callbacks comes out as a SystemError: with the
        KafkaException as its context, or with no exception at all ("returned NULL"), the fatal error then known
        only to ``error_cb``. The producer is unusable either way, and a fresh one starts clean.
        """
        if isinstance(exc.__context__, KafkaException):
            return _error(what, exc.__context__)
        fatal = self._fatal
        reason = f"{fatal.name()}: {fatal.str()}" if fatal is not None else f"confluent-kafka failed: {exc}"
        return TransactionError(f"{what}: {reason}", retriable=True)

    async def start(self) -> None:
        """Fence earlier producers with this transactional id and settle the transaction they left open."""
        await self._blocking("init_transactions", self._producer.init_transactions, self._timeout_s)

    async def stop(self) -> None:
        """Send what is queued (a committed or aborted transaction leaves nothing) and let the producer go."""
        await asyncio.to_thread(self._producer.flush, min(self._timeout_s, 10.0))

    async def abort_transaction(self) -> None:
        """Abort the open transaction, if any."""
        await self._blocking("abort_transaction", self._producer.abort_transaction, self._timeout_s)

    def _delivered(self, error: KafkaError | None, message: Message) -> None:
        # Called by librdkafka (from the thread that flushes) once per message.
        if error is not None:
            self._failed = self._failed or error
            return
        tp = TopicPartition(message.topic(), message.partition())
        offset = message.offset()
        if offset is not None:
            self._written[tp] = max(self._written.get(tp, 0), offset + 1)

    def _produce(self, message: OutgoingMessage) -> None:
        headers = message.headers if isinstance(message.headers, list) else list(message.headers)
        while True:
            try:
                self._producer.produce(
                    message.topic, message.value, message.key, headers=headers, on_delivery=self._delivered
                )
            except BufferError:
                # The local queue is full: serve deliveries (which frees room) before queueing more.
                try:
                    self._producer.poll(_QUEUE_FULL_WAIT_S)
                except SystemError as exc:  # a fatal error met in a callback; see _system_error
                    raise self._system_error(f"poll of producer {self._id!r}", exc) from exc
            except KafkaException as exc:
                raise _error(f"produce to {message.topic} by {self._id!r}", exc) from exc
            else:
                return

    async def transaction(
        self,
        messages: Sequence[OutgoingMessage],
        offsets: Mapping[TopicPartition, int] | None,
        group_id: str | None,
    ) -> dict[TopicPartition, int]:
        """Write ``messages`` in one transaction; per partition, the offset after its last message.

        Raises:
            TransactionError: the transaction did not commit (the caller aborts or throws the producer away).
        """
        if offsets:
            # Committing a group's offsets needs that consumer's group metadata, which only a librdkafka consumer
            # has; the consume-transform-produce writers (the router) use the aiokafka producer.
            raise TransactionError(
                f"producer {self._id!r}: confluent-kafka transactions here take no consumer offsets", retriable=False
            )
        self._written, self._failed = {}, None
        try:
            self._producer.begin_transaction()
        except KafkaException as exc:
            raise _error(f"begin_transaction of producer {self._id!r}", exc) from exc
        for message in messages:
            self._produce(message)
        # flush delivers every message and runs the delivery callbacks; commit then writes the markers.
        remaining = await self._blocking("flush", self._producer.flush, self._timeout_s)
        if remaining:
            raise TransactionError(
                f"producer {self._id!r}: {remaining} messages undelivered after {self._timeout_s:.0f} s",
                retriable=True,
            )
        if self._fatal is not None:
            raise TransactionError(
                f"producer {self._id!r} can write no more: {self._fatal.name()}: {self._fatal.str()}", retriable=True
            )
        if self._failed is not None:
            raise TransactionError(
                f"producer {self._id!r}: a message was refused: {self._failed.name()}: {self._failed.str()}",
                retriable=self._failed.retriable() or self._failed.txn_requires_abort(),
            )
        await self._blocking("commit_transaction", self._producer.commit_transaction, self._timeout_s)
        return dict(self._written)
