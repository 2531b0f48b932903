from __future__ import annotations

from aiokafka import ConsumerRecord
from structlog.testing import capture_logs

from hub.config import HubSettings, StreamSettings
from hub.dump.materialiser import materialised_topics, to_changes

from .records import project


def _record(offset: int, key: bytes | None, value: bytes | None) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("p.projects.v1", 0, offset, 0, 0, key, value, None, 0, 0, [])


def test_kafka_records_become_changes_and_bad_ones_are_logged_with_their_position() -> None:
    """Upserts and tombstones become changes; a bad value or a missing key is logged with topic/partition/offset."""
    good = project("scistarter", "a", "Alpha")
    records = [
        _record(0, good.iri.encode(), good.to_jsonld_bytes()),
        _record(1, b"https://w3id.org/citsci-hub/id/project/scistarter/b", b"{not json"),
        _record(2, None, good.to_jsonld_bytes()),
        _record(3, b"https://w3id.org/citsci-hub/id/project/scistarter/c", None),
    ]
    with capture_logs() as logs:
        changes = to_changes(records)
    assert [(c.key, c.iri) for c in changes] == [
        (good.iri, good.iri),
        ("https://w3id.org/citsci-hub/id/project/scistarter/c", None),
    ]
    assert len(changes[0].quads) > 0
    rejected = sorted(
        (entry for entry in logs if entry["event"] == "materialiser.record_rejected"), key=lambda e: e["offset"]
    )
    assert [(entry["offset"], entry["topic"], entry["partition"]) for entry in rejected] == [
        (1, "p.projects.v1", 0),
        (2, "p.projects.v1", 0),
    ]
    assert "not JSON" in rejected[0]["reason"]
    assert "key is missing" in rejected[1]["reason"]


def test_the_materialiser_reads_the_compacted_entity_statistics_and_link_topics() -> None:
    """It reads projects, organisations, platforms, datasets, statistics and links, under the topic prefix."""
    topics = materialised_topics(HubSettings(stream=StreamSettings(topic_prefix="x")))
    assert sorted(topics) == sorted(
        [
            "x.projects.v1",
            "x.organisations.v1",
            "x.platforms.v1",
            "x.datasets.v1",
            "x.statistics.v1",
            "x.links.v1",
        ]
    )
