"""Reading one partner topic from the beginning (``hub partners read``), as the hub or as the partner itself.

A consumer without a group reads the topic's partitions itself, so the reader needs READ and DESCRIBE on the topic
and nothing else. The topic is described first: a broker answers a topic the user may not describe with
``TOPIC_AUTHORIZATION_FAILED`` in the metadata, which a consumer would only log while it waited for records
forever; asked first, the refusal becomes an error that says whose topic it is and what the user may read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokafka.errors import KafkaError, TopicAuthorizationFailedError, UnknownTopicOrPartitionError

from hub.errors import KafkaSecurityError, StreamError
from hub.stream.consume import assign_all
from hub.stream.kafka import KafkaClients

__all__ = ["read_topic"]


def _who(clients: KafkaClients) -> str:
    user = clients.security.sasl_username
    return f"Kafka user {user!r}" if user else "an unauthenticated client"


def _refused(clients: KafkaClients, topic: str, allowed_prefix: str | None) -> KafkaSecurityError:
    allowed = f"; it may read topics starting with {allowed_prefix}" if allowed_prefix else ""
    return KafkaSecurityError(f"the cluster refused: {_who(clients)} may not read {topic}{allowed}")


async def _check_topic(clients: KafkaClients, topic: str, allowed_prefix: str | None) -> None:
    admin = clients.admin()
    try:
        await admin.start()
        described: list[dict[str, Any]] = await admin.describe_topics([topic])
    except KafkaError as exc:
        raise KafkaSecurityError(
            f"cannot connect to {clients.bootstrap} as {_who(clients)}: {exc}; check the address, the user, the "
            "password (a rotated or revoked one is refused) and whether the listener speaks TLS"
        ) from exc
    finally:
        await admin.close()
    code = described[0].get("error_code", 0) if described else UnknownTopicOrPartitionError.errno
    if code == TopicAuthorizationFailedError.errno:
        raise _refused(clients, topic, allowed_prefix)
    if code == UnknownTopicOrPartitionError.errno:
        raise StreamError(f"{topic} does not exist yet: the router creates it when a subscription first routes")
    if code:
        raise StreamError(f"cannot describe {topic}: Kafka error code {code}")


async def read_topic(
    clients: KafkaClients,
    topic: str,
    limit: int,
    idle_s: float,
    emit: Callable[[str], None],
    *,
    allowed_prefix: str | None = None,
) -> int:
    """Emit the values of ``topic`` from its beginning, up to ``limit`` or until ``idle_s`` passes without one.

    ``allowed_prefix`` (the partner's topic prefix, when known) is named in a refusal.

    Returns:
        How many records were emitted (a tombstone is emitted as ``null``).

    Raises:
        KafkaSecurityError: the credentials are refused, or the user may not read ``topic`` (naming both).
        StreamError: the topic does not exist.
    """
    await _check_topic(clients, topic, allowed_prefix)
    consumer = clients.committed_consumer()
    count = 0
    try:
        await consumer.start()
        await assign_all(consumer, [topic])
        while count < limit:
            batch = await consumer.getmany(timeout_ms=int(idle_s * 1000), max_records=limit - count)
            if not batch:
                break
            for records in batch.values():
                for record in records:
                    emit(record.value.decode() if record.value is not None else "null")
                    count += 1
    except TopicAuthorizationFailedError as exc:
        raise _refused(clients, topic, allowed_prefix) from exc
    finally:
        await consumer.stop()
    return count
