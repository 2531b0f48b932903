"""Subscription filters over a record's JSON-LD facets."""

from __future__ import annotations

import pytest

from hub.schema.iris import ID_BASE
from hub.stream.filters import facets_of, matches
from hub.stream.state import PartnerSubscription

IRI = ID_BASE + "project/zooniverse/123"
DOC = {
    "id": IRI,
    "projectName": "Penguin Watch",
    "projectDescription": "Count penguins on Antarctic cameras",
    "keyword": ["Seabirds", "Climate"],
    "projectCountry": ["Antarctica"],
    "projectScienceType": ["Biological Sciences - Ecology And Evolution"],
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, True),
        ({"entity_types": ["projects"]}, True),
        ({"entity_types": ["organisations"]}, False),
        ({"platforms": ["Zooniverse"]}, True),
        ({"platforms": ["scistarter"]}, False),
        ({"countries": ["antarctica", "Chile"]}, True),
        ({"countries": ["Chile"]}, False),
        ({"science_types": ["ecology"]}, True),
        ({"science_types": ["Astronomy"]}, False),
        ({"keywords": ["seabirds"]}, True),
        ({"keywords": ["penguin"]}, True),  # in the name
        ({"keywords": ["galaxies"]}, False),
        ({"keywords": ["climate"], "countries": ["Chile"]}, False),  # every non-empty list must match
    ],
)
def test_filters_select_by_every_non_empty_list(filters: dict[str, list[str]], expected: bool) -> None:
    """Empty lists match all; any value within a list; all lists together."""
    subscription = PartnerSubscription(partner="p", name="n", **filters)
    assert matches(subscription, facets_of("projects", IRI, DOC)) is expected


def test_a_foreign_iri_has_no_platform() -> None:
    """A record whose IRI the hub did not mint matches no platform filter, and the rest still works."""
    facets = facets_of("projects", "https://example.org/x", DOC)
    assert facets.platform is None
    assert not matches(PartnerSubscription(partner="p", name="n", platforms=["zooniverse"]), facets)
    assert matches(PartnerSubscription(partner="p", name="n", countries=["Antarctica"]), facets)
