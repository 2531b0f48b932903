"""``hub partners read`` as the partner, with the credentials the API handed out: its own topic is read, another
partner's is refused with a message naming the user, the topic and what it may read, a wrong password too."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from hub.api import partner_credentials
from hub.api.app import make_app
from hub.config import ApiSettings, HubSettings, StreamSettings
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, partner_topic, partner_topic_spec
from tests.api.conftest import memory_registry

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "partner-read-cli-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _partner_env(**extra: str) -> dict[str, str]:
    """A partner's shell: none of the hub's settings (no HUB_KAFKA__* credentials of the hub's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PARTNER_"))}
    env.update(extra)
    return env


async def _hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hub", "partners", "read", *args, "--idle", "2"]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _save(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    path.chmod(0o600)
    return path


async def test_the_partner_reads_its_topic_with_its_credentials_and_is_refused_anothers(
    aiohttp_client: Any, secured_kafka: KafkaClients, unique_name: str, tmp_path: Path
) -> None:
    settings = HubSettings(
        stream=StreamSettings(topic_prefix=unique_name), api=ApiSettings(admin_token=SecretStr(ADMIN_TOKEN))
    )
    specs = [partner_topic_spec(settings, partner, "projects") for partner in ("alpha", "beta")]
    await ensure_topics(secured_kafka, specs, settings)
    producer = secured_kafka.producer()
    await producer.start()
    try:
        for partner in ("alpha", "beta"):
            value = json.dumps({"projectName": f"for {partner}"}).encode()
            await producer.send_and_wait(partner_topic(settings, partner, "projects"), value, key=partner.encode())
    finally:
        await producer.stop()

    def setup(app: web.Application) -> None:
        partner_credentials.setup(app, secured_kafka)

    client = await aiohttp_client(make_app(settings, registry=memory_registry(), extra_setup=setup))
    issued = await client.post("/partners/alpha/credentials", headers=ADMIN)
    assert issued.status == 201, await issued.text()
    document = await issued.json()
    config = _save(tmp_path / "alpha-kafka.json", document)
    try:
        own = await _hub(_partner_env(), "alpha", "--client-config", str(config))
        assert own.returncode == 0, own.stderr
        assert [json.loads(line) for line in own.stdout.splitlines()] == [{"projectName": "for alpha"}]
        assert f"1 records from {unique_name}.partner.alpha.projects.v1" in own.stderr

        beta_topic = f"{unique_name}.partner.beta.projects.v1"
        other = await _hub(_partner_env(), "beta", "--client-config", str(config))
        assert other.returncode == 1
        assert "for beta" not in other.stdout
        assert f"the cluster refused: Kafka user 'partner.alpha' may not read {beta_topic}" in other.stderr
        assert f"it may read topics starting with {unique_name}.partner.alpha." in other.stderr

        # The same with a user and the password in the environment instead of the file.
        flags = _partner_env(PARTNER_KAFKA_PASSWORD=document["password"], HUB_STREAM__TOPIC_PREFIX=unique_name)
        by_flags = ["--username", "partner.alpha", "--bootstrap", secured_kafka.bootstrap]
        own = await _hub(flags, "alpha", *by_flags)
        assert own.returncode == 0, own.stderr
        assert json.loads(own.stdout) == {"projectName": "for alpha"}
        other = await _hub(flags, "beta", *by_flags)
        assert other.returncode == 1
        assert f"Kafka user 'partner.alpha' may not read {beta_topic}" in other.stderr

        wrong = await _hub({**flags, "PARTNER_KAFKA_PASSWORD": "not-the-password"}, "alpha", *by_flags)
        assert wrong.returncode == 1
        assert f"cannot connect to {secured_kafka.bootstrap} as Kafka user 'partner.alpha'" in wrong.stderr
        missing = await _hub(_partner_env(HUB_STREAM__TOPIC_PREFIX=unique_name), "alpha", *by_flags)
        assert missing.returncode == 1
        assert "needs its password in PARTNER_KAFKA_PASSWORD" in missing.stderr

        # The hub itself (its own credentials, HUB_KAFKA__*) reads any partner's topic.
        as_hub = await _hub(_partner_env(**secured_kafka.environment(), HUB_STREAM__TOPIC_PREFIX=unique_name), "beta")
        assert as_hub.returncode == 0, as_hub.stderr
        assert json.loads(as_hub.stdout) == {"projectName": "for beta"}
    finally:
        revoked = await client.delete("/partners/alpha/credentials", headers=ADMIN)
        assert revoked.status == 204


def _read_with(config: Path) -> subprocess.CompletedProcess[str]:
    """``hub partners read alpha --client-config CONFIG``, as the partner runs it."""
    return subprocess.run(  # noqa: S603 - the hub's own command
        [sys.executable, "-m", "hub", "partners", "read", "alpha", "--client-config", str(config)],
        env=_partner_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_client_config_that_is_not_the_credentials_document_is_refused_naming_the_field(tmp_path: Path) -> None:
    """No broker needed: the file is checked before any connection."""
    config = _save(tmp_path / "bad.json", {"username": "partner.alpha", "password": "x", "clients": {}})
    result = _read_with(config)
    assert result.returncode == 1
    assert f"{config}: no clients.aiokafka.security_protocol" in result.stderr
    (tmp_path / "broken.json").write_text("{not json")
    broken = _read_with(tmp_path / "broken.json")
    assert broken.returncode == 1
    assert "broken.json is not JSON (line 1, column 2)" in broken.stderr
