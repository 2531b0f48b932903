"""On a broker with SCRAM and ACLs: nobody without credentials gets in, and a partner reads its own topics only."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka.admin import NewTopic
from confluent_kafka import KafkaError

from hub.config import StreamSettings
from hub.security.partner_users import PartnerCredentials, PartnerGrant, PartnerUsers, partner_grant
from hub.stream.kafka import KafkaClients
from hub.stream.topics import entity_topic, internal_topic, partner_topic
from tests.security import probes

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class World:
    """Topics of one test's own prefix, each holding one record, and partners alpha and beta."""

    hub: KafkaClients
    stream: StreamSettings
    users: PartnerUsers
    alpha: PartnerCredentials
    beta: PartnerCredentials

    @property
    def alpha_topic(self) -> str:
        return partner_topic(self.stream, "alpha", "projects")

    @property
    def beta_topic(self) -> str:
        return partner_topic(self.stream, "beta", "projects")

    def as_partner(self, credentials: PartnerCredentials) -> KafkaClients:
        return credentials.clients(self.hub)


async def _seed(hub: KafkaClients, topics: list[str]) -> None:
    admin = hub.admin()
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 1, 1) for t in topics])
    finally:
        await admin.close()
    producer = hub.producer()
    await producer.start()
    try:
        for topic in topics:
            await producer.send_and_wait(topic, f"record of {topic}".encode())
    finally:
        await producer.stop()


@pytest.fixture
async def world(secured_kafka: KafkaClients) -> AsyncIterator[World]:
    stream = StreamSettings(topic_prefix=f"t{uuid.uuid4().hex[:10]}")
    topics = [
        partner_topic(stream, "alpha", "projects"),
        partner_topic(stream, "beta", "projects"),
        entity_topic(stream, "projects"),
        internal_topic(stream, "connectors"),
    ]
    await _seed(secured_kafka, topics)
    users = PartnerUsers(secured_kafka)
    grants = [partner_grant(stream, "alpha"), partner_grant(stream, "beta")]
    alpha, beta = [await users.provision(g) for g in grants]
    try:
        yield World(secured_kafka, stream, users, alpha, beta)
    finally:
        for grant in grants:
            await users.delete(grant)


def _group(grant: PartnerGrant) -> str:
    return f"{grant.group_prefix}catalogue-{uuid.uuid4().hex[:6]}"


async def test_a_client_without_credentials_is_refused(world: World) -> None:
    anonymous = world.hub.anonymous()
    listed = await asyncio.to_thread(probes.list_topics, anonymous)
    # The SASL listener closes a connection that does not start with a SASL handshake: no metadata at all.
    assert isinstance(listed, KafkaError)
    assert listed.code() == KafkaError._TRANSPORT
    read = await asyncio.to_thread(probes.read, anonymous, world.alpha_topic, "anyone", timeout_s=5)
    assert isinstance(read, KafkaError)
    assert read.code() in {KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN}, read
    # The same address serves the hub, so the refusal is the listener's, not a broker that is down.
    served = await asyncio.to_thread(probes.list_topics, world.hub)
    assert isinstance(served, set)
    assert world.alpha_topic in served


async def test_an_unknown_user_or_wrong_password_fails_authentication(world: World) -> None:
    for username, password in (("nobody", "secret"), (world.alpha.username, "not-the-password")):
        refused = await asyncio.to_thread(
            probes.read, world.hub.with_credentials(username, password), world.alpha_topic, _group(world.alpha.grant)
        )
        assert isinstance(refused, KafkaError)
        assert refused.code() == KafkaError._AUTHENTICATION
        assert "invalid credentials" in refused.str()


async def test_a_user_without_acls_sees_no_topic(world: World) -> None:
    grant = PartnerGrant("bare", f"bare-{uuid.uuid4().hex[:6]}", "x.partner.bare.", "x.partner.bare.")
    await asyncio.to_thread(probes.create_bare_user, world.hub, grant.username, "bare-password")
    try:
        bare = world.hub.with_credentials(grant.username, "bare-password")
        assert await asyncio.to_thread(probes.list_topics, bare) == set()
        refused = await asyncio.to_thread(probes.read, bare, world.alpha_topic, "x.partner.bare.g")
        assert isinstance(refused, KafkaError)
        assert refused.code() == KafkaError.GROUP_AUTHORIZATION_FAILED
    finally:
        await world.users.delete(grant)


async def test_the_partner_reads_its_own_topic_and_lists_nothing_else(world: World) -> None:
    alpha = world.as_partner(world.alpha)
    values = await asyncio.to_thread(probes.read, alpha, world.alpha_topic, _group(world.alpha.grant))
    assert values == [f"record of {world.alpha_topic}".encode()]
    visible = await asyncio.to_thread(probes.list_topics, alpha)
    assert isinstance(visible, set)
    assert {t for t in visible if t.startswith(world.stream.topic_prefix)} == {world.alpha_topic}


async def test_the_partner_reads_through_the_hubs_own_aiokafka_client(world: World) -> None:
    consumer = world.as_partner(world.alpha).group_consumer(world.alpha_topic, group_id=_group(world.alpha.grant))
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=15_000, max_records=1)
    finally:
        await consumer.stop()
    assert [r.value for rs in batches.values() for r in rs] == [f"record of {world.alpha_topic}".encode()]


async def test_the_partner_cannot_read_other_topics(world: World) -> None:
    alpha = world.as_partner(world.alpha)
    group = _group(world.alpha.grant)
    others = [
        world.beta_topic,
        internal_topic(world.stream, "connectors"),
        entity_topic(world.stream, "projects"),
    ]
    for topic in others:
        refused = await asyncio.to_thread(probes.read, alpha, topic, group)
        assert isinstance(refused, KafkaError), topic
        assert refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, (topic, refused)


async def test_the_partner_cannot_use_another_partners_group(world: World) -> None:
    refused = await asyncio.to_thread(
        probes.read, world.as_partner(world.alpha), world.alpha_topic, _group(world.beta.grant)
    )
    assert isinstance(refused, KafkaError)
    assert refused.code() == KafkaError.GROUP_AUTHORIZATION_FAILED


async def test_the_partner_cannot_write_anywhere(world: World) -> None:
    alpha = world.as_partner(world.alpha)
    for topic in (world.alpha_topic, world.beta_topic, internal_topic(world.stream, "connectors")):
        refused = await asyncio.to_thread(probes.write, alpha, topic, b"forged")
        assert refused is not None, topic
        assert refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, (topic, refused)


async def test_the_partners_acls_are_exactly_its_grant(world: World) -> None:
    acls = await world.users.acls(world.alpha.grant)
    assert sorted(map(str, acls)) == sorted(map(str, world.alpha.grant.acls()))
    assert {a.name for a in acls} == {world.alpha.grant.topic_prefix}


async def test_after_deletion_the_partners_credentials_are_refused(world: World) -> None:
    alpha = world.as_partner(world.alpha)
    assert await world.users.delete(world.alpha.grant) is True
    refused = await asyncio.to_thread(probes.read, alpha, world.alpha_topic, _group(world.alpha.grant))
    assert isinstance(refused, KafkaError)
    assert refused.code() == KafkaError._AUTHENTICATION
    assert await world.users.acls(world.alpha.grant) == []
    assert await world.users.exists(world.alpha.username) is False
    assert await world.users.delete(world.alpha.grant) is False


async def test_after_rotation_only_the_new_password_works(world: World) -> None:
    old = world.as_partner(world.alpha)
    rotated = await world.users.rotate(world.alpha.grant)
    assert rotated.password.get_secret_value() != world.alpha.password.get_secret_value()
    refused = await asyncio.to_thread(probes.read, old, world.alpha_topic, _group(world.alpha.grant))
    assert isinstance(refused, KafkaError)
    assert refused.code() == KafkaError._AUTHENTICATION
    values = await asyncio.to_thread(
        probes.read, world.as_partner(rotated), world.alpha_topic, _group(world.alpha.grant)
    )
    assert values == [f"record of {world.alpha_topic}".encode()]
