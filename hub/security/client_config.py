"""One cluster's client security as each Kafka client library spells it: aiokafka, confluent-kafka, Java, kcat.

``KafkaClients`` builds the hub's own aiokafka clients; these functions turn the same settings into what a
partner (or a tool of the hub's, such as the Java quorum probe) pastes into its client.
"""

from __future__ import annotations

from typing import Any

from hub.config import KafkaSettings
from hub.stream.kafka import KafkaClients

__all__ = [
    "aiokafka_options",
    "client_configs",
    "confluent_config",
    "java_properties",
    "java_properties_text",
    "kcat_config",
]


def _librdkafka_style(clients: KafkaClients) -> dict[str, str]:
    """The ``key=value`` settings librdkafka (confluent-kafka, kcat) and the Java client share."""
    s: KafkaSettings = clients.security
    config = {"bootstrap.servers": clients.bootstrap, "security.protocol": s.security_protocol}
    if s.security_protocol.startswith("SASL_"):
        config["sasl.mechanism"] = s.sasl_mechanism
    return config


def confluent_config(clients: KafkaClients) -> dict[str, Any]:
    """The librdkafka configuration (confluent-kafka's ``Consumer``, ``Producer`` and ``AdminClient``)."""
    s = clients.security
    config: dict[str, Any] = {**_librdkafka_style(clients), "client.id": s.client_id}
    if s.security_protocol.startswith("SASL_"):
        config["sasl.username"] = s.sasl_username
        config["sasl.password"] = s.sasl_password.get_secret_value() if s.sasl_password else None
    if s.security_protocol in ("SSL", "SASL_SSL"):
        for key, path in (
            ("ssl.ca.location", s.ssl_cafile),
            ("ssl.certificate.location", s.ssl_certfile),
            ("ssl.key.location", s.ssl_keyfile),
        ):
            if path is not None:
                config[key] = str(path)
    return config


def kcat_config(clients: KafkaClients) -> str:
    """A kcat (librdkafka) configuration file: save it and run ``kcat -F <file> -C -t <topic>``."""
    config = confluent_config(clients)
    config.pop("client.id")
    return "".join(f"{key}={value}\n" for key, value in config.items())


def _java_escape(value: str) -> str:
    # JAAS values are double-quoted; the caller's password is validated when it is made, but be exact anyway.
    return value.replace("\\", "\\\\").replace('"', '\\"')


def java_properties(clients: KafkaClients) -> dict[str, str]:
    """The Java client's properties (``kafka-console-consumer --consumer.config``, ``Properties`` in code).

    Java takes PEM files for TLS as ``ssl.truststore.type=PEM`` with ``ssl.truststore.location``; a client
    certificate (mTLS) needs a keystore the operator builds, which is left out here.
    """
    s = clients.security
    props = {**_librdkafka_style(clients), "client.id": s.client_id}
    if s.security_protocol.startswith("SASL_") and s.sasl_username and s.sasl_password:
        module = (
            "org.apache.kafka.common.security.plain.PlainLoginModule"
            if s.sasl_mechanism == "PLAIN"
            else "org.apache.kafka.common.security.scram.ScramLoginModule"
        )
        props["sasl.jaas.config"] = (
            f'{module} required username="{_java_escape(s.sasl_username)}" '
            f'password="{_java_escape(s.sasl_password.get_secret_value())}";'
        )
    if s.security_protocol in ("SSL", "SASL_SSL") and s.ssl_cafile is not None:
        props["ssl.truststore.type"] = "PEM"
        props["ssl.truststore.location"] = str(s.ssl_cafile)
    return props


def java_properties_text(clients: KafkaClients) -> str:
    """``java_properties`` as the text of a ``.properties`` file (backslashes doubled, as the format wants)."""
    return "".join(f"{key}={value.replace(chr(92), chr(92) * 2)}\n" for key, value in java_properties(clients).items())


def aiokafka_options(clients: KafkaClients) -> dict[str, Any]:
    """Keyword arguments for aiokafka's ``AIOKafkaConsumer``/``AIOKafkaProducer`` (without TLS context objects).

    With TLS, build the context with ``aiokafka.helpers.create_ssl_context(cafile=...)`` and pass it as
    ``ssl_context``; a context is not plain data, so it is not part of a configuration handed out.
    """
    options = clients.common_options()
    options.pop("ssl_context", None)
    return options


def client_configs(clients: KafkaClients) -> dict[str, Any]:
    """Every client's configuration at once: what a partner is handed with its credentials."""
    return {
        "aiokafka": aiokafka_options(clients),
        "confluent_kafka": confluent_config(clients),
        "java_properties": java_properties_text(clients),
        "kcat": kcat_config(clients),
    }
