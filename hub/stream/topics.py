"""The hub's topic layout, and the admin step that creates missing topics and checks existing ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from hub.config import StreamSettings
from hub.errors import StreamError

__all__ = ["TopicCheck", "TopicSpec", "ensure_topics", "hub_topics"]

log = structlog.get_logger(__name__)

ENTITY_TYPES = ("projects", "organisations", "platforms", "datasets", "links")
INTERNAL_TOPICS = ("connectors", "cursors", "status", "partners")
_SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
_NINETY_DAYS_MS = 90 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A topic the hub owns: its name and the configs it must have."""

    name: str
    configs: Mapping[str, str] = field(default_factory=dict)


def _compacted(settings: StreamSettings) -> dict[str, str]:
    return {"cleanup.policy": "compact", "min.insync.replicas": str(settings.min_insync_replicas)}


def _retained(settings: StreamSettings, retention_ms: int) -> dict[str, str]:
    return {
        "cleanup.policy": "delete",
        "retention.ms": str(retention_ms),
        "min.insync.replicas": str(settings.min_insync_replicas),
    }


def hub_topics(settings: StreamSettings) -> list[TopicSpec]:
    """Every topic the hub needs before any connector runs (raw topics come with their platforms)."""
    prefix = settings.topic_prefix
    specs = [TopicSpec(f"{prefix}.{entity}.v1", _compacted(settings)) for entity in ENTITY_TYPES]
    specs.append(TopicSpec(f"{prefix}.contributions.v1", _retained(settings, _NINETY_DAYS_MS)))
    specs.append(TopicSpec(f"{prefix}.dlq.v1", _retained(settings, _NINETY_DAYS_MS)))
    specs.extend(TopicSpec(f"{prefix}.hub.{name}", _compacted(settings)) for name in INTERNAL_TOPICS)
    return specs


@dataclass(frozen=True)
class TopicCheck:
    """What ``ensure_topics`` did: topics it created, and existing topics whose configs differ from the spec."""

    created: list[str]
    existing: list[str]
    mismatched: dict[str, dict[str, tuple[str, str]]]


def _config_entries(response: Any) -> dict[str, dict[str, str]]:
    """Flatten aiokafka's DescribeConfigs responses into {topic: {config: value}}."""
    result: dict[str, dict[str, str]] = {}
    for item in response:
        for resource in item.resources:
            # Each resource is (error_code, error_message, resource_type, resource_name, config_entries).
            name = resource[3]
            result[name] = {entry[0]: entry[1] for entry in resource[4]}
    return result


async def ensure_topics(
    bootstrap: str, specs: Iterable[TopicSpec], settings: StreamSettings, *, request_timeout_ms: int = 30000
) -> TopicCheck:
    """Create the topics that are missing and report existing ones whose configs differ.

    A difference is reported (and logged), not altered: changing a production topic's cleanup policy is an
    operator's decision.
    """
    wanted = {spec.name: spec for spec in specs}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=request_timeout_ms)
    try:
        await admin.start()
        present = set(await admin.list_topics())
        missing = [name for name in wanted if name not in present]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        name,
                        num_partitions=settings.partitions,
                        replication_factor=settings.replication_factor,
                        topic_configs=dict(wanted[name].configs),
                    )
                    for name in missing
                ]
            )
            log.info("topics.created", topics=missing)
        existing = sorted(name for name in wanted if name in present)
        mismatched: dict[str, dict[str, tuple[str, str]]] = {}
        if existing:
            described = _config_entries(
                await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in existing])
            )
            for name in existing:
                actual = described.get(name, {})
                diff = {
                    key: (value, actual.get(key, "<unset>"))
                    for key, value in wanted[name].configs.items()
                    if actual.get(key) != value
                }
                if diff:
                    mismatched[name] = diff
                    log.warning("topics.config_mismatch", topic=name, expected_vs_actual=diff)
    except Exception as exc:
        raise StreamError(f"could not create or check the hub's topics on {bootstrap}: {exc!r}") from exc
    finally:
        await admin.close()
    return TopicCheck(created=sorted(missing), existing=existing, mismatched=mismatched)
