"""The declarative connector: the shipped iesaisties.lv mapping against a WordPress-REST replay, and validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from hub.connectors import Batch, build_connector
from hub.connectors._mapping_spec import load_mapping
from hub.connectors.declarative import DeclarativeConfig, DeclarativeConnector
from hub.errors import ConfigError, FatalConnectorError, SkippableRecordError
from hub.schema import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import Project
from tests.connectors.portal_replay import REQUESTS, by_iri, collect, fixture_text, http_client, map_all, replay_app

EXAMPLE = Path(__file__).parents[2] / "examples" / "mappings" / "iesaisties-lv.yaml"
MAPPING = EXAMPLE.read_text(encoding="utf-8")
PAGES = {n: fixture_text("iesaisties_lv", f"wp_v2_projekti_page{n}.json") for n in (1, 2)}
PAST_THE_END = fixture_text("iesaisties_lv", "wp_v2_projekti_page3_400.json")


def wordpress_app() -> web.Application:
    """WordPress REST: ?page=N, the page count in X-WP-TotalPages, and 400 for a page past the last."""

    async def projekti(request: web.Request) -> web.Response:
        request.app[REQUESTS].append(dict(request.query))
        page = int(request.query.get("page", "1"))
        if page not in PAGES:
            return web.Response(status=400, text=PAST_THE_END, content_type="application/json")
        headers = {"X-WP-Total": "5", "X-WP-TotalPages": "2"}
        return web.Response(text=PAGES[page], content_type="application/json", headers=headers)

    return replay_app({"/wp-json/wp/v2/projekti": projekti})


def local_mapping(server_url: str, text: str = MAPPING) -> str:
    """The shipped mapping pointed at the replay server instead of the live portal."""
    return text.replace("https://iesaisties.lv/wp-json/", server_url)


def iri(post_id: int) -> str:
    return mint_iri("project", "iesaisties-lv", post_id)


@pytest.fixture
async def synced(aiohttp_server):
    """One sync of the replayed portal through the shipped mapping."""
    app = wordpress_app()
    server = await aiohttp_server(app)
    root = str(server.make_url("/wp-json/"))
    async with http_client() as http:
        connector = build_connector("declarative", {"base_url": root, "mapping": local_mapping(root)}, http=http)
        batches = await collect(connector)
    assert isinstance(connector, DeclarativeConnector)
    return batches, connector, app


def mapped(connector: DeclarativeConnector, batches: Sequence[Batch]) -> Mapping[str, HubModel]:
    records = [r for b in batches for r in b.records if r.native_id != "440"]
    return by_iri([model for record in records for model in connector.map(record)])


def project(models: Mapping[str, HubModel], post_id: int) -> Project:
    model = models[iri(post_id)]
    assert isinstance(model, Project)
    return model


def test_the_shipped_mapping_validates():
    """examples/mappings/iesaisties-lv.yaml is a valid mapping for platform iesaisties-lv."""
    spec = load_mapping(MAPPING, source=EXAMPLE.name)
    assert spec.platform == "iesaisties-lv"
    assert spec.listing.paging.total_pages_header == "X-WP-TotalPages"


async def test_wordpress_paging_stops_at_the_page_count_and_the_platform_is_the_mappings(synced):
    """Two pages are read (never the 400 past the end); records carry the mapping's platform."""
    batches, connector, app = synced
    assert [q.get("page") for q in app[REQUESTS]] == ["1", "2"]
    assert {q.get("per_page") for q in app[REQUESTS]} == {"50"}
    assert connector.platform == "iesaisties-lv"
    assert [r.native_id for b in batches for r in b.records] == ["412", "418", "423", "431", "440"]
    assert batches[-1].snapshot_complete


async def test_a_known_project_maps_status_dates_pin_science_type_and_tasks(synced):
    """Post 412, 'Putnu ligzdu kartēšana': active since 15.03.2021, pinned in Riga, zoology and ecology."""
    batches, connector, _ = synced
    nests = project(mapped(connector, batches), 412)
    assert nests.project_name == "Putnu ligzdu kartēšana"
    assert nests.project_status == "Active"
    assert nests.project_start_date == datetime(2021, 3, 15, tzinfo=UTC)
    assert nests.project_end_date is None
    assert nests.project_date_created == datetime(2021, 3, 15, 8, 12, 40, tzinfo=UTC)
    pin = nests.project_geographic_location[0]
    assert (pin.project_pin_latitude, pin.project_pin_longitude) == (56.9496, 24.1052)
    assert nests.project_science_type == ["Biological Sciences - Zoology", "Biological Sciences - Ecology"]
    assert nests.scientific_process_involved == ["Observation", "Photography", "Data entry"]
    assert nests.keyword == ["putni", "ligzdas", "pavasaris"]
    assert nests.has_tag == ["Participate from home"]
    assert nests.project_url == "https://www.putni.example.lv"
    assert nests.project_country == ["Latvia"]
    assert nests.language == "lv"
    assert nests.project_responsible_party_name == "Latvijas Ornitoloģijas biedrība"
    assert nests.project_description == (
        "Brīvprātīgie atzīmē putnu ligzdas savos pagalmos un parkos.\nDati palīdz sekot sugu izplatībai."
    )
    assert nests.project_media[0].project_media_file == "https://iesaisties.lv/wp-content/uploads/2021/03/ligzda.jpg"
    assert nests.same_as == ["https://iesaisties.lv/?p=412"]
    assert nests.hosted_on == [platform_iri("iesaisties-lv")]
    assert nests.data_quality_flag == []


async def test_acf_false_is_no_value_and_a_finished_project_has_its_end(synced):
    """ACF's false for empty coordinates and image is absent, not a flag; the end date is read."""
    batches, connector, _ = synced
    records = project(mapped(connector, batches), 418)
    assert records.project_status == "Completed"
    assert records.project_end_date == datetime(2021, 12, 31, tzinfo=UTC)
    assert records.project_geographic_location == []
    assert records.project_media == []
    assert records.data_quality_flag == []


async def test_unmappable_values_are_flags_on_the_record(synced):
    """An unknown status and field, a text that is no URL and a latitude of 156 are flagged and left out."""
    batches, connector, _ = synced
    air = project(mapped(connector, batches), 423)
    assert air.project_status is None
    assert air.project_url is None
    assert air.project_geographic_location == []
    assert air.project_science_type == ["Environmental Sciences - Environmental Science And Management"]
    assert air.data_quality_flag == [
        "acf.joma='Ķīmija': not in the mapping's vocab table; left out",
        "acf.koordinatas='156.95, 24.11': outside WGS84 bounds read as lat,lon; no pin published",
        "acf.majaslapa='Mājaslapa drīzumā': not a web address; left out",
        "acf.projekta_statuss='Arhivēts': not in the mapping's vocab table; left out",
    ]


async def test_no_contact_person_is_published(synced):
    """acf.kontaktpersona and acf.e_pasts are not mapped, so they never reach a document."""
    batches, connector, _ = synced
    for model in mapped(connector, batches).values():
        document = model.to_jsonld_bytes().decode()
        assert "example.lv" not in document.replace("putni.example.lv", "").replace("raksti.example.lv", "").replace(
            "zvaigznes.example.lv", ""
        )
        assert "Example Coordinator" not in document


async def test_a_post_with_no_title_is_a_dead_letter(synced):
    """Post 440's title is only markup: no projectName, so the record is skipped with the reason."""
    batches, connector, _ = synced
    untitled = next(r for b in batches for r in b.records if r.native_id == "440")
    with pytest.raises(SkippableRecordError, match=r"project '440'.*projectName"):
        connector.map(untitled)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of ``needle``."""
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "- vocab:\n          Aktīvs",
            "- vocabulary:\n          Aktīvs",
            r"mapping line {line} \(fields\.projectStatus\.transforms\[0\]\): unknown transform 'vocabulary'; "
            r"did you mean 'vocab'\?",
        ),
        (
            "  projectStatus:\n",
            "  projectStatuss:\n",
            r"line {line} \(fields\.projectStatuss\): 'projectStatuss' is not a PPSR attribute .*"
            r"did you mean 'projectStatus'",
        ),
        (
            'coordinates: "lat,lon"',
            'coordinates: "north,east"',
            r"line {line} \(fields\.projectPin\.transforms\[0\]\): transform 'coordinates' expects 'lat,lon'",
        ),
        ("  id: id ", "  idd: id ", r"line {line} \(listing\.idd\): Extra inputs are not permitted"),
        ("style: page", "style: pages", r"line {line} \(listing\.paging\.style\): Input should be 'none', 'page'"),
        ("platform: iesaisties-lv", "platform: Iesaisties.LV", r"line {line} \(platform\): String should match"),
        ("name: Iesaisties.lv\n", "name: Iesaisties.lv\n\tbad: tab\n", r"mapping line {line}: not valid YAML"),
    ],
)
def test_mapping_errors_name_the_line(old, new, message):
    """Each mistake a portal team can make is reported with its line, its path and a hint."""
    assert old in MAPPING
    broken = MAPPING.replace(old, new, 1)
    line = line_of(broken, new.strip().split("\n")[-1] if "\t" in new else new.strip().split("\n")[0])
    with pytest.raises(ConfigError, match=message.format(line=line)):
        load_mapping(broken)


def test_a_missing_required_key_points_at_its_parent():
    """Leaving out listing.id names listing's line."""
    broken = MAPPING.replace("  id: id ", "  # id: id ", 1)
    with pytest.raises(ConfigError, match=rf"line {line_of(broken, 'listing:')} \(listing\.id\): Field required"):
        load_mapping(broken)


async def test_registering_a_broken_mapping_fails_with_the_line():
    """Registration (build_connector, as the API does) refuses a broken mapping and says where."""
    broken = MAPPING.replace("transforms: [strip_html]", "transforms: [strip_htm]", 1)
    line = line_of(broken, "[strip_htm]")
    async with http_client() as http:
        with pytest.raises(
            ConfigError, match=rf"mapping: .*mapping line {line} \(fields\.projectName\.transforms\[0\]\)"
        ):
            build_connector("declarative", {"base_url": "https://iesaisties.lv/wp-json/", "mapping": broken}, http=http)


def test_the_config_must_point_at_the_mappings_host():
    """A base_url on another host than the mapping's is refused: the allow-list checks the config's URL."""
    with pytest.raises(ValueError, match=r"not on the mapping's host https://iesaisties.lv"):
        DeclarativeConfig(base_url="https://elsewhere.example/", mapping=MAPPING)


def test_a_mapping_file_can_be_given_by_path():
    """mapping_file reads the file; the shipped example loads that way too."""
    config = DeclarativeConfig(base_url="https://iesaisties.lv/wp-json/", mapping_file=str(EXAMPLE))
    assert config.spec.name == "Iesaisties.lv"


BEARER_MAPPING = """
version: 1
platform: token-portal
name: Token portal
base_url: {root}
auth: {{style: bearer}}
listing:
  path: api/projects
  records: data.items
  id: uuid
  paging: {{style: next_link, next_link: links.next}}
fields:
  projectName: {{from: title}}
"""


async def test_bearer_auth_and_next_links_are_followed_on_the_same_host(aiohttp_server):
    """The token goes in the Authorization header; next links are followed until there is none."""
    seen_auth = []

    async def listing(request: web.Request) -> web.Response:
        seen_auth.append(request.headers.get("Authorization"))
        if request.query.get("after") == "a":
            return web.json_response({"data": {"items": [{"uuid": "b", "title": "B"}]}, "links": {"next": None}})
        return web.json_response({"data": {"items": [{"uuid": "a", "title": "A"}]}, "links": {"next": "?after=a"}})

    server = await aiohttp_server(replay_app({"/api/projects": listing}))
    root = str(server.make_url("/"))
    async with http_client() as http:
        with pytest.raises(ConfigError, match="authenticates with 'bearer': set 'token'"):
            build_connector("declarative", {"base_url": root, "mapping": BEARER_MAPPING.format(root=root)}, http=http)
        config = {"base_url": root, "mapping": BEARER_MAPPING.format(root=root), "token": "s3cret"}
        connector = build_connector("declarative", config, http=http)
        batches = await collect(connector)
    assert seen_auth == ["Bearer s3cret", "Bearer s3cret"]
    names = sorted(m.project_name for m in map_all(connector, batches) if isinstance(m, Project))
    assert names == ["A", "B"]


async def test_a_next_link_to_another_host_is_refused(aiohttp_server):
    """A next link that leaves the portal's host stops the run instead of being followed."""

    async def listing(_request: web.Request) -> web.Response:
        body = {"data": {"items": [{"uuid": "a", "title": "A"}]}, "links": {"next": "https://evil.example/steal"}}
        return web.json_response(body)

    server = await aiohttp_server(replay_app({"/api/projects": listing}))
    root = str(server.make_url("/"))
    async with http_client() as http:
        config = {"base_url": root, "mapping": BEARER_MAPPING.format(root=root), "token": "t"}
        connector = build_connector("declarative", config, http=http)
        with pytest.raises(FatalConnectorError, match="leaves the portal's host"):
            await collect(connector)


async def test_a_rejected_config_never_shows_the_token():
    """A config refused for its host names the problem on 'mapping' and does not echo the secret."""
    mapping = BEARER_MAPPING.format(root="https://portal.example/")
    async with http_client() as http:
        with pytest.raises(ConfigError) as info:
            build_connector(
                "declarative",
                {"base_url": "https://other.example/", "mapping": mapping, "token": "very-secret-token"},
                http=http,
            )
    assert "mapping: Value error, base_url https://other.example/ is not on the mapping's host" in str(info.value)
    assert "very-secret-token" not in str(info.value)
