"""Hub records for the dump tests, built with the real schema models (the shapes the publisher puts on Kafka)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from hub.schema import (
    ContributionStatistics,
    HubModel,
    Link,
    Organisation,
    Platform,
    Project,
    ProjectGeographicLocation,
)
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.jsonld import to_nquads

ECOLOGY = "Biological Sciences - Ecology"
ASTRONOMY = "Physical Sciences - Astronomical And Space Sciences"


def project(
    platform: str,
    native_id: str,
    name: str,
    *,
    url: str | None = None,
    country: str | None = None,
    science: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    party: str | None = None,
    external_ids: list[str] | None = None,
    original_repository: list[str] | None = None,
    same_as: list[str] | None = None,
    external_links: list[str] | None = None,
    responsible_party: str | None = None,
) -> Project:
    return Project(
        iri=mint_iri("project", platform, native_id),
        project_id=native_id,
        project_name=name,
        project_url=url,
        project_country=[country] if country else [],
        project_science_type=[science] if science else [],
        project_geographic_location=(
            [ProjectGeographicLocation(project_pin_latitude=lat, project_pin_longitude=lon)] if lat is not None else []
        ),
        project_responsible_party_name=party,
        project_external_id=external_ids or [],
        project_original_repository=original_repository or [],
        project_external_links=external_links or [],
        responsible_party=responsible_party,
        same_as=same_as or [],
        hosted_on=[platform_iri(platform)],
    )


def platform(slug: str, name: str, url: str) -> Platform:
    return Platform(iri=platform_iri(slug), name=name, url=url)


def organisation(platform_slug: str, native_id: str, name: str) -> Organisation:
    return Organisation(
        iri=mint_iri("organisation", platform_slug, native_id), name=name, hosted_on=[platform_iri(platform_slug)]
    )


def statistics(platform_slug: str, project_id: str, month: int, classifications: int) -> ContributionStatistics:
    return ContributionStatistics(
        iri=mint_iri("statistics", platform_slug, f"{project_id}-2024-{month:02d}"),
        project=mint_iri("project", platform_slug, project_id),
        period_start=f"2024-{month:02d}-01T00:00:00Z",
        period_end=f"2024-{month + 1:02d}-01T00:00:00Z",
        classification_count=classifications,
    )


def link(a: str, b: str, score: float = 0.9) -> Link:
    return Link.between(a, b, score=score, evidence=["same homepage"], method="test")


def expected_dataset(records: Iterable[HubModel | Mapping[str, Any]]) -> ox.Dataset:
    """The canonical RDF of the records through pyld (an independent path), each in the graph of its IRI."""
    quads: list[ox.Quad] = []
    for record in records:
        graph = ox.NamedNode(record.iri if isinstance(record, HubModel) else record["id"])
        quads.extend(
            ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(to_nquads(record), ox.RdfFormat.N_QUADS)
        )
    return canonical(quads)


def canonical(quads: Iterable[ox.Quad]) -> ox.Dataset:
    """Blank nodes canonicalised and literals in the store's value form.

    Oxigraph keeps numbers and dates by value, so "9.0E-1"^^xsd:double from pyld reads back as "0.9": both sides of
    a comparison go through a store first.
    """
    store = ox.Store()
    store.extend(quads)
    dataset = ox.Dataset(store)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset
