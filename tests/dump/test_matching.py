"""Cross-platform matching on listings shaped like the platforms' real records (see each case's comment)."""

from __future__ import annotations

import pytest

from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.listings import read_listings
from hub.dump.matching import THRESHOLD, Listing, normalise_name, normalise_url, propose_links
from hub.dump.store import Change, HubStore
from hub.schema import Project
from hub.schema.iris import mint_iri

from .records import project

ECSA = mint_iri("organisation", "eu-citizen-science", "62")


def _fixtures() -> list[Project]:
    return [
        # Zooniverse's own listing, and SciStarter's copy of it: SciStarter flags such copies `duplicate` and
        # their `url` is the original's page on Zooniverse. Different ids, differently capitalised names.
        project(
            "zooniverse",
            "17214",
            "Cloudspotting on Mars",
            same_as=["https://www.zooniverse.org/projects/marek-slipski/cloudspotting-on-mars"],
            party="NASA",
        ),
        project(
            "scistarter",
            "ad38753d-7a95-5268-a55b-79ec27a2338a",
            "Cloudspotting On Mars!",
            url="https://www.zooniverse.org/projects/marek-slipski/cloudspotting-on-mars",
            same_as=["https://scistarter.org/cloudspotting-on-mars"],
            party="NASA / Zooniverse",
            external_ids=["scistarter:6986"],
        ),
        # EU-Citizen.Science carries the CORDIS grant as originUID; a national portal lists the same EU project
        # under a shorter name with its homepage written without a scheme.
        project(
            "eu-citizen-science",
            "181",
            "SCENT - Smart Toolbox for Engaging Citizens into a People-Centric Observation Web",
            url="https://scent-project.eu/",
            external_ids=["CORDIS:Grant agreement ID: 688930"],
            country="Greece",
            lat=37.987871,
            lon=23.731715,
            responsible_party=ECSA,
        ),
        project(
            "buergerschaffenwissen",
            "scent-toolbox",
            "SCENT Citizen Observatory Toolbox",
            url="https://www.scent-project.eu",
            external_ids=["cordis:Grant agreement ID:  688930"],
        ),
        # One project, two names, on SciStarter and CitizenScience.gov: same homepage path and same presenter.
        project(
            "scistarter",
            "9b873aa0-0c23-53d5-95ae-c12902e8cae7",
            "Time to Restore: Connecting People, Plants, and Pollinators",
            url="https://www.usanpn.org/TimetoRestore",
            party="USA National Phenology Network",
            lat=31.90111986552033,
            lon=-99.23453852487283,
        ),
        project(
            "citizenscience-gov",
            "318",
            "Nature's Notebook: Time to Restore",
            url="http://usanpn.org/TimetoRestore/",
            party="USA-National Phenology Network",
        ),
        # Unrelated projects with the same or similar names on different platforms: nothing else in common.
        project(
            "scistarter",
            "c1",
            "Bird Count",
            url="https://www.audubon-ohio.example/bird-count",
            party="Audubon Ohio",
            lat=40.0,
            lon=-83.0,
        ),
        project(
            "eu-citizen-science",
            "900",
            "Bird count",
            url="https://www.luomus.example/bird-count-fi",
            party="Finnish Museum of Natural History",
            lat=60.17,
            lon=24.94,
        ),
        project("scistarter", "c2", "Great Backyard Bird Count", url="https://gbbc.birdcount.example/"),
        project("zooniverse", "555", "Great Garden Bird Count", url="https://garden.example.org/count"),
        # The same name twice on one platform is not a cross-platform link.
        project("zooniverse", "1", "Snapshot Serengeti", url="https://www.snapshotserengeti.example/"),
        project("zooniverse", "2", "Snapshot Serengeti", url="https://www.snapshotserengeti.example/"),
    ]


def _store(records: list[Project]) -> HubStore:
    store = HubStore(None)
    changes = []
    for record, result in zip(records, expand_records([r.to_jsonld_bytes() for r in records]), strict=True):
        assert isinstance(result, ExpandedRecord)
        changes.append(Change("t.projects.v1", record.iri, result.iri, result.quads))
    store.apply(changes, {("t.projects.v1", 0): len(records)})
    return store


def _pairs() -> dict[frozenset[str], tuple[float, list[str]]]:
    listings = read_listings(_store(_fixtures()))
    return {frozenset((p.subject, p.object)): (p.score, p.evidence) for p in propose_links(listings)}


def _iri(platform: str, native_id: str) -> str:
    return mint_iri("project", platform, native_id)


def test_same_project_on_two_platforms_is_linked_with_its_evidence() -> None:
    """Each pair of listings of one project is proposed once, with the evidence that produced it."""
    pairs = _pairs()
    mars = frozenset((_iri("zooniverse", "17214"), _iri("scistarter", "ad38753d-7a95-5268-a55b-79ec27a2338a")))
    scent = frozenset((_iri("eu-citizen-science", "181"), _iri("buergerschaffenwissen", "scent-toolbox")))
    restore = frozenset((_iri("scistarter", "9b873aa0-0c23-53d5-95ae-c12902e8cae7"), _iri("citizenscience-gov", "318")))
    assert set(pairs) == {mars, scent, restore}
    score, evidence = pairs[mars]
    assert score >= 0.95
    assert any("scistarter's listing points at zooniverse's page" in e for e in evidence)
    assert any("same normalised name 'cloudspotting on mars'" in e for e in evidence)
    score, evidence = pairs[scent]
    assert score >= 0.95
    assert any("external id 'cordis:grant agreement id: 688930'" in e for e in evidence)
    assert any("same homepage 'scent-project.eu'" in e for e in evidence)
    score, evidence = pairs[restore]
    assert THRESHOLD <= score < 0.95
    assert evidence == [
        "same homepage 'usanpn.org/TimetoRestore'",
        "same responsible organisation 'usa national phenology network'",
    ]


def test_unrelated_projects_with_similar_names_are_not_linked() -> None:
    """Equal or near names alone never reach the threshold; same-platform twins are never compared."""
    pairs = _pairs()
    linked = {iri for pair in pairs for iri in pair}
    for platform, native_id in [
        ("scistarter", "c1"),
        ("eu-citizen-science", "900"),
        ("scistarter", "c2"),
        ("zooniverse", "555"),
        ("zooniverse", "1"),
        ("zooniverse", "2"),
    ]:
        assert _iri(platform, native_id) not in linked


def test_listings_read_from_the_store_carry_the_compared_fields() -> None:
    """The store gives back names, homepages, pages, organisations, pins and external ids per listing."""
    listings = {listing.iri: listing for listing in read_listings(_store(_fixtures()))}
    scent = listings[_iri("eu-citizen-science", "181")]
    assert scent.platform == "eu-citizen-science"
    assert scent.native_id == "181"
    assert scent.homepage == "https://scent-project.eu/"
    assert scent.external_ids == frozenset({"CORDIS:Grant agreement ID: 688930"})
    assert scent.organisations == frozenset({ECSA})
    assert scent.point == pytest.approx((37.987871, 23.731715))
    mars = listings[_iri("scistarter", "ad38753d-7a95-5268-a55b-79ec27a2338a")]
    assert mars.pages == frozenset({"https://scistarter.org/cloudspotting-on-mars"})
    assert mars.organisations == frozenset({"NASA / Zooniverse"})


def test_a_name_and_a_nearby_pin_are_not_enough_but_with_the_organisation_they_are() -> None:
    """Same name + same place stays below the threshold; adding the same organisation crosses it."""
    a = Listing("urn:a", "scistarter", "1", "River Watch", point=(52.0, 4.0))
    b = Listing("urn:b", "eu-citizen-science", "2", "River watch!", point=(52.001, 4.001))
    assert propose_links([a, b]) == []
    a2 = Listing("urn:a", "scistarter", "1", "River Watch", point=(52.0, 4.0), organisations=frozenset({"Wetlands NL"}))
    b2 = Listing(
        "urn:b",
        "eu-citizen-science",
        "2",
        "River watch!",
        point=(52.001, 4.001),
        organisations=frozenset({"wetlands nl"}),
    )
    (proposal,) = propose_links([a2, b2])
    assert proposal.score == pytest.approx(1 - 0.5 * 0.7 * 0.7)
    assert (proposal.subject, proposal.object) == ("urn:a", "urn:b")


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("www.cowslips.eu", "cowslips.eu"),
        ("https://www.cowslips.eu/", "cowslips.eu"),
        ("HTTP://Example.ORG/Path/?q=1", "example.org/Path?q=1"),
        ("not a url", None),
    ],
)
def test_url_normalisation(url: str, normalised: str | None) -> None:
    """Scheme, www, trailing slash and host case do not matter; text without a host gives None."""
    assert normalise_url(url) == normalised


def test_name_normalisation() -> None:
    """Accents, punctuation, case and filler words are dropped."""
    assert normalise_name("The Big Bird-Count!") == "big bird count"
    assert normalise_name("Ça Pousse: Citizen Science Project") == "ca pousse"
