"""Every Kafka client of the hub is built by ``hub.stream.kafka``, so security settings reach all of them."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import hub
import hub.stream.kafka as kafka_layer
from hub.config import KafkaSettings
from hub.stream.kafka import KafkaClients

CLIENT_CLASSES = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient", "AIOKafkaClient"}
KAFKA_LAYER = Path(hub.__file__).parent / "stream" / "kafka.py"


def _constructions(path: Path) -> list[str]:
    """Where a module calls an aiokafka client class, or imports one under another name: 'file:line name'."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in CLIENT_CLASSES:
                found.append(f"{path.name}:{node.lineno} {name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aiokafka"):
            # Importing a client class for annotations is fine; renaming it would hide a call from the check above.
            found.extend(
                f"{path.name}:{node.lineno} {alias.name} as {alias.asname}"
                for alias in node.names
                if alias.name in CLIENT_CLASSES and alias.asname
            )
    return found


def test_no_module_outside_the_kafka_layer_constructs_an_aiokafka_client() -> None:
    offenders = [
        hit
        for path in sorted(Path(hub.__file__).parent.rglob("*.py"))
        if path != KAFKA_LAYER
        for hit in _constructions(path)
    ]
    assert offenders == []


def test_the_check_sees_a_construction(tmp_path: Path) -> None:
    """The scan above is not vacuous: it finds a direct construction and an import of a client class."""
    module = tmp_path / "rogue.py"
    module.write_text(
        "from aiokafka import AIOKafkaConsumer as C\nimport aiokafka\nc = aiokafka.AIOKafkaProducer()\nd = C()\n"
    )
    assert _constructions(module) == ["rogue.py:1 AIOKafkaConsumer as C", "rogue.py:3 AIOKafkaProducer"]
    assert _constructions(KAFKA_LAYER)


def test_plaintext_clients_carry_no_credentials() -> None:
    options = KafkaClients("127.0.0.1:9092").common_options()
    assert options["security_protocol"] == "PLAINTEXT"
    assert "sasl_plain_password" not in options
    assert "ssl_context" not in options


def test_sasl_settings_reach_every_client_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each factory method passes the same address, SASL and client id to the aiokafka class it builds."""
    built: list[tuple[str, dict[str, Any]]] = []
    for cls in ("AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient"):
        monkeypatch.setattr(kafka_layer, cls, lambda *_, _cls=cls, **kw: built.append((_cls, kw)))
    security = KafkaSettings(
        security_protocol="SASL_PLAINTEXT", sasl_username="hub", sasl_password=SecretStr("s3cret-pass")
    )
    kafka = KafkaClients("127.0.0.1:9092", security)
    kafka.producer()
    kafka.transactional_producer("tx")
    kafka.committed_consumer()
    kafka.group_consumer("t", group_id="g")
    kafka.admin()
    assert [cls for cls, _ in built] == [
        "AIOKafkaProducer",
        "AIOKafkaProducer",
        "AIOKafkaConsumer",
        "AIOKafkaConsumer",
        "AIOKafkaAdminClient",
    ]
    for _, options in built:
        assert options["bootstrap_servers"] == "127.0.0.1:9092"
        assert options["security_protocol"] == "SASL_PLAINTEXT"
        assert options["sasl_mechanism"] == "SCRAM-SHA-512"
        assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("hub", "s3cret-pass")
        assert options["client_id"] == "citsci-hub"
    assert built[1][1]["transactional_id"] == "tx"
    assert built[2][1]["isolation_level"] == built[3][1]["isolation_level"] == "read_committed"
    assert built[3][1]["group_id"] == "g"


def test_environment_round_trips_through_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child process given ``environment()`` builds the same clients."""
    from hub.config import load_settings

    security = KafkaSettings(
        security_protocol="SASL_PLAINTEXT", sasl_username="partner-a", sasl_password=SecretStr("pw-123456")
    )
    kafka = KafkaClients("127.0.0.1:19092", security)
    for name, value in kafka.environment().items():
        monkeypatch.setenv(name, value)
    again = KafkaClients.from_settings(load_settings())
    assert again.bootstrap == kafka.bootstrap
    assert again.security.sasl_username == "partner-a"
    assert again.security.sasl_password is not None
    assert again.security.sasl_password.get_secret_value() == "pw-123456"


def test_sasl_without_credentials_is_a_clear_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.config import load_settings
    from hub.errors import ConfigError

    monkeypatch.setenv("HUB_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(ConfigError, match="SASL_SSL needs sasl_username and sasl_password"):
        load_settings()


def test_a_callers_options_override_the_common_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, Any]] = []
    monkeypatch.setattr(kafka_layer, "AIOKafkaAdminClient", lambda **kw: built.append(kw))
    monkeypatch.setattr(kafka_layer, "AIOKafkaProducer", lambda **kw: built.append(kw))
    kafka = KafkaClients("127.0.0.1:9092")
    kafka.admin(request_timeout_ms=1234)
    kafka.producer(acks=1, client_id="bench")
    assert built[0]["request_timeout_ms"] == 1234
    assert (built[1]["acks"], built[1]["client_id"]) == (1, "bench")
