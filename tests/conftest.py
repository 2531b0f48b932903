"""Shared fixtures: a clean environment for every test, and one real Apache Kafka broker per session."""

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
from hub.stream.kafka import KafkaClients

# Read before the autouse fixture below clears HUB_* for each test.
_EXTERNAL_BOOTSTRAP = os.environ.get("HUB_KAFKA_BOOTSTRAP")
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no HUB_* variables and structlog's defaults."""
    for name in list(os.environ):
        if name.startswith("HUB_"):
            monkeypatch.delenv(name)
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a real Apache Kafka broker: HUB_KAFKA_BOOTSTRAP, or one started from deploy/kafka.

    With CI=true a broker that cannot be had fails the run; elsewhere the integration tests are skipped with
    the reason.
    """
    if _EXTERNAL_BOOTSTRAP:
        yield _EXTERNAL_BOOTSTRAP
        return
    cache_dir = Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "citsci-hub"))
    broker = LocalKafka(LocalKafkaSettings(), state_dir=tmp_path_factory.mktemp("hub-state"), cache_dir=cache_dir)
    try:
        info = broker.start()
    except KafkaDeployError as exc:
        if _IN_CI:
            pytest.fail(f"CI=true and no Apache Kafka broker could be started: {exc}")
        pytest.skip(f"no Apache Kafka broker: {exc}")
    try:
        yield info.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def kafka(kafka_bootstrap: str) -> KafkaClients:
    """Clients for the session's broker, built the way the hub builds its own (``hub.stream.kafka``)."""
    return KafkaClients(kafka_bootstrap, KafkaSettings())


@pytest.fixture
def unique_name() -> str:
    """A name no other test uses, for topics, groups and transactional ids on the shared broker."""
    return f"test-{uuid.uuid4().hex[:12]}"
