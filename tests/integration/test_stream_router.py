"""The partner router against a real broker: matching records, updates and deletions reach partner topics once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiokafka import TopicPartition

from hub.config import HubSettings, StreamSettings
from hub.errors import StreamError
from hub.stream.changes import read_topics
from hub.stream.consume import Message
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import run_sync
from hub.stream.publisher import OutgoingMessage
from hub.stream.router import PartnerRouter, fingerprint, router_group_id
from hub.stream.router_producers import PartitionPublishers
from hub.stream.state import PartnerSubscription, StateTable
from hub.stream.topics import ENTITY_TYPES, ensure_topics, entity_topic, hub_topics, internal_topic, partner_topic
from tests.stream.fakes import BASE, FakeConnector, http_client, row

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(unique_name: str) -> HubSettings:
    return HubSettings(stream=StreamSettings(topic_prefix=unique_name))


def _rows() -> list[dict[str, object]]:
    rows = [row(i, keywords=["birds"] if i % 3 == 0 else ["stars"]) for i in range(1, 61)]
    rows[4] = row(5, countries=["Finland"], keywords=["stars"])
    return rows


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with aiohttp.ClientSession() as session:
        yield FakeConnector(_rows(), http=http_client(session), page_size=25)


@pytest.fixture
async def router(kafka: KafkaClients, settings: HubSettings) -> AsyncIterator[PartnerRouter]:
    await ensure_topics(kafka, hub_topics(settings), settings)
    router = PartnerRouter(kafka, settings, refresh_interval_s=0.2, poll_timeout_ms=100)
    stop = asyncio.Event()
    task = asyncio.create_task(router.run(stop))
    yield router
    stop.set()
    await asyncio.wait_for(task, 30)


async def _entity_ends(kafka: KafkaClients, settings: HubSettings) -> dict[TopicPartition, int]:
    """Per entity-topic partition holding committed records, the offset after its last one."""
    ends: dict[TopicPartition, int] = {}
    for message in await read_topics(kafka, [entity_topic(settings, e) for e in ENTITY_TYPES]):
        tp = TopicPartition(message.topic, message.partition)
        ends[tp] = max(ends.get(tp, 0), message.offset + 1)
    return ends


async def _settled(
    kafka: KafkaClients,
    settings: HubSettings,
    router: PartnerRouter,
    topic: str,
    count: int,
    *subscriptions: PartnerSubscription,
) -> list[Message]:
    """The partner topic once the router has routed all there is and the topic holds at least ``count`` records.

    All there is: the router has backfilled each of ``subscriptions`` as it now stands and routed past the last
    committed record of every entity partition. Nothing is left for it to add, so the count is then exact.
    """
    wanted = {s.key: fingerprint(s) for s in subscriptions}
    async with asyncio.timeout(60):
        while True:
            ends = await _entity_ends(kafka, settings)
            prepared = all(router.prepared.get(key) == digest for key, digest in wanted.items())
            routed = all(router.routed_up_to.get(tp, 0) >= end for tp, end in ends.items())
            if prepared and routed:
                try:
                    messages = await read_topics(kafka, [topic])
                except Exception:  # noqa: BLE001 - the router creates the topic when it first sees the subscription
                    messages = []
                if len(messages) >= count:
                    break
            await asyncio.sleep(0.2)  # between two looks at the router and Kafka; the deadline bounds the wait
    assert len(messages) == count, [(m.key_text, m.header("ce_type")) for m in messages]
    return messages


async def _subscribe(kafka: KafkaClients, settings: HubSettings, subscription: PartnerSubscription) -> None:
    async with StateTable(kafka, internal_topic(settings, "partners"), PartnerSubscription) as table:
        await table.put(subscription.key, subscription)


async def test_router_backfills_routes_updates_and_deletions(
    kafka: KafkaClients, settings: HubSettings, connector: FakeConnector, router: PartnerRouter
) -> None:
    """Backfill of a new subscription, then one upsert per change and a deleted event + tombstone per removal."""
    await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    birds = PartnerSubscription(partner="birdwatch", name="birds", entity_types=["projects"], keywords=["Birds"])
    await _subscribe(kafka, settings, birds)
    topic = partner_topic(settings, "birdwatch", "projects")
    backfilled = await _settled(kafka, settings, router, topic, 20, birds)
    assert sorted(m.key_text for m in backfilled) == sorted(BASE + str(i) for i in range(3, 61, 3))
    assert {m.header("ce_type") for m in backfilled} == {"org.citsci.hub.project.upserted"}

    # One change to a matching record, one new matching record, one removal, one record that stops matching.
    connector.rows[5] = row(6, "Birds of the coast", keywords=["birds"])
    connector.rows.append(row(61, keywords=["birds", "sea"]))
    connector.rows[8] = row(9, keywords=["stars"])
    del connector.rows[2]  # project 3
    summary = await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    assert (summary.published, summary.deleted) == (3, 1)
    entity = (await read_topics(kafka, [entity_topic(settings, "projects")]))[60:]
    assert [(m.key_text, m.header("ce_type"), m.value is None) for m in entity] == [
        (BASE + "6", "org.citsci.hub.project.upserted", False),
        (BASE + "9", "org.citsci.hub.project.upserted", False),
        (BASE + "61", "org.citsci.hub.project.upserted", False),
        (BASE + "3", "org.citsci.hub.project.deleted", False),
        (BASE + "3", "org.citsci.hub.project.deleted", True),
    ]
    routed = (await _settled(kafka, settings, router, topic, 20 + 6, birds))[20:]
    assert [(m.key_text, m.header("ce_type"), m.value is None) for m in routed] == [
        (BASE + "6", "org.citsci.hub.project.upserted", False),
        (BASE + "9", "org.citsci.hub.project.deleted", False),  # it stopped matching
        (BASE + "9", "org.citsci.hub.project.deleted", True),
        (BASE + "61", "org.citsci.hub.project.upserted", False),
        (BASE + "3", "org.citsci.hub.project.deleted", False),  # it left the platform
        (BASE + "3", "org.citsci.hub.project.deleted", True),
    ]
    assert routed[0].value is not None
    assert b"Birds of the coast" in routed[0].value


async def test_new_partner_and_changed_filter_are_backfilled(
    kafka: KafkaClients, settings: HubSettings, connector: FakeConnector, router: PartnerRouter
) -> None:
    """A second partner gets only its records; narrowing a filter deletes what no longer matches, once."""
    await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    suomi = PartnerSubscription(partner="suomi", name="fi", countries=["finland"])
    await _subscribe(kafka, settings, suomi)
    finnish = await _settled(kafka, settings, router, partner_topic(settings, "suomi", "projects"), 1, suomi)
    assert finnish[0].key_text == BASE + "5"

    wide = PartnerSubscription(partner="birdwatch", name="all", keywords=["birds"])
    await _subscribe(kafka, settings, wide)
    topic = partner_topic(settings, "birdwatch", "projects")
    await _settled(kafka, settings, router, topic, 20, suomi, wide)
    narrow = wide.model_copy(update={"keywords": ["birds"], "countries": ["Finland"]})
    await _subscribe(kafka, settings, narrow)
    # Project 5 is Finnish but about stars: nothing matches any more, so all 20 go, each as event + tombstone.
    removed = (await _settled(kafka, settings, router, topic, 20 + 40, suomi, narrow))[20:]
    assert sorted({m.key_text for m in removed}) == sorted(BASE + str(i) for i in range(3, 61, 3))
    assert [m.value is None for m in removed] == [False, True] * 20


async def test_a_restarted_router_routes_nothing_twice(
    kafka: KafkaClients, settings: HubSettings, connector: FakeConnector
) -> None:
    """A second router instance after the first stopped finds the backfill marks and offsets: no duplicates."""
    await ensure_topics(kafka, hub_topics(settings), settings)
    await run_sync("fake-1", connector, kafka=kafka, settings=settings)
    birds = PartnerSubscription(partner="birdwatch", name="b", keywords=["birds"])
    await _subscribe(kafka, settings, birds)
    topic = partner_topic(settings, "birdwatch", "projects")
    for round_ in range(2):
        router = PartnerRouter(kafka, settings, refresh_interval_s=0.2, poll_timeout_ms=100)
        stop = asyncio.Event()
        task = asyncio.create_task(router.run(stop))
        try:
            # The second router has settled only once it has taken the partitions over, found the marks and
            # routed past every record: a wrong backfill or re-read from the start would show in the count and in
            # what it routed.
            await _settled(kafka, settings, router, topic, 20, birds)
            if round_ == 1:
                assert router.routed == 0
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)


async def test_the_router_that_takes_a_partition_over_fences_its_previous_owner(
    kafka: KafkaClients, settings: HubSettings
) -> None:
    """Routers owning different partitions both commit; the new owner of a partition fences the old one (a zombie)."""
    await ensure_topics(kafka, hub_topics(settings), settings)
    group = router_group_id(settings)
    projects, datasets = (TopicPartition(entity_topic(settings, e), 0) for e in ("projects", "datasets"))
    out = entity_topic(settings, "platforms")  # any topic the test owns will do as the output
    # One try per transaction, as the router has it: a retry would start a new producer and fence the new owner.
    first, second = (PartitionPublishers(kafka, group, max_attempts=1) for _ in range(2))
    try:
        assert await first.own([projects]) == {projects}
        assert await second.own([datasets]) == {datasets}
        await first.get(projects).publish([OutgoingMessage(out, b"a", b"1")])
        await second.get(datasets).publish([OutgoingMessage(out, b"b", b"2")])
        # The group moves `projects` to the second router while the first still runs.
        assert await second.own([projects, datasets]) == {projects}
        with pytest.raises(StreamError):
            await first.get(projects).publish([OutgoingMessage(out, b"zombie", b"3")])
        await second.get(projects).publish([OutgoingMessage(out, b"c", b"4")])
        assert sorted(m.key_text for m in await read_topics(kafka, [out])) == ["a", "b", "c"]
    finally:
        await first.close()
        await second.close()
