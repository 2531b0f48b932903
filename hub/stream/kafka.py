"""The one place the hub builds Kafka clients: every producer, consumer and admin client comes from ``KafkaClients``.

A client's address, authentication and TLS come from one object, so a secured cluster (SASL/SCRAM, TLS, mTLS) is
a matter of settings, not of edits at every call site; ``tests/unit/test_kafka_layer.py`` fails if any other module
constructs an aiokafka client.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.helpers import create_ssl_context
from pydantic import SecretStr

from hub.config import HubSettings, KafkaSettings

if TYPE_CHECKING:
    from collections.abc import Callable

    from confluent_kafka import KafkaError, Producer

__all__ = ["KafkaClients"]


@dataclass(frozen=True, slots=True)
class KafkaClients:
    """Factory of the hub's Kafka clients for one cluster.

    Args:
        bootstrap: ``host:port[,host:port]`` of the cluster.
        security: how to authenticate and encrypt (``HUB_KAFKA__*``); plaintext by default.
    """

    bootstrap: str
    security: KafkaSettings = field(default_factory=KafkaSettings)

    @classmethod
    def from_settings(cls, settings: HubSettings, bootstrap: str | None = None) -> KafkaClients:
        """Clients for ``bootstrap`` (default: ``HUB_KAFKA_BOOTSTRAP``) with the settings' security."""
        address = bootstrap or settings.kafka_bootstrap
        if not address:
            raise ValueError("no Kafka bootstrap servers: set HUB_KAFKA_BOOTSTRAP or start the local broker")
        return cls(address, settings.kafka)

    def with_credentials(self, username: str, password: str) -> KafkaClients:
        """The same cluster, authenticated as another SASL user (e.g. a partner, in tests and examples)."""
        protocol = "SASL_SSL" if self.security.security_protocol in ("SSL", "SASL_SSL") else "SASL_PLAINTEXT"
        security = self.security.model_copy(
            update={"security_protocol": protocol, "sasl_username": username, "sasl_password": SecretStr(password)}
        )
        return KafkaClients(self.bootstrap, security)

    def anonymous(self) -> KafkaClients:
        """The same cluster with no credentials at all (for tests that check the broker refuses them)."""
        protocol = "SSL" if self.security.security_protocol in ("SSL", "SASL_SSL") else "PLAINTEXT"
        security = self.security.model_copy(
            update={"security_protocol": protocol, "sasl_username": None, "sasl_password": None}
        )
        return KafkaClients(self.bootstrap, security)

    def environment(self) -> dict[str, str]:
        """The ``HUB_*`` variables that give a child process (another hub command) these same clients."""
        s = self.security
        env = {"HUB_KAFKA_BOOTSTRAP": self.bootstrap, "HUB_KAFKA__SECURITY_PROTOCOL": s.security_protocol}
        optional = {
            "SASL_MECHANISM": s.sasl_mechanism if s.security_protocol.startswith("SASL_") else None,
            "SASL_USERNAME": s.sasl_username,
            "SASL_PASSWORD": s.sasl_password.get_secret_value() if s.sasl_password else None,
            "SSL_CAFILE": str(s.ssl_cafile) if s.ssl_cafile else None,
            "SSL_CERTFILE": str(s.ssl_certfile) if s.ssl_certfile else None,
            "SSL_KEYFILE": str(s.ssl_keyfile) if s.ssl_keyfile else None,
        }
        env.update({f"HUB_KAFKA__{name}": value for name, value in optional.items() if value is not None})
        return env

    def common_options(self) -> dict[str, Any]:
        """Options every aiokafka client takes: address, client id, timeouts, SASL and TLS.

        A caller's own options (a longer ``request_timeout_ms``, its own ``client_id``) override these.
        """
        s = self.security
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "client_id": s.client_id,
            "request_timeout_ms": s.request_timeout_ms,
            "security_protocol": s.security_protocol,
        }
        if s.security_protocol.startswith("SASL_"):
            options["sasl_mechanism"] = s.sasl_mechanism
            options["sasl_plain_username"] = s.sasl_username
            options["sasl_plain_password"] = s.sasl_password.get_secret_value() if s.sasl_password else None
        if s.security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = self.ssl_context()
        return options

    def ssl_context(self) -> ssl.SSLContext:
        """TLS context from the CA, certificate and key files (system CAs when no CA file is set)."""
        s = self.security
        context: ssl.SSLContext = create_ssl_context(
            cafile=str(s.ssl_cafile) if s.ssl_cafile else None,
            certfile=str(s.ssl_certfile) if s.ssl_certfile else None,
            keyfile=str(s.ssl_keyfile) if s.ssl_keyfile else None,
        )
        return context

    def producer(self, **options: Any) -> AIOKafkaProducer:
        """An idempotent producer with ``acks=all`` (state tables, dead letters, commands)."""
        return AIOKafkaProducer(**{**self.common_options(), "enable_idempotence": True, "acks": "all", **options})

    def transactional_producer(self, transactional_id: str, **options: Any) -> AIOKafkaProducer:
        """A transactional producer: idempotent, ``acks=all``, fencing any earlier one with the same id."""
        merged = {**self.common_options(), "enable_idempotence": True, "acks": "all", **options}
        return AIOKafkaProducer(transactional_id=transactional_id, **merged)

    def confluent_transactional_producer(
        self,
        transactional_id: str,
        *,
        linger_ms: int,
        max_batch_size: int,
        transaction_timeout_s: float = 60.0,
        error_cb: Callable[[KafkaError], None] | None = None,
    ) -> Producer:
        """The same transactional producer in librdkafka (confluent-kafka): idempotent, ``acks=all``, fencing.

        Partitioned with murmur2 like aiokafka and the Java client (librdkafka's own default hashes differently),
        so a key lands on the same partition whichever client wrote it. librdkafka's log goes to ``logging``;
        ``error_cb`` hears its client-level errors (without one, a fatal error is raised inside whatever callback
        librdkafka happens to be serving).
        """
        # Imported here: client_config builds on this module, and only the sync's publisher needs librdkafka.
        from confluent_kafka import Producer

        from hub.security.client_config import confluent_config
        from hub.stream.confluent_producer import LIBRDKAFKA_LOGGER

        return Producer(
            {
                **confluent_config(self),
                "transactional.id": transactional_id,
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": linger_ms,
                "batch.size": max_batch_size,
                "partitioner": "murmur2_random",
                "transaction.timeout.ms": int(transaction_timeout_s * 1000),
                "socket.timeout.ms": self.security.request_timeout_ms,
                **({"error_cb": error_cb} if error_cb is not None else {}),
            },
            logger=LIBRDKAFKA_LOGGER,
        )

    def committed_consumer(self, *topics: str, group_id: str | None = None, **options: Any) -> AIOKafkaConsumer:
        """A consumer that sees committed transactions only and commits offsets only when told to.

        Without ``group_id`` it joins no group: assign its partitions yourself (``hub.stream.consume.assign_all``).
        """
        merged: dict[str, Any] = {
            **self.common_options(),
            "isolation_level": "read_committed",
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            **options,
        }
        return AIOKafkaConsumer(*topics, group_id=group_id, **merged)

    def group_consumer(self, *topics: str, group_id: str, **options: Any) -> AIOKafkaConsumer:
        """A read_committed consumer in ``group_id`` sharing the topics' partitions with the group's other members."""
        return self.committed_consumer(*topics, group_id=group_id, **options)

    def admin(self, **options: Any) -> AIOKafkaAdminClient:
        """An admin client (topics, configs, offsets)."""
        return AIOKafkaAdminClient(**{**self.common_options(), **options})
