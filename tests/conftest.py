"""Shared fixtures: a clean environment for every test, and one real Apache Kafka broker per session.

The session broker is the hub's local one, with SASL/SCRAM and ACLs like ``hub kafka start``; set
``HUB_LOCAL_KAFKA__SASL=false`` for a plaintext one, or ``HUB_KAFKA_BOOTSTRAP`` (and ``HUB_KAFKA__*`` for its
security) to use a running cluster instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from hub.config import KafkaSettings, LocalKafkaSettings
from hub.errors import KafkaDeployError
from hub.localkafka import LocalKafka
from hub.security.secret_keys import generate_key
from hub.stream.kafka import KafkaClients

# Read before the autouse fixture below clears HUB_* for each test.
_EXTERNAL_BOOTSTRAP = os.environ.get("HUB_KAFKA_BOOTSTRAP")
_EXTERNAL_SECURITY = KafkaSettings.model_validate(
    {
        name.removeprefix("HUB_KAFKA__").lower(): value
        for name, value in os.environ.items()
        if name.startswith("HUB_KAFKA__")
    }
)
_LOCAL_SASL = os.environ.get("HUB_LOCAL_KAFKA__SASL", "true").strip().lower() not in {"0", "false", "no", "off"}
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


#: One secrets key for the whole session: no test writes a development key file into the working directory.
SESSION_SECRETS_KEY = generate_key()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no HUB_* variables but the session's HUB_SECRETS_KEY, and structlog's defaults.

    Tests of the development key file (``tests/security/test_secret_keys.py``) delete HUB_SECRETS_KEY.
    """
    for name in list(os.environ):
        if name.startswith("HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HUB_SECRETS_KEY", SESSION_SECRETS_KEY)
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def kafka_clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaClients]:
    """The hub's Kafka clients for a real Apache Kafka: HUB_KAFKA_BOOTSTRAP (+ HUB_KAFKA__*), or a local broker.

    The local broker is started from deploy/kafka with SASL/SCRAM and ACLs (the clients authenticate as the
    hub, its super user) unless HUB_LOCAL_KAFKA__SASL=false. With CI=true a broker that cannot be had fails
    the run; elsewhere the integration tests are skipped with the reason.
    """
    if _EXTERNAL_BOOTSTRAP:
        yield KafkaClients(_EXTERNAL_BOOTSTRAP, _EXTERNAL_SECURITY)
        return
    cache_dir = Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "citsci-hub"))
    broker = LocalKafka(
        LocalKafkaSettings(sasl=_LOCAL_SASL), state_dir=tmp_path_factory.mktemp("hub-state"), cache_dir=cache_dir
    )
    try:
        info = broker.start()
    except KafkaDeployError as exc:
        if _IN_CI:
            pytest.fail(f"CI=true and no Apache Kafka broker could be started: {exc}")
        pytest.skip(f"no Apache Kafka broker: {exc}")
    try:
        yield info.clients()
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_clients: KafkaClients) -> str:
    """Bootstrap servers of the session's broker (its security is in ``kafka_clients``)."""
    return kafka_clients.bootstrap


@pytest.fixture
def kafka(kafka_clients: KafkaClients) -> KafkaClients:
    """Clients for the session's broker, authenticated as the hub (``hub.stream.kafka``)."""
    return kafka_clients


@pytest.fixture
def unique_name() -> str:
    """A name no other test uses, for topics, groups and transactional ids on the shared broker."""
    return f"test-{uuid.uuid4().hex[:12]}"
