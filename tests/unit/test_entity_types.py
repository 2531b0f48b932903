"""One list of entity types (``hub.schema.base.ENTITY_TYPES``); everything that names them agrees with it."""

from __future__ import annotations

import typing

import hub.schema.models as models
from hub.api.models import EntityType
from hub.config import StreamSettings
from hub.dump.materialiser import MATERIALISED_ENTITIES
from hub.schema.base import COMPACTED_ENTITY_TYPES, ENTITY_TYPES, TIME_KEPT_ENTITY_TYPES, HubModel
from hub.stream.envelope import _SINGULAR
from hub.stream.topics import entity_topic, hub_topics


def _hub_models() -> list[type[HubModel]]:
    found: list[type[HubModel]] = []
    pending = list(HubModel.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__ == models.__name__:
            found.append(cls)
    return found


def test_every_model_publishes_to_a_known_entity_type_and_every_type_has_a_model() -> None:
    entities = {cls.ENTITY for cls in _hub_models()}
    assert entities == set(ENTITY_TYPES)


def test_the_api_topics_envelope_and_materialiser_agree_with_the_list() -> None:
    assert typing.get_args(EntityType) == ENTITY_TYPES
    assert set(_SINGULAR) == set(ENTITY_TYPES)
    assert set(MATERIALISED_ENTITIES) == set(COMPACTED_ENTITY_TYPES)
    assert set(COMPACTED_ENTITY_TYPES) | set(TIME_KEPT_ENTITY_TYPES) == set(ENTITY_TYPES)
    topics = {spec.name for spec in hub_topics(StreamSettings())}
    assert {entity_topic(StreamSettings(), entity) for entity in ENTITY_TYPES} <= topics


def test_compacted_types_get_compacted_topics_and_time_kept_types_retention() -> None:
    specs = {spec.name: spec.configs for spec in hub_topics(StreamSettings())}
    for entity in COMPACTED_ENTITY_TYPES:
        assert specs[entity_topic(StreamSettings(), entity)]["cleanup.policy"] == "compact"
    for entity in TIME_KEPT_ENTITY_TYPES:
        assert specs[entity_topic(StreamSettings(), entity)]["cleanup.policy"] == "delete"
