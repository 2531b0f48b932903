"""What the directory reads out of a compact JSON-LD record: texts, facets, pin, and labels for provenance."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hub.errors import SchemaError
from hub.schema.iris import parse_iri

__all__ = ["FACETS", "PROVENANCE_FIELDS", "facet_values", "pin", "platform_of", "texts"]

#: Facet name -> (label, the record keys whose values it counts).
FACETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "platform": ("Platform", ()),
    "country": ("Country", ("projectCountry",)),
    "status": ("Status", ("projectStatus",)),
    "science": ("Science type", ("projectScienceType",)),
    "task": ("Participation task", ("scientificProcessInvolved",)),
    "language": ("Language", ("language",)),
    "region": ("UN region", ("unRegions",)),
}

#: The fields a project page compares across platforms, with their labels.
PROVENANCE_FIELDS: tuple[tuple[str, str], ...] = (
    ("projectName", "Name"),
    ("projectAim", "Aim"),
    ("projectDescription", "Description"),
    ("projectStatus", "Status"),
    ("projectCountry", "Country"),
    ("unRegions", "UN region"),
    ("projectScienceType", "Science type"),
    ("scientificProcessInvolved", "Participation task"),
    ("projectTask", "What participants do"),
    ("language", "Language"),
    ("keyword", "Keywords"),
    ("projectUrl", "Project website"),
    ("projectResponsiblePartyName", "Responsible party"),
    ("projectStartDate", "Start date"),
    ("projectLastUpdatedDate", "Last updated"),
)


def texts(value: Any) -> Iterator[str]:
    """Every text in a compact JSON-LD value: a string, a number, a list of them, or ``{"@value": ...}``."""
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            yield from texts(item)
    elif isinstance(value, Mapping):
        inner = value.get("@value", value.get("name"))
        if inner is not None:
            yield from texts(inner)
    elif isinstance(value, bool):
        yield "yes" if value else "no"
    elif isinstance(value, str | int | float):
        text = str(value).strip()
        if text:
            yield text


def platform_of(iri: str) -> str:
    """The platform segment of a hub IRI, or ``""`` for an IRI the hub did not mint."""
    try:
        return parse_iri(iri)[1]
    except SchemaError:
        return ""


def facet_values(iri: str, record: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(facet, value)`` pairs of a project record, deduplicated."""
    seen: set[tuple[str, str]] = set()
    platform = platform_of(iri)
    if platform:
        seen.add(("platform", platform))
    for facet, (_, keys) in FACETS.items():
        for key in keys:
            for value in texts(record.get(key)):
                seen.add((facet, value))
    yield from sorted(seen)


def pin(record: Mapping[str, Any]) -> tuple[float, float] | None:
    """The first location pin of a project, when it has one with numeric latitude and longitude in range."""
    locations = record.get("projectGeographicLocation")
    for location in locations if isinstance(locations, list) else [locations]:
        if not isinstance(location, Mapping):
            continue
        lat, lon = location.get("projectPinLatitude"), location.get("projectPinLongitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float) and -90 <= lat <= 90 and -180 <= lon <= 180:
            return float(lat), float(lon)
    return None
