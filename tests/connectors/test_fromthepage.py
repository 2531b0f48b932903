"""FromThePage connector against a replay of its IIIF collections, Work Status services and structured data."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from hub.connectors import HttpClient
from hub.connectors.fromthepage import FromThePageConfig, FromThePageConnector
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.anonymise import Pseudonymiser
from hub.schema.iris import mint_iri
from hub.schema.models import Contribution, ContributionStatistics, Project
from tests.connectors.portal_replay import by_iri, collect, map_all
from tests.connectors.replay import Replay
from tests.connectors.replay_fromthepage import OWNER, fromthepage_app

PSEUDONYMISER = Pseudonymiser(SecretStr("fromthepage-test-secret-0123456789"))


async def _no_sleep(_s: float) -> None:
    return None


@pytest.fixture
async def synced(aiohttp_server):
    """One sync of the owner's collections: the replay root and the models by IRI."""
    replay = Replay()
    server = await aiohttp_server(fromthepage_app(replay))
    root = str(server.make_url("/"))
    async with aiohttp.ClientSession() as session:
        config = FromThePageConfig(base_url=root, owner=OWNER, requests_per_second=1000)
        connector = FromThePageConnector(config, http=HttpClient(session, sleep=_no_sleep), pseudonymiser=PSEUDONYMISER)
        batches = await collect(connector)
    return root, batches, by_iri(map_all(connector, batches)), replay


def of(models: Mapping[str, HubModel], kind: str, native_id: str) -> HubModel:
    return models[mint_iri(kind, "fromthepage", native_id)]


async def test_a_finished_collection_is_a_completed_transcription_project(synced):
    """Dance Posters Metadata: every work 100% complete, so Completed; transcription is its process."""
    root, _, models, _ = synced
    dance = of(models, "project", "dance-posters-metadata")
    assert isinstance(dance, Project)
    assert dance.project_name == "Dance Posters Metadata"
    assert dance.project_status == "Completed"
    assert dance.scientific_process_involved == ["Transcription"]
    assert dance.project_science_type == [
        "Language, Communication And Culture - Cultural Studies",
        "Information And Computing Sciences - Library And Information Studies",
    ]
    assert dance.same_as == [root + "iiif/collection/dance-posters-metadata"]


async def test_works_completion_becomes_statistics(synced):
    """Nine works, all fully transcribed: transcriptionCount 9 for the collection."""
    _, _, models, _ = synced
    stats = of(models, "statistics", "dance-posters-metadata/cumulative")
    assert isinstance(stats, ContributionStatistics)
    assert stats.transcription_count == 9
    assert stats.project == mint_iri("project", "fromthepage", "dance-posters-metadata")


async def test_a_collection_in_progress_with_described_metadata(synced):
    """Farfel: its work is 0% transcribed but described, so Active with data entry."""
    _, _, models, _ = synced
    farfel = of(models, "project", "farfel-research-notebooks")
    assert isinstance(farfel, Project)
    assert farfel.project_status == "Active"
    assert farfel.scientific_process_involved == ["Data entry"]
    stats = of(models, "statistics", "farfel-research-notebooks/cumulative")
    assert isinstance(stats, ContributionStatistics)
    assert stats.transcription_count == 0


async def test_structured_transcription_describes_its_manifest(synced):
    """Work 32024760's fields are a transcription (oa:describing) whose target is the work's manifest IRI."""
    root, batches, models, _ = synced
    leaf = of(models, "contribution", "32024760")
    assert isinstance(leaf, Contribution)
    assert leaf.motivation == "oa:describing"
    assert leaf.target == [root + "iiif/32024760/manifest"]
    assert leaf.project == mint_iri("project", "fromthepage", "farfel-research-notebooks")
    assert [body.value.split(":")[0] for body in leaf.body] == [
        "Language(s) - Use Google Translate to identify the language of the leaf text",
        "Document genre(s) - Search online for the leaf author and source title to determine the work's genre",
    ]
    assert leaf.body[0].value.endswith(": German; Latin")
    assert leaf.contributor == PSEUDONYMISER.agent_iri("fromthepage", "volunteer-4711")
    document = leaf.to_jsonld_bytes().decode()
    assert "Example Transcriber" not in document
    assert "volunteer-4711" not in document
    # Works without structured data (the dance posters) are not contributions.
    assert sum(1 for b in batches for r in b.records if r.kind == "transcription") == 1


async def test_links_off_the_site_are_not_followed(aiohttp_server):
    """A collection listing that points at another host stops the run instead of fetching it."""

    async def listing(_request: web.Request) -> web.Response:
        return web.json_response({"@type": "sc:Collection", "collections": [{"@id": "https://evil.example/iiif/x"}]})

    app = web.Application()
    app.router.add_get("/iiif/collections/someone", listing)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        config = FromThePageConfig(base_url=str(server.make_url("/")), owner="someone", requests_per_second=1000)
        connector = FromThePageConnector(config, http=HttpClient(session, sleep=_no_sleep))
        with pytest.raises(FatalConnectorError, match=r"IIIF link https://evil.example/iiif/x leaves"):
            await collect(connector)


def test_the_config_needs_an_owner_or_collections():
    """A config that names nothing to harvest is refused."""
    with pytest.raises(ValueError, match="set 'owner'"):
        FromThePageConfig()
