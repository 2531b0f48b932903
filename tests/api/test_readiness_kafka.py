"""The Kafka readiness check names what is wrong."""

from __future__ import annotations

import pytest

from hub.api.kafka import api_topics, kafka_ready_check
from hub.config import HubSettings, StreamSettings
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ensure_topics, hub_topics


async def test_an_unreachable_cluster_is_not_ready(unused_tcp_port: int) -> None:
    """Nothing listens on the port: the check reports Kafka as unreachable."""
    check = kafka_ready_check(KafkaClients(f"127.0.0.1:{unused_tcp_port}"), HubSettings(), timeout_ms=1000)
    problems = await check()
    assert list(problems) == ["kafka"]
    assert problems["kafka"].startswith(f"unreachable at 127.0.0.1:{unused_tcp_port}")


@pytest.mark.integration
async def test_missing_topics_are_named(kafka: KafkaClients, unique_name: str) -> None:
    """Before the topics exist the check names them; after ensure_topics it passes."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    check = kafka_ready_check(kafka, settings)
    problems = await check()
    assert f"{unique_name}.hub.tokens" in problems["topics"]
    await ensure_topics(kafka, [*hub_topics(settings), *api_topics(settings)], settings)
    assert await check() == {}
