"""Topic names, the topic layout and the CloudEvents envelope, without a broker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from hub.config import HubSettings, StreamSettings
from hub.errors import StreamError
from hub.stream.envelope import CloudEvent, entity_of_event_type, event_type
from hub.stream.topics import (
    dlq_topic,
    entity_topic,
    hub_topics,
    internal_topic,
    partner_topic,
    partner_topic_spec,
    raw_topic,
    raw_topic_spec,
)


def test_name_helpers_follow_the_layout() -> None:
    """Each helper names its topic under the configured prefix."""
    settings = StreamSettings(topic_prefix="t1")
    assert entity_topic(settings, "projects") == "t1.projects.v1"
    assert entity_topic(settings, "statistics") == "t1.statistics.v1"
    assert raw_topic(settings, "zooniverse") == "t1.raw.zooniverse.v1"
    assert partner_topic(settings, "ecsa", "projects") == "t1.partner.ecsa.projects.v1"
    assert dlq_topic(settings) == "t1.dlq.v1"
    assert internal_topic(settings, "cursors") == "t1.hub.cursors"


def test_name_helpers_accept_the_hub_settings() -> None:
    """HubSettings work where StreamSettings do (the stream section is used)."""
    assert entity_topic(HubSettings(), "links") == "ccs.links.v1"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: entity_topic(s, "users"), "unknown entity type 'users'"),
        (lambda s: raw_topic(s, "zoo.niverse"), "invalid platform 'zoo.niverse'"),
        (lambda s: partner_topic(s, "a b", "projects"), "invalid partner 'a b'"),
        (lambda s: internal_topic(s, "secrets"), "unknown internal topic 'secrets'"),
    ],
)
def test_bad_names_are_refused_with_the_reason(call: Callable[[StreamSettings], str], match: str) -> None:
    """A name that would make an ambiguous or unknown topic is refused, saying which and why."""
    with pytest.raises(StreamError, match=match):
        call(StreamSettings())


def test_layout_has_compacted_entities_and_retained_streams() -> None:
    """Entity and state topics are compacted; contributions and the DLQ are kept by time."""
    settings = StreamSettings(topic_prefix="p", min_insync_replicas=2)
    specs = {spec.name: spec.configs for spec in hub_topics(settings)}
    for entity in ("projects", "organisations", "platforms", "datasets", "links", "statistics"):
        assert specs[f"p.{entity}.v1"]["cleanup.policy"] == "compact"
    for name in ("connectors", "cursors", "status", "partners"):
        assert specs[f"p.hub.{name}"]["cleanup.policy"] == "compact"
    assert specs["p.contributions.v1"]["cleanup.policy"] == "delete"
    assert specs["p.dlq.v1"]["cleanup.policy"] == "delete"
    assert {configs["min.insync.replicas"] for configs in specs.values()} == {"2"}
    assert raw_topic_spec(settings, "scistarter").configs["cleanup.policy"] == "compact"
    assert partner_topic_spec(settings, "x", "contributions").configs["cleanup.policy"] == "delete"


def test_event_types_are_singular_and_parse_back() -> None:
    """Event types name one record and can be read back into (entity topic, action)."""
    assert event_type("projects", "upserted") == "org.citsci.hub.project.upserted"
    assert event_type("statistics", "deleted") == "org.citsci.hub.statistics.deleted"
    assert entity_of_event_type("org.citsci.hub.organisation.deleted") == ("organisations", "deleted")
    assert entity_of_event_type("org.citsci.hub.raw.fetched") is None
    with pytest.raises(StreamError, match="unknown entity type"):
        event_type("people", "upserted")


def test_cloudevent_round_trips_through_headers() -> None:
    """Binary mode: every attribute becomes a ce_ header and comes back equal."""
    event = CloudEvent(
        source="/connectors/zoo",
        type="org.citsci.hub.project.upserted",
        subject="https://example.org/id/project/zoo/1",
        dataschema="https://w3id.org/citsci-hub/context/v1.jsonld",
        extensions={"contenthash": "abc"},
        time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    headers = event.to_headers()
    names = [name for name, _ in headers]
    assert names[:6] == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"]
    assert dict(headers)["ce_time"] == b"2026-01-02T03:04:05Z"
    assert dict(headers)["content-type"] == b"application/ld+json"
    assert CloudEvent.from_headers(headers) == event


def test_headers_without_required_attributes_are_refused() -> None:
    """A message that is not a CloudEvent is named as such, with the missing headers."""
    with pytest.raises(StreamError, match=r"lack \['ce_specversion', 'ce_id', 'ce_source', 'ce_type'\]"):
        CloudEvent.from_headers([("content-type", b"application/json")])
    with pytest.raises(StreamError, match=r"specversion '0\.3'"):
        CloudEvent.from_headers([("ce_specversion", b"0.3"), ("ce_id", b"1"), ("ce_source", b"s"), ("ce_type", b"t")])
