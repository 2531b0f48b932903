"""PPSR Core feed connector against a replay of a JRC-inventory-style feed (BOM, 'Unknown', 'UTF-8', mojibake)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.connectors import Batch
from hub.connectors.ppsr_feed import PpsrFeedConfig, PpsrFeedConnector, decode_feed
from hub.errors import FatalConnectorError, SkippableRecordError
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import Project
from tests.connectors.portal_replay import FIXTURES, by_iri, collect, http_client, map_all, replay_app

FEED = (FIXTURES / "ppsr_feed" / "CSInventory_PPSR.json").read_bytes()


def feed_app(body: bytes = FEED) -> web.Application:
    async def handler(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    return replay_app({"/machinereadable/CSInventory_JSON.json": handler})


def config(server: TestServer, **extra: bool) -> PpsrFeedConfig:
    return PpsrFeedConfig(
        base_url=str(server.make_url("/machinereadable/CSInventory_JSON.json")),
        platform_slug="jrc-inventory",
        **extra,
    )


@pytest.fixture
async def synced(aiohttp_server):
    """One sync of the feed: batches, the connector, and what mapped (the nameless record is set apart)."""
    server = await aiohttp_server(feed_app())
    async with http_client() as http:
        connector = PpsrFeedConnector(config(server), http=http)
        batches = await collect(connector)
    mapped = [r for b in batches for r in b.records if r.payload.get("projectName")]
    return batches, connector, by_iri(map_all(connector, [Batch(mapped, None)]))


def jrc(native_id: str) -> str:
    return mint_iri("project", "jrc-inventory", native_id)


async def test_the_feed_is_one_snapshot_under_the_portals_own_platform(synced):
    """Six records behind a byte-order mark; the instance's platform is the configured slug."""
    batches, connector, _ = synced
    assert connector.platform == "jrc-inventory"
    assert [r.native_id for b in batches for r in b.records] == ["1", "8", "21", "49", "26", "29"]
    assert {r.platform for b in batches for r in b.records} == {"jrc-inventory"}
    assert batches[-1].snapshot_complete


async def test_hedgehog_street_is_ingested_with_its_problems_as_flags(synced):
    """A known record: status Active, start 2011-12-31T23:59:59Z, 'Unknown' end and 'UTF-8' language left out."""
    _, _, models = synced
    hedgehogs = models[jrc("1")]
    assert isinstance(hedgehogs, Project)
    assert hedgehogs.project_name == "Hedgehogstreet"
    assert hedgehogs.project_status == "Active"
    assert hedgehogs.project_start_date == datetime(2011, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert hedgehogs.project_end_date is None
    assert hedgehogs.language is None
    assert hedgehogs.project_science_type == ["Environmental Sciences - Environmental Science And Management"]
    assert platform_iri("jrc-inventory") in hedgehogs.hosted_on
    flags = "\n".join(hedgehogs.data_quality_flag)
    assert "$[projectId=1].projectEndDate: placeholder 'Unknown' omitted" in flags
    assert "$[projectId=1].language: a character set, not a language" in flags


async def test_contact_emails_are_withheld_and_said_so(synced):
    """E-mail addresses in contact fields are not published; website contacts are kept."""
    _, _, models = synced
    for model in models.values():
        assert "@example.org" not in model.to_jsonld_bytes().decode()
    butterflies = models[jrc("21")]
    assert isinstance(butterflies, Project)
    assert butterflies.contact_point == []
    assert "contactPoint[0]: e-mail address withheld (may name a person)" in butterflies.data_quality_flag
    molluscs = models[jrc("8")]
    assert isinstance(molluscs, Project)
    assert molluscs.contact_point[0].contact_details == "http://www.biodiversityireland.ie/contact-us/"
    assert molluscs.project_end_date == datetime(2014, 12, 31, 23, 59, 59, tzinfo=UTC)


async def test_mojibake_is_repaired_and_a_near_miss_label_dropped_with_a_hint(synced):
    """'FÃ¦lled' becomes 'Fælled'; a science type one word off PPSR is dropped with a did-you-mean flag."""
    _, _, models = synced
    bioblitz = models[jrc("49")]
    assert isinstance(bioblitz, Project)
    assert bioblitz.project_name == "Bioblitz 2014 Kalvebod Fælled, Denmark"
    birds = models[jrc("26")]
    assert isinstance(birds, Project)
    assert birds.project_science_type == []
    assert any(
        "did you mean 'Environmental Sciences - Environmental Science And Management'" in flag
        for flag in birds.data_quality_flag
    )


async def test_a_record_without_a_name_is_a_dead_letter_with_the_problem(synced):
    """The nameless record cannot be a project: SkippableRecordError names the missing attribute."""
    batches, connector, _ = synced
    nameless = next(r for b in batches for r in b.records if r.native_id == "29")
    with pytest.raises(SkippableRecordError, match=r"projectName: required to identify the project"):
        connector.map(nameless)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'\xef\xbb\xbf{"Project": [{"projectId": "1"}]}', [{"projectId": "1"}]),
        (b'<html><script type="application/json">[{"projectId": "2"}]</script></html>', [{"projectId": "2"}]),
        (b'[{"projectId": "3"}]', [{"projectId": "3"}]),
    ],
)
def test_decode_feed_accepts_the_shapes_portals_serve(body, expected):
    """BOM, a <script> wrapper and a bare array all give the record list."""
    assert decode_feed(body, records_key="Project") == expected


async def test_a_document_without_the_project_array_is_fatal(aiohttp_server):
    """A feed whose key changed stops the run and names the keys found."""
    server = await aiohttp_server(feed_app(b'{"projects": []}'))
    async with http_client() as http:
        connector = PpsrFeedConnector(config(server), http=http)
        with pytest.raises(FatalConnectorError, match=r"no 'Project' array \(found \['projects'\]\)"):
            await collect(connector)
