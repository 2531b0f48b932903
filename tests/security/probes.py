"""Blocking confluent-kafka probes that return the broker's actual answer (an error code) instead of hiding it."""

from __future__ import annotations

import logging
import time
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

from hub.security.client_config import confluent_config
from hub.stream.kafka import KafkaClients

# librdkafka logs every refused connection; the tests assert on the errors instead.
_QUIET = logging.getLogger("tests.security.librdkafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def _config(clients: KafkaClients, **extra: Any) -> dict[str, Any]:
    return {**confluent_config(clients), "logger": _QUIET, **extra}


def list_topics(clients: KafkaClients, timeout_s: float = 10.0) -> set[str] | KafkaError:
    """The topics the client may see, or the error that refused it."""
    admin = AdminClient(_config(clients))
    try:
        return set(admin.list_topics(timeout=timeout_s).topics)
    except KafkaException as exc:
        error: KafkaError = exc.args[0]
        return error


def read(
    clients: KafkaClients, topic: str, group: str, *, want: int = 1, timeout_s: float = 20.0
) -> list[bytes] | KafkaError:
    """Values of ``want`` records of ``topic`` read in ``group`` from the start, or the first error.

    Client-level errors (authentication, all brokers down) come through ``error_cb``; a refused topic or group
    comes as an error message from ``poll``.
    """
    client_errors: list[KafkaError] = []
    consumer = Consumer(
        _config(clients, **{"group.id": group, "auto.offset.reset": "earliest", "error_cb": client_errors.append})
    )
    values: list[bytes] = []
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(values) < want:
            message = consumer.poll(0.5)
            fatal = [e for e in client_errors if e.code() == KafkaError._AUTHENTICATION]
            if fatal:
                return fatal[0]
            if message is None:
                continue
            refused = message.error()
            if refused is not None:
                return refused
            value = message.value()
            assert value is not None
            values.append(value)
    finally:
        consumer.close()
    if not values and client_errors:
        # Nothing read and the client could not talk to the cluster: that error is the answer.
        return client_errors[0]
    return values


def write(clients: KafkaClients, topic: str, value: bytes, timeout_s: float = 20.0) -> KafkaError | None:
    """Produce one record; None when the broker took it, else the error of its delivery report."""
    reports: list[KafkaError | None] = []
    producer = Producer(_config(clients, **{"message.timeout.ms": int(timeout_s * 1000)}))
    producer.produce(topic, value, on_delivery=lambda error, _message: reports.append(error))
    producer.flush(timeout_s + 5)
    return reports[0] if reports else KafkaError(KafkaError._TIMED_OUT)


def create_bare_user(clients: KafkaClients, username: str, password: str) -> None:
    """A SCRAM user with no ACL at all, made directly with the admin API."""
    admin = AdminClient(_config(clients))
    upsertion = UserScramCredentialUpsertion(
        username, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password.encode()
    )
    for future in admin.alter_user_scram_credentials([upsertion]).values():
        future.result(timeout=30)
