"""The publisher's failure handling: abort, a fresh producer, and no second write of a batch that committed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotEnoughReplicasError,
    ProducerFenced,
    TopicAuthorizationFailedError,
)
from aiokafka.structs import RecordMetadata
from confluent_kafka import KafkaError, KafkaException

from hub.errors import StreamError
from hub.stream.confluent_producer import _error
from hub.stream.kafka import KafkaClients
from hub.stream.publisher import OutgoingMessage, TransactionalPublisher, TransactionOutcome


class FakeProducer:
    """Records what a transactional producer is asked to do; fails commits as scripted."""

    def __init__(self, log: list[str], failures: list[BaseException | None]) -> None:
        self.log = log
        self.failures = failures
        self.next_offset: dict[str, int] = {}

    async def start(self) -> None:
        self.log.append("start")

    async def stop(self) -> None:
        self.log.append("stop")

    async def begin_transaction(self) -> None:
        self.log.append("begin")

    async def send(
        self, topic: str, value: bytes | None, *, key: bytes | None, headers: Any
    ) -> asyncio.Future[RecordMetadata]:
        self.log.append(f"send {topic} {key!r}")
        offset = self.next_offset.get(topic, 0)
        self.next_offset[topic] = offset + 1
        future: asyncio.Future[RecordMetadata] = asyncio.get_running_loop().create_future()
        future.set_result(RecordMetadata(topic, 0, TopicPartition(topic, 0), offset, -1, 0, 0))
        return future

    async def commit_transaction(self) -> None:
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            self.log.append("commit failed")
            raise failure
        self.log.append("commit")

    async def abort_transaction(self) -> None:
        self.log.append("abort")


class ScriptedPublisher(TransactionalPublisher):
    def __init__(self, failures: list[BaseException | None], **options: Any) -> None:
        super().__init__(KafkaClients("unused:9092"), "tx", backoff_s=0.0, **options)
        self.log: list[str] = []
        self.failures = failures

    def _new_producer(self) -> Any:
        return FakeProducer(self.log, self.failures)


MESSAGES = [OutgoingMessage("t", b"a", b"1"), OutgoingMessage("cursors", b"c", b"{}")]


async def test_a_failed_commit_is_aborted_and_retried_on_a_fresh_producer() -> None:
    """A timeout at commit: abort, throw the producer away, verify, and write the whole batch again."""
    publisher = ScriptedPublisher([KafkaTimeoutError()])
    outcomes: list[TransactionOutcome] = []

    async def verify() -> TransactionOutcome:
        outcomes.append(TransactionOutcome.NOT_COMMITTED)
        return TransactionOutcome.NOT_COMMITTED

    async with publisher:
        await publisher.publish(MESSAGES, verify=verify)
    assert publisher.log == [
        "start",
        "begin",
        "send t b'a'",
        "send cursors b'c'",
        "commit failed",
        "abort",
        "stop",
        "start",
        "begin",
        "send t b'a'",
        "send cursors b'c'",
        "commit",
        "stop",
    ]
    assert outcomes == [TransactionOutcome.NOT_COMMITTED]
    assert (publisher.transactions, publisher.retries) == (1, 1)


async def test_a_commit_whose_acknowledgement_was_lost_is_not_written_twice() -> None:
    """When verify finds the cursor of the failed try committed, the batch is not sent again."""
    publisher = ScriptedPublisher([ProducerFenced()])

    async def verify() -> TransactionOutcome:
        return TransactionOutcome.COMMITTED

    async with publisher:
        await publisher.publish(MESSAGES, verify=verify)
    assert publisher.log.count("begin") == 1
    assert publisher.log.count("send t b'a'") == 1
    assert publisher.transactions == 1


async def test_giving_up_raises_a_stream_error_naming_the_writer() -> None:
    """After max_attempts failures the error says how many messages, which writer, how often and why."""
    publisher = ScriptedPublisher([KafkaTimeoutError()] * 3, max_attempts=3)
    async with publisher:
        with pytest.raises(
            StreamError,
            match=r"by 'tx' failed 3 times and nothing of it is visible: .*min.insync.replicas in sync; last error: ",
        ):
            await publisher.publish(MESSAGES)
    assert publisher.log.count("commit") == 0
    assert publisher.log.count("abort") == 3


async def test_an_error_no_retry_can_fix_is_raised_at_once() -> None:
    """A message over the broker's size limit aborts the transaction and fails without retrying."""
    publisher = ScriptedPublisher([MessageSizeTooLargeError()])
    async with publisher:
        with pytest.raises(StreamError, match=r"failed 1 times .*; last error: MessageSizeTooLargeError"):
            await publisher.publish(MESSAGES)
    assert publisher.log.count("begin") == 1
    assert publisher.retries == 0


async def test_publish_returns_the_offset_after_each_partitions_last_message() -> None:
    """What a reader needs to read its own writes: per partition, the next offset after this batch."""
    publisher = ScriptedPublisher([])
    await publisher.start()
    first = await publisher.publish([OutgoingMessage("a", b"1", b"x"), OutgoingMessage("a", b"2", b"y")])
    second = await publisher.publish([OutgoingMessage("b", b"3", b"z")])
    assert first == {TopicPartition("a", 0): 2}
    assert second == {TopicPartition("b", 0): 1}
    assert publisher.written == {TopicPartition("a", 0): 2, TopicPartition("b", 0): 1}


class UnreachablePublisher(ScriptedPublisher):
    """The first producer's commit times out, and no new producer can start: the broker is gone."""

    def __init__(self, **options: Any) -> None:
        super().__init__([KafkaTimeoutError()], **options)
        self.starts = 0

    def _new_producer(self) -> Any:
        self.starts += 1
        producer = FakeProducer(self.log, self.failures)
        if self.starts > 1:

            async def refuse() -> None:
                raise KafkaConnectionError("Unable to bootstrap from [('unused', 9092)]")

            producer.start = refuse  # type: ignore[method-assign]
        return producer


async def test_with_the_broker_gone_publish_gives_up_within_its_bound() -> None:
    """Restarting the producer is bounded too: StreamError after give_up_after_s, not retries forever."""
    publisher = UnreachablePublisher(give_up_after_s=0.5, max_attempts=1000)
    publisher._backoff_s = 0.01
    await publisher.start()
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(StreamError, match=r"could not reconnect to Kafka at unused:9092 within 0 s|failed \d+ times"):
        await publisher.publish(MESSAGES)
    assert loop.time() - began < 5.0
    assert publisher.starts > 2, "it retried the restart before giving up"


async def test_a_retriable_error_is_retried() -> None:
    """aiokafka's own `retriable` flag decides: not enough replicas now may be enough in a moment."""
    publisher = ScriptedPublisher([NotEnoughReplicasError()])
    async with publisher:
        await publisher.publish(MESSAGES)
    assert (publisher.transactions, publisher.retries) == (1, 1)


async def test_a_non_retriable_request_error_is_not_retried() -> None:
    publisher = ScriptedPublisher([TopicAuthorizationFailedError()])
    async with publisher:
        with pytest.raises(StreamError, match="TopicAuthorizationFailedError"):
            await publisher.publish(MESSAGES)
    assert publisher.retries == 0


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (KafkaError(KafkaError._FENCED, "fenced by a newer producer", fatal=True), True),
        (KafkaError(KafkaError._TIMED_OUT, "no answer", retriable=True), True),
        (KafkaError(KafkaError._INVALID_ARG, "a message failed", txn_requires_abort=True), True),
        (KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED, "not allowed"), False),
    ],
)
async def test_librdkafka_errors_are_retried_only_when_a_fresh_producer_may_succeed(
    error: KafkaError, retried: bool
) -> None:
    """Fatal, abortable and retriable librdkafka errors go to a fresh producer; the others fail at once."""
    failure = _error("commit_transaction of producer 'tx'", KafkaException(error))
    assert failure.retriable is retried
    assert error.name() in str(failure)
    publisher = ScriptedPublisher([failure, None])
    async with publisher:
        if retried:
            await publisher.publish(MESSAGES)
            assert publisher.log.count("commit") == 1
        else:
            with pytest.raises(StreamError, match=r"failed 1 times .*; last error: TransactionError"):
                await publisher.publish(MESSAGES)
    assert publisher.retries == (1 if retried else 0)


def test_the_confluent_client_takes_only_the_options_it_knows() -> None:
    with pytest.raises(StreamError, match="linger_ms and max_batch_size only"):
        TransactionalPublisher(KafkaClients("unused:9092"), "tx", client="confluent", compression_type="gzip")
