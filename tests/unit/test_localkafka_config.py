"""The local broker's configuration: SASL and ACL settings, the hub's password file, and refusals of bad state."""

from __future__ import annotations

import base64
import json
import stat
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub import localkafka
from hub.config import KafkaSettings, LocalKafkaSettings
from hub.errors import KafkaDeployError
from hub.localkafka import LocalKafka, default_deploy_dir
from hub.localkafka_config import HubCredentials, NodeAddress, render_node_config, resolve_credentials

TEMPLATE = (default_deploy_dir() / "server.properties").read_text()


def _properties(text: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            props[key] = value
    return props


def test_the_generated_password_is_private_and_stable(tmp_path: Path) -> None:
    first = resolve_credentials(tmp_path, None)
    mode = stat.S_IMODE((tmp_path / "sasl.password").stat().st_mode)
    assert mode == 0o600
    assert first.username == "hub"
    assert len(first.password.get_secret_value()) >= 32
    assert resolve_credentials(tmp_path, None) == first


def test_a_configured_password_is_used_and_never_written(tmp_path: Path) -> None:
    configured = KafkaSettings(sasl_username="ops", sasl_password=SecretStr("from-the-environment"))
    creds = resolve_credentials(tmp_path, configured)
    assert (creds.username, creds.password.get_secret_value()) == ("ops", "from-the-environment")
    assert not (tmp_path / "sasl.password").exists()


@pytest.mark.parametrize("password", ['has"quote', "back\\slash", "semi;colon", "line\nbreak"])
def test_a_password_that_would_break_the_jaas_line_is_refused(tmp_path: Path, password: str) -> None:
    with pytest.raises(KafkaDeployError, match="HUB_KAFKA__SASL_PASSWORD must not contain"):
        resolve_credentials(tmp_path, KafkaSettings(sasl_password=SecretStr(password)))


def test_a_sasl_node_authenticates_everything_and_trusts_only_the_hub(tmp_path: Path) -> None:
    nodes = [NodeAddress(1, 9092, 9093)]
    creds = HubCredentials("hub", SecretStr("pw"))
    props = _properties(render_node_config(TEMPLATE, nodes[0], nodes, tmp_path, creds))
    assert props["listeners"] == "SASL_PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["listener.security.protocol.map"] == "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["sasl.mechanism.controller.protocol"] == "PLAIN"
    assert props["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:hub"
    assert 'user_hub="pw"' in props["listener.name.controller.plain.sasl.jaas.config"]


def test_a_plaintext_node_has_no_authorizer(tmp_path: Path) -> None:
    nodes = [NodeAddress(1, 9092, 9093)]
    props = _properties(render_node_config(TEMPLATE, nodes[0], nodes, tmp_path, None))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert "authorizer.class.name" not in props
    assert props["offsets.topic.replication.factor"] == "1"


def test_three_nodes_form_one_quorum_with_replicated_internal_topics(tmp_path: Path) -> None:
    nodes = [NodeAddress(i, 9000 + i, 9100 + i) for i in (1, 2, 3)]
    props = _properties(render_node_config(TEMPLATE, nodes[1], nodes, tmp_path, None))
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9101,2@127.0.0.1:9102,3@127.0.0.1:9103"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9002"
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["transaction.state.log.min.isr"] == "2"


def _formatted(tmp_path: Path, **record: object) -> None:
    home = tmp_path / "kafka"
    home.mkdir()
    base = {"cluster_id": "x", "brokers": 1, "sasl": True, "username": "hub", "salt": "s", "fingerprint": None}
    (home / "cluster.json").write_text(json.dumps({**base, **record, "nodes": []}))


def _broker(tmp_path: Path, **settings: object) -> LocalKafka:
    return LocalKafka(LocalKafkaSettings.model_validate(settings), state_dir=tmp_path, cache_dir=tmp_path / "cache")


def test_storage_formatted_without_sasl_is_not_started_with_it(tmp_path: Path) -> None:
    _formatted(tmp_path, sasl=False, username=None)
    with pytest.raises(KafkaDeployError, match="formatted without SASL; set HUB_LOCAL_KAFKA__SASL=false"):
        _broker(tmp_path).start()


def test_a_cluster_of_another_size_is_not_started(tmp_path: Path) -> None:
    _formatted(tmp_path, brokers=3)
    with pytest.raises(KafkaDeployError, match="holds a 3-node cluster, not 1: use --brokers 3"):
        _broker(tmp_path).start()


def test_a_changed_hub_password_is_refused_with_the_way_out(tmp_path: Path) -> None:
    home = tmp_path / "kafka"
    _formatted(tmp_path)
    salt = json.loads((home / "cluster.json").read_text())["salt"]
    old = resolve_credentials(home, None)
    record = json.loads((home / "cluster.json").read_text()) | {"fingerprint": old.fingerprint(salt)}
    (home / "cluster.json").write_text(json.dumps(record))
    changed = KafkaSettings(sasl_password=SecretStr("another-password"))
    broker = LocalKafka(LocalKafkaSettings(), state_dir=tmp_path, cache_dir=tmp_path / "cache", security=changed)
    with pytest.raises(KafkaDeployError, match="SASL user or password differs"):
        broker.start()


def test_old_single_node_storage_without_a_record_asks_for_sasl_off(tmp_path: Path) -> None:
    (tmp_path / "kafka" / "data").mkdir(parents=True)
    (tmp_path / "kafka" / "data" / "meta.properties").write_text("version=1\n")
    with pytest.raises(KafkaDeployError, match="formatted without SASL by an earlier hub"):
        _broker(tmp_path).start()


def test_a_new_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """A UUID whose base64 starts with "-" is drawn again: kafka-storage would take it for an option."""
    dashed = uuid.UUID(bytes=b"\xf8" + bytes(15))  # base64url "-A...": the first 6 bits are 62
    plain = uuid.UUID(bytes=bytes(16))
    draws = iter([dashed, plain])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    assert base64.urlsafe_b64encode(dashed.bytes).decode().startswith("-")
    cluster_id = localkafka._new_cluster_id()
    assert cluster_id == base64.urlsafe_b64encode(plain.bytes).decode().rstrip("=")
    assert len(cluster_id) == 22
