"""The hub's topic layout, and the admin step that creates missing topics and checks existing ones."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiokafka.admin import NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from hub.config import HubSettings, StreamSettings
from hub.errors import StreamError

# Entity topics of compacted types are keyed by record IRI (latest version, tombstones for deletions); the
# time-kept ones (contributions) by project IRI, with retention.
from hub.schema.base import COMPACTED_ENTITY_TYPES, ENTITY_TYPES
from hub.stream.kafka import KafkaClients

__all__ = [
    "COMPACTED_ENTITY_TYPES",
    "ENTITY_TYPES",
    "INTERNAL_TOPICS",
    "TopicCheck",
    "TopicSpec",
    "dlq_topic",
    "ensure_topics",
    "entity_topic",
    "hub_topics",
    "internal_topic",
    "partner_topic",
    "partner_topic_spec",
    "raw_topic",
    "raw_topic_spec",
    "runs_topic",
    "sync_state_topic",
    "sync_state_topic_spec",
]

log = structlog.get_logger(__name__)

# Compacted state topics; router backfill marks and dead-letter replay notes have their own, so no reader of a
# connector's status has to filter keys to tell them apart.
INTERNAL_TOPICS = ("connectors", "cursors", "status", "partners", "router-marks", "dlq-notes")
_NAME_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
_NINETY_DAYS_MS = 90 * 24 * 3600 * 1000
_THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000


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


def _stream(settings: StreamSettings | HubSettings) -> StreamSettings:
    return settings.stream if isinstance(settings, HubSettings) else settings


def _name_part(what: str, value: str) -> str:
    # Topic names allow [A-Za-z0-9._-]; a dot inside a part would make names ambiguous, so parts forbid it.
    if not _NAME_PART.match(value):
        raise StreamError(f"invalid {what} {value!r} for a topic name: use letters, digits, '_' and '-' only")
    return value


def entity_topic(settings: StreamSettings | HubSettings, entity: str) -> str:
    """The topic of an entity type, e.g. ``ccs.projects.v1``.

    Raises:
        StreamError: ``entity`` is not one of ``ENTITY_TYPES``.
    """
    if entity not in ENTITY_TYPES:
        raise StreamError(f"unknown entity type {entity!r}; expected one of {list(ENTITY_TYPES)}")
    return f"{_stream(settings).topic_prefix}.{entity}.v1"


def raw_topic(settings: StreamSettings | HubSettings, platform: str) -> str:
    """The topic of a platform's verbatim records, e.g. ``ccs.raw.zooniverse.v1``."""
    return f"{_stream(settings).topic_prefix}.raw.{_name_part('platform', platform)}.v1"


def partner_topic(settings: StreamSettings | HubSettings, partner: str, entity: str) -> str:
    """A partner's filtered copy of an entity topic, e.g. ``ccs.partner.ecsa.projects.v1``."""
    entity_topic(settings, entity)  # validates the entity type
    return f"{_stream(settings).topic_prefix}.partner.{_name_part('partner', partner)}.{entity}.v1"


def dlq_topic(settings: StreamSettings | HubSettings) -> str:
    """The dead-letter topic, e.g. ``ccs.dlq.v1``."""
    return f"{_stream(settings).topic_prefix}.dlq.v1"


def internal_topic(settings: StreamSettings | HubSettings, name: str) -> str:
    """One of the hub's compacted state topics (``INTERNAL_TOPICS``), e.g. ``ccs.hub.cursors``."""
    if name not in INTERNAL_TOPICS:
        raise StreamError(f"unknown internal topic {name!r}; expected one of {list(INTERNAL_TOPICS)}")
    return f"{_stream(settings).topic_prefix}.hub.{name}"


def runs_topic(settings: StreamSettings | HubSettings) -> str:
    """The run history (``hub.worker.runs``): one record per run start and end, kept 30 days, not compacted."""
    return f"{_stream(settings).topic_prefix}.hub.runs"


def sync_state_topic(settings: StreamSettings | HubSettings, connector: str) -> str:
    """A connector's own change-detection state (``hub.stream.sync_state``), e.g. ``ccs.hub.sync.zooniverse-main``.

    One topic per connector, so a sync start reads what that connector wrote and nothing of the others.
    """
    return f"{_stream(settings).topic_prefix}.hub.sync.{_name_part('connector', connector)}"


def sync_state_topic_spec(settings: StreamSettings | HubSettings, connector: str) -> TopicSpec:
    """A connector's state topic: compacted; created when the connector first syncs."""
    return TopicSpec(sync_state_topic(settings, connector), _compacted(_stream(settings)))


def hub_topics(settings: StreamSettings | HubSettings) -> list[TopicSpec]:
    """Every topic the hub needs before any connector runs (raw topics come with their platforms)."""
    stream = _stream(settings)
    specs = [TopicSpec(entity_topic(stream, entity), _compacted(stream)) for entity in COMPACTED_ENTITY_TYPES]
    specs.append(TopicSpec(entity_topic(stream, "contributions"), _retained(stream, _NINETY_DAYS_MS)))
    specs.append(TopicSpec(dlq_topic(stream), _retained(stream, _NINETY_DAYS_MS)))
    specs.extend(TopicSpec(internal_topic(stream, name), _compacted(stream)) for name in INTERNAL_TOPICS)
    specs.append(TopicSpec(runs_topic(stream), _retained(stream, _THIRTY_DAYS_MS)))
    return specs


def raw_topic_spec(settings: StreamSettings | HubSettings, platform: str) -> TopicSpec:
    """A platform's raw topic: compacted, keyed by ``{kind}:{native id}``; created when the platform first syncs."""
    return TopicSpec(raw_topic(settings, platform), _compacted(_stream(settings)))


def partner_topic_spec(settings: StreamSettings | HubSettings, partner: str, entity: str) -> TopicSpec:
    """A partner topic: compacted like its entity topic (time-retained for contributions)."""
    stream = _stream(settings)
    configs = _retained(stream, _NINETY_DAYS_MS) if entity == "contributions" else _compacted(stream)
    return TopicSpec(partner_topic(stream, partner, entity), configs)


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


_TOPIC_ALREADY_EXISTS = 36


def _raise_creation_errors(response: Any) -> None:
    """Raise for topics the broker refused; one that another process created meanwhile is fine."""
    failures = [
        f"{error[0]}: error {error[1]} {error[2] if len(error) > 2 else ''}".strip()
        for error in response.topic_errors
        if error[1] not in (0, _TOPIC_ALREADY_EXISTS)
    ]
    if failures:
        raise StreamError("the broker refused to create topics: " + "; ".join(failures))


async def ensure_topics(
    kafka: KafkaClients,
    specs: Iterable[TopicSpec],
    settings: StreamSettings | HubSettings,
    *,
    request_timeout_ms: int = 30000,
) -> TopicCheck:
    """Create the topics that are missing and report existing ones whose configs differ.

    A difference is reported (and logged), not altered: changing a production topic's cleanup policy is an
    operator's decision.
    """
    settings = _stream(settings)
    wanted = {spec.name: spec for spec in specs}
    admin = kafka.admin(request_timeout_ms=request_timeout_ms)
    try:
        await admin.start()
        present = set(await admin.list_topics())
        missing = [name for name in wanted if name not in present]
        if missing:
            response = await admin.create_topics(
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
            _raise_creation_errors(response)
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
        raise StreamError(f"could not create or check the hub's topics on {kafka.bootstrap}: {exc!r}") from exc
    finally:
        await admin.close()
    return TopicCheck(created=sorted(missing), existing=existing, mismatched=mismatched)
