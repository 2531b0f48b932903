"""Through the API: an admin gives a partner its own Kafka user; the partner reads its topic and nothing else; the
credentials die when they are rotated or revoked."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from confluent_kafka import KafkaError
from pydantic import SecretStr

from hub.api import partner_credentials
from hub.api.app import make_app
from hub.config import ApiSettings, HubSettings, StreamSettings
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, hub_topics, partner_topic, partner_topic_spec
from tests.api.conftest import memory_registry
from tests.security.probes import read

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "partner-credentials-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def test_issue_use_rotate_and_revoke_a_partners_credentials(
    aiohttp_client: Any, secured_kafka: KafkaClients, unique_name: str
) -> None:
    settings = HubSettings(
        stream=StreamSettings(topic_prefix=unique_name), api=ApiSettings(admin_token=SecretStr(ADMIN_TOKEN))
    )
    await ensure_topics(
        secured_kafka, [*hub_topics(settings), partner_topic_spec(settings, "ecsa", "projects")], settings
    )
    topic = partner_topic(settings, "ecsa", "projects")
    producer = secured_kafka.producer()
    await producer.start()
    await producer.send_and_wait(topic, b'{"projectName": "Penguin Watch"}', key=b"p1")
    await producer.stop()

    def setup(app: web.Application) -> None:
        partner_credentials.setup(app, secured_kafka)

    client = await aiohttp_client(make_app(settings, registry=memory_registry(), extra_setup=setup))
    issued = await client.post("/partners/ecsa/credentials", headers=ADMIN)
    assert issued.status == 201, await issued.text()
    body = await issued.json()
    assert body["username"] == "partner.ecsa"
    assert body["topic_prefix"] == f"{unique_name}.partner.ecsa."
    assert set(body["clients"]) >= {"aiokafka", "confluent_kafka", "java_properties", "kcat"}
    assert body["clients"]["aiokafka"]["sasl_plain_username"] == "partner.ecsa"
    assert issued.headers["Cache-Control"] == "no-store"
    partner = secured_kafka.with_credentials(body["username"], body["password"])

    group = f"{unique_name}.partner.ecsa.reader"
    assert read(partner, topic, group) == [b'{"projectName": "Penguin Watch"}']
    refused = read(partner, f"{unique_name}.hub.connectors", f"{unique_name}.partner.ecsa.snoop")
    assert isinstance(refused, KafkaError)

    rotated = await client.post("/partners/ecsa/credentials", headers=ADMIN)
    assert rotated.status == 201
    assert isinstance(read(partner, topic, group + "2"), KafkaError), "the old password is refused after rotation"

    revoked = await client.delete("/partners/ecsa/credentials", headers=ADMIN)
    assert revoked.status == 204
    new_password = (await rotated.json())["password"]
    gone = secured_kafka.with_credentials("partner.ecsa", new_password)
    assert isinstance(read(gone, topic, group + "3"), KafkaError), "revoked credentials are refused"
    again = await client.delete("/partners/ecsa/credentials", headers=ADMIN)
    assert again.status == 404


async def test_only_an_admin_manages_credentials(aiohttp_client: Any, secured_kafka: KafkaClients) -> None:
    settings = HubSettings(api=ApiSettings(admin_token=SecretStr(ADMIN_TOKEN)))
    client = await aiohttp_client(make_app(settings, registry=memory_registry()))
    response = await client.post("/partners/ecsa/credentials", headers={"Authorization": "Bearer nope-" + "x" * 40})
    assert response.status == 401
