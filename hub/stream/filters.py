"""Partner subscription filters: which records of the entity topics a subscription selects.

A record's facets are read from its compact JSON-LD (the context's terms: ``projectCountry``,
``projectScienceType``, ``keyword``, ``projectName``...) and its IRI (the platform is a segment of every minted
IRI). Empty filter lists match everything; within one list any value may match; all non-empty lists must match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.errors import SchemaError
from hub.schema.iris import parse_iri
from hub.stream.filter_values import UnknownFilterValue, country_label
from hub.stream.state import PartnerSubscription
from hub.suggest import fold

__all__ = ["Facets", "facets_of", "matches"]

_TEXT_KEYS = ("projectName", "name", "projectDescription", "description", "projectAim", "title")


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(item) for item in value if item is not None]
    return [str(value)]


@dataclass(frozen=True, slots=True)
class Facets:
    """What subscriptions filter on, lower-cased."""

    entity: str
    platform: str | None
    countries: frozenset[str]
    science_types: frozenset[str]
    keywords: frozenset[str]
    text: str


def facets_of(entity: str, iri: str, document: Mapping[str, Any]) -> Facets:
    """The facets of one record (its IRI and compact JSON-LD document)."""
    try:
        platform: str | None = parse_iri(iri)[1]
    except SchemaError:
        platform = None
    return Facets(
        entity=entity,
        platform=platform,
        countries=frozenset(c.lower() for c in _strings(document.get("projectCountry") or document.get("country"))),
        science_types=frozenset(s.lower() for s in _strings(document.get("projectScienceType"))),
        keywords=frozenset(k.lower() for k in _strings(document.get("keyword"))),
        text=" ".join(t for key in _TEXT_KEYS for t in _strings(document.get(key))).lower(),
    )


def _country_key(value: str) -> str:
    """A subscription's country as the records carry it (lower-cased); one stored before codes were read as is."""
    try:
        return country_label(value).lower()
    except UnknownFilterValue:
        return value.lower()


def matches(subscription: PartnerSubscription, facets: Facets) -> bool:
    """Whether the subscription selects a record with these facets.

    Countries match PPSR's label (a subscription's ``ES`` or ``ESP`` is read as ``Spain``, for one stored before
    the API stored labels); platforms match the IRI's slug ignoring case and punctuation; a science type matches
    when it is contained in one of the record's (``"ecology"`` selects ``"Biological Sciences - Ecology"``); a
    keyword matches one of the record's keywords or a word sequence of its name or description.
    """
    if subscription.entity_types and facets.entity not in subscription.entity_types:
        return False
    if subscription.platforms and fold(facets.platform or "") not in {fold(p) for p in subscription.platforms}:
        return False
    if subscription.countries and not facets.countries & {_country_key(c) for c in subscription.countries}:
        return False
    if subscription.science_types and not any(
        fold(wanted) in fold(have) for wanted in subscription.science_types for have in facets.science_types
    ):
        return False
    return not subscription.keywords or any(
        k.lower() in facets.keywords or k.lower() in facets.text for k in subscription.keywords
    )
