"""A broker that checks credentials and ACLs: the session's when it is SASL, else one of this package's own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import LocalKafkaSettings
from hub.errors import KafkaDeployError
from hub.localkafka import LocalKafka
from hub.stream.kafka import KafkaClients


@pytest.fixture(scope="session")
def secured_kafka(kafka_clients: KafkaClients, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaClients]:
    """The hub's clients (a super user) on a broker with SCRAM and the StandardAuthorizer.

    The session broker is used when it is SASL (the default local one, or HUB_KAFKA__SECURITY_PROTOCOL=SASL_*);
    a plaintext session broker (HUB_LOCAL_KAFKA__SASL=false, or a plaintext HUB_KAFKA_BOOTSTRAP) cannot check
    anything, so a SASL one is started for these tests.
    """
    if kafka_clients.security.security_protocol.startswith("SASL_"):
        yield kafka_clients
        return
    cache_dir = Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "citsci-hub"))
    broker = LocalKafka(
        LocalKafkaSettings(sasl=True, heap_mb=384), state_dir=tmp_path_factory.mktemp("sasl"), cache_dir=cache_dir
    )
    try:
        info = broker.start()
    except KafkaDeployError as exc:
        pytest.fail(f"could not start a SASL broker for the security tests: {exc}")
    try:
        yield info.clients()
    finally:
        broker.stop()
