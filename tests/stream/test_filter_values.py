"""Every subscription filter against records mapped from the project's own recordings of real platforms.

Each test types a value as a user would (an ISO code, a display name, a fragment), canonicalises it as the API
does, and checks that the router's filter selects exactly the records the raw platform data says it should.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from hub.connectors.base import RawRecord
from hub.connectors.eucs import EucsConfig, EucsConnector
from hub.connectors.registry import load_connector_types
from hub.connectors.zooniverse import ZooniverseConfig, ZooniverseConnector
from hub.schema import HubModel
from hub.stream.filter_values import UnknownFilterValue, country_label, platform_slug, science_type
from hub.stream.filters import Facets, facets_of, matches
from hub.stream.state import PartnerSubscription
from tests.connectors.portal_replay import fixture_json, http_client

EUCS_PROJECTS: list[dict[str, Any]] = fixture_json("eucs", "projects.json")
ZOONIVERSE_PROJECTS: list[dict[str, Any]] = fixture_json("zooniverse", "projects.json")
KNOWN_PLATFORMS = {cls.platform for cls in load_connector_types().values()}


def _facets(models: Sequence[HubModel]) -> dict[str, Facets]:
    return {m.iri: facets_of(m.ENTITY, m.iri, m.to_jsonld()) for m in models if m.ENTITY == "projects"}


@pytest.fixture
async def eucs() -> dict[str, Facets]:
    """The EU-Citizen.Science projects of the recording, as the router sees them."""
    async with http_client() as http:
        connector = EucsConnector(EucsConfig(), http=http)
        models = [
            model
            for project in EUCS_PROJECTS
            for model in connector.map(
                RawRecord("eu-citizen-science", "project", str(project["id"]), project, "https://x/api/projects/")
            )
        ]
    return _facets(models)


@pytest.fixture
async def zooniverse() -> dict[str, Facets]:
    """The Zooniverse projects of the recording, as the router sees them."""
    async with http_client() as http:
        connector = ZooniverseConnector(ZooniverseConfig(), http=http)
        models = [
            model
            for project in ZOONIVERSE_PROJECTS
            for model in connector.map(
                RawRecord("zooniverse", "project", str(project["id"]), project, "https://x/api/projects")
            )
        ]
    return _facets(models)


def _selected(facets: dict[str, Facets], **filters: list[str]) -> set[str]:
    subscription = PartnerSubscription(partner="p", name="n", **filters)
    return {iri for iri, facet in facets.items() if matches(subscription, facet)}


@pytest.mark.parametrize("typed", ["ES", "es", "ESP", "Spain", "spain"])
def test_a_country_code_or_name_selects_the_projects_in_that_country(eucs: dict[str, Facets], typed: str) -> None:
    """ES, ESP and Spain all select the recording's Spanish projects (the portal's country field is ES)."""
    spanish = {
        iri
        for iri in eucs
        if any(str(p["id"]) == iri.rsplit("/", 1)[1] and p["country"] == "ES" for p in EUCS_PROJECTS)
    }
    assert spanish, "the recording has projects in Spain"
    stored = country_label(typed)
    assert stored == "Spain"
    assert _selected(eucs, countries=[stored]) == spanish
    # A subscription stored by an earlier version (the code as typed) selects the same records.
    assert _selected(eucs, countries=[typed.upper()]) == spanish


def test_greece_is_found_by_its_iso_and_its_eu_code(eucs: dict[str, Facets]) -> None:
    """GR (ISO), GRC and EL (the EU's code) are Greece."""
    assert {country_label(code) for code in ("GR", "GRC", "EL", "Greece")} == {"Greece"}
    assert len(_selected(eucs, countries=["Greece"])) == sum(p["country"] == "GR" for p in EUCS_PROJECTS)


def test_an_unknown_country_is_refused_with_the_nearest() -> None:
    """A typo is refused, naming the labels it is near."""
    with pytest.raises(UnknownFilterValue, match=r"unknown country 'Spian'.*did you mean 'Spain'"):
        country_label("Spian")
    with pytest.raises(UnknownFilterValue, match="unknown country 'XX'"):
        country_label("XX")


@pytest.mark.parametrize("typed", ["eu-citizen-science", "EU-Citizen.Science", "eu citizen science"])
def test_a_platform_slug_or_display_name_selects_its_records(eucs: dict[str, Facets], typed: str) -> None:
    """The portal's display name is read as its IRI slug and selects every one of its projects."""
    stored = platform_slug(typed, KNOWN_PLATFORMS)
    assert stored == "eu-citizen-science"
    assert _selected(eucs, platforms=[stored]) == set(eucs)


def test_an_unknown_platform_is_refused_with_the_nearest(zooniverse: dict[str, Facets]) -> None:
    """'zoonivers' names no platform; 'Zooniverse' is the slug zooniverse and selects its projects."""
    with pytest.raises(UnknownFilterValue, match=r"unknown platform 'zoonivers'.*did you mean 'zooniverse'"):
        platform_slug("zoonivers", KNOWN_PLATFORMS)
    assert _selected(zooniverse, platforms=[platform_slug("Zooniverse", KNOWN_PLATFORMS)]) == set(zooniverse)


def test_a_science_type_label_in_any_case_or_a_part_of_it_selects_its_records(eucs: dict[str, Facets]) -> None:
    """A whole label is stored as PPSR writes it; a part of a label (a word) selects every label holding it."""
    carried = sorted({label for facet in eucs.values() for label in facet.science_types})
    assert carried, "the recording's projects have science types"
    label = carried[0]
    having = {iri for iri, facet in eucs.items() if label in facet.science_types}
    stored = science_type(label.upper())
    assert stored.lower() == label
    assert _selected(eucs, science_types=[stored]) == having
    part = label.split(" - ")[-1]
    assert science_type(part) == part
    assert having <= _selected(eucs, science_types=[part])


def test_an_unknown_science_type_is_refused_with_the_nearest() -> None:
    """'astronomy' is in no PPSR label; the label it is near is suggested."""
    with pytest.raises(UnknownFilterValue, match=r"did you mean 'Physical Sciences - Astronomical And Space Sciences'"):
        science_type("astronomy")


def test_a_keyword_selects_by_keyword_or_name_in_any_case(zooniverse: dict[str, Facets]) -> None:
    """Keywords are free text: a record's keyword or a word of its name, case-insensitively."""
    iri, facet = next((iri, f) for iri, f in zooniverse.items() if f.keywords)
    keyword = sorted(facet.keywords)[0]
    assert iri in _selected(zooniverse, keywords=[keyword.upper()])
    expected = {i for i, f in zooniverse.items() if keyword in f.keywords or keyword in f.text}
    assert _selected(zooniverse, keywords=[keyword]) == expected
