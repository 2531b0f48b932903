"""Zooniverse classifications: the streamed export (quoted newlines, malformed rows), the API, the event shape."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
import pytest

from hub.connectors import RawRecord
from hub.connectors._portal import FlaggedContribution
from hub.connectors.zooniverse_classification import RememberedAgents, raw_record_from_event
from hub.connectors.zooniverse_classifications import (
    ZooniverseClassificationsConfig,
    ZooniverseClassificationsConnector,
)
from hub.connectors.zooniverse_export import CsvRecordSplitter, ZooniverseExportConfig, ZooniverseExportConnector
from hub.connectors.zooniverse_stats import ZooniverseStatsConfig, ZooniverseStatsConnector, period_end
from hub.errors import FatalConnectorError, SkippableRecordError
from hub.schema import ContributionStatistics
from hub.schema.iris import mint_iri
from tests.connectors.helpers import FAST, PSEUDONYMISER, mapped, records, served, sync
from tests.connectors.replay_zooniverse import EVENT, EXPORT, zooniverse_app

# Personal values planted in the fixtures; none may survive into a payload or a model.
PERSONAL = [
    b"volunteer-a",
    b"volunteer-b",
    b"ddf0c9028b1ece89e3b1",
    b"a1b2c3d4e5f60718293a",
    b"ExampleBrowser",
    b"efefefef",
    b"viewport",
    b"user_ip",
    b"user_name",
    b"Example Photographer",
    b"203.0.113.7",
    b"volunteer-example",
    b"cdcdcdcd",
]


def export_connector(root: str, http: Any, name: str = "classifications.csv") -> ZooniverseExportConnector:
    config = ZooniverseExportConfig(base_url=root + "exports/" + name, project_id="1315", page_size=2, **FAST)
    return ZooniverseExportConnector(config, http=http, pseudonymiser=PSEUDONYMISER)


def contribution(models: dict[str, Any], cid: str) -> FlaggedContribution:
    model = models[mint_iri("contribution", "zooniverse", cid)]
    assert isinstance(model, FlaggedContribution)
    return model


def assert_no_personal_data(blob: bytes) -> None:
    leaked = [p.decode() for p in PERSONAL if p in blob]
    assert not leaked, f"personal data left the connector: {leaked}"


async def test_export_rows_become_anonymised_contributions(aiohttp_server):
    """Each export row maps to a Contribution; volunteers become pseudonyms and nothing personal remains."""
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        zoo = export_connector(root, http)
        batches = await sync(zoo)
    models = mapped(zoo, batches)
    assert [len(b.records) for b in batches] == [2, 2, 0]
    draw = contribution(models, "611591158")
    assert draw.project == mint_iri("project", "zooniverse", "1315")
    assert draw.workflow == mint_iri("workflow", "zooniverse", "28090")
    assert draw.workflow_version == "4.4"
    assert draw.target == [mint_iri("subject", "zooniverse", "458021")]
    assert draw.created is not None
    assert draw.created.isoformat() == "2025-01-21T16:08:41+00:00"
    assert draw.was_generated_by is not None
    assert draw.was_generated_by.started_at_time is not None
    assert draw.contributor == PSEUDONYMISER.agent_iri("zooniverse", "108")
    assert draw.body == []  # a drawing stays in rawAnnotation
    assert draw.raw_annotation[0]["value"][0]["pathX"] == [890.39, 889.45, 901.66]
    assert [b.value for b in contribution(models, "611591201").body] == ["T0: Yes"]
    assert contribution(models, "611591400").contributor == draw.contributor
    assert contribution(models, "611591201").contributor is None  # logged out
    gold = contribution(models, "611591333")
    assert gold.gold_standard is True
    assert gold.body[0].value == "T1: Felis catus\nLinnaeus, 1758"
    for record in records(batches):
        assert_no_personal_data(orjson.dumps(record.payload))
    for model in models.values():
        assert_no_personal_data(model.to_jsonld_bytes())


async def test_export_with_quoted_newlines_and_a_malformed_row(aiohttp_server):
    """A cell with newlines stays one row; a row whose metadata JSON is cut is dead-lettered, the rest map."""
    async with served(aiohttp_server, zooniverse_app) as (replay, root, http, _waits):
        replay.malformed = True
        zoo = export_connector(root, http)
        batches = await sync(zoo)
    rows = records(batches)
    assert [r.native_id for r in rows] == ["611591158", "611591201", "611591450", "611591333", "611591400"]
    assert rows[3].payload["workflow_name"] == "Transcribe\nthe label"
    with pytest.raises(SkippableRecordError, match=r"record 4: column 'metadata': JSON does not parse"):
        zoo.map(rows[2])
    assert_no_personal_data(orjson.dumps(rows[2].payload))
    assert len([m for r in rows if r is not rows[2] for m in zoo.map(r)]) == 4


async def test_export_resumes_after_the_last_committed_row(aiohttp_server):
    """From the cursor after the first batch, a run yields only the later rows."""
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        zoo = export_connector(root, http)
        first = await sync(zoo)
        resumed = await sync(zoo, first[0].cursor)
    assert [r.native_id for r in records(resumed)] == ["611591333", "611591400"]


async def test_file_that_is_not_an_export_is_fatal(aiohttp_server):
    """A CSV with other columns stops the run and names the missing ones."""
    from aiohttp import web

    from tests.connectors.replay import conditional, replay_app

    def app(replay: Any) -> web.Application:
        application = replay_app(replay)

        async def other(request: web.Request) -> web.Response:
            return conditional(request, b"id,name\n1,x\n", content_type="text/csv")

        application.router.add_get("/exports/classifications.csv", other)
        return application

    async with served(aiohttp_server, app) as (_replay, root, http, _waits):
        with pytest.raises(FatalConnectorError, match=r"not a classification export.*'annotations'"):
            await sync(export_connector(root, http))


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_splitter_gives_csv_rows_whatever_the_chunking(chunk):
    """Records cut at any byte boundary reassemble into exactly the rows csv reads from the whole text."""
    text = EXPORT.decode()
    splitter = CsvRecordSplitter()
    pieces = [splitter.feed(text[i : i + chunk]) for i in range(0, len(text), chunk)] + [splitter.close()]
    rows = [row for piece in pieces for row in csv.reader(io.StringIO(piece, newline=""))]
    assert rows == list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 5
    # Every piece is whole records: none ends inside a quoted cell.
    assert all(piece.count('"') % 2 == 0 for piece in pieces)


def test_splitter_refuses_an_unterminated_quote():
    """A file that ends inside a quoted cell is an error, not a silently merged row."""
    splitter = CsvRecordSplitter()
    splitter.feed('a,b\n1,"open\n')
    with pytest.raises(ValueError, match="ends inside a quoted cell"):
        splitter.close()


async def test_api_classifications_follow_next_href_despite_fake_counts(aiohttp_server):
    """Panoptes says count 0 / page_count 0 and text/html; every classification still arrives, anonymised."""
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        config = ZooniverseClassificationsConfig(
            base_url=root + "api/", token="replay-token", project_id="1315", page_size=2, **FAST
        )
        zoo = ZooniverseClassificationsConnector(config, http=http, pseudonymiser=PSEUDONYMISER)
        batches = await sync(zoo)
    assert [r.native_id for r in records(batches)] == ["88262", "88912", "89001", "89055", "89100"]
    models = mapped(zoo, batches)
    first = contribution(models, "88262")
    assert first.contributor == PSEUDONYMISER.agent_iri("zooniverse", "1001")
    assert first.workflow_version == "12.10"
    assert contribution(models, "89001").contributor is None
    assert [b.value for b in contribution(models, "89055").body] == ["T0: 1"]
    for record in records(batches):
        assert "user" not in record.payload["links"]
        assert "session" not in record.payload["metadata"]


async def test_event_stream_shape_maps_like_the_api(aiohttp_server):
    """A Panoptes event-stream message maps through the same mapping, without its linked user or IP."""
    record = raw_record_from_event(EVENT, pseudonymiser=PSEUDONYMISER)
    assert_no_personal_data(orjson.dumps(record.payload))
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        config = ZooniverseClassificationsConfig(base_url=root + "api/", token="t", project_id="1663")
        zoo = ZooniverseClassificationsConnector(config, http=http)
        [model] = zoo.map(record)
    assert isinstance(model, FlaggedContribution)
    assert model.project == mint_iri("project", "zooniverse", "1663")
    assert model.workflow == mint_iri("workflow", "zooniverse", "2660")
    assert model.workflow_version == "4.8"
    assert model.target == [mint_iri("subject", "zooniverse", "48746")]
    assert model.contributor == PSEUDONYMISER.agent_iri("zooniverse", "1325837")
    assert model.body == []
    assert len(model.raw_annotation[0]["value"]) == 2
    with pytest.raises(ValueError, match="not a Panoptes classification event"):
        raw_record_from_event({"source": "talk", "type": "comment", "data": {}}, pseudonymiser=None)


async def test_eras_statistics_per_week(aiohttp_server):
    """Each ERAS bucket is one ContributionStatistics for its project and week."""
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        config = ZooniverseStatsConfig(base_url=root + "eras/", project_ids=["405"], **FAST)
        zoo = ZooniverseStatsConnector(config, http=http)
        models = mapped(zoo, await sync(zoo))
    stats = models[mint_iri("statistics", "zooniverse", "405/week/2025-01-13")]
    assert isinstance(stats, ContributionStatistics)
    assert stats.classification_count == 30 + 405 % 7
    assert (stats.period_end - stats.period_start).days == 7
    assert stats.project == mint_iri("project", "zooniverse", "405")
    assert len(models) == 3


def test_period_end_handles_months_and_years():
    """A month ends on the 1st of the next month (December included); a year a year later."""
    from datetime import UTC, datetime

    start = datetime(2024, 12, 1, tzinfo=UTC)
    assert period_end(start, "month") == datetime(2025, 1, 1, tzinfo=UTC)
    assert period_end(datetime(2024, 1, 1, tzinfo=UTC), "month") == datetime(2024, 2, 1, tzinfo=UTC)
    assert period_end(start, "year") == datetime(2025, 12, 1, tzinfo=UTC)
    assert period_end(start, "day") == datetime(2024, 12, 2, tzinfo=UTC)


def test_unparsed_record_reason_reaches_the_dead_letter():
    """A record that did not decode at fetch time is skipped with the fetch-time reason."""
    from hub.connectors import unparsed_payload

    config = ZooniverseExportConfig(base_url="https://example.org/e.csv", project_id="1")
    zoo = ZooniverseExportConnector.__new__(ZooniverseExportConnector)
    zoo.config = config
    record = RawRecord("zooniverse", "classification", "row-9", unparsed_payload("", "record 9: 13 fields"), "x")
    with pytest.raises(SkippableRecordError, match="record 9: 13 fields"):
        zoo.map(record)


async def test_logged_out_volunteers_get_a_pseudonym_per_session_on_request(aiohttp_server):
    """With ``logged_out: per_session`` both connectors credit a logged-out classification to its session's own
    pseudonym; logged-in volunteers keep theirs, and the session itself still never leaves the connector."""
    session = "ef" * 32  # the export fixture's session, the same on every row
    async with served(aiohttp_server, zooniverse_app) as (_replay, root, http, _waits):
        config = ZooniverseExportConfig(
            base_url=root + "exports/classifications.csv", project_id="1315", logged_out="per_session", **FAST
        )
        export = ZooniverseExportConnector(config, http=http, pseudonymiser=PSEUDONYMISER)
        export_batches = await sync(export)
        api_config = ZooniverseClassificationsConfig(
            base_url=root + "api/", token="replay-token", project_id="1315", logged_out="per_session", **FAST
        )
        api = ZooniverseClassificationsConnector(api_config, http=http, pseudonymiser=PSEUDONYMISER)
        api_batches = await sync(api)
    assert ZooniverseExportConfig(base_url="https://example.org/e.csv", project_id="1").logged_out == "omit"
    models = mapped(export, export_batches)
    assert contribution(models, "611591201").contributor == PSEUDONYMISER.session_agent_iri("zooniverse", session)
    assert contribution(models, "611591158").contributor == PSEUDONYMISER.agent_iri("zooniverse", "108")
    api_models = mapped(api, api_batches)
    assert contribution(api_models, "89001").contributor == PSEUDONYMISER.session_agent_iri(
        "zooniverse", "02" + "ab" * 31
    )
    assert contribution(api_models, "88262").contributor == PSEUDONYMISER.agent_iri("zooniverse", "1001")
    for record in records(export_batches) + records(api_batches):
        assert_no_personal_data(orjson.dumps(record.payload))
        assert "session" not in record.payload["metadata"]
    for model in [*models.values(), *api_models.values()]:
        assert_no_personal_data(model.to_jsonld_bytes())


def test_event_without_a_user_gets_its_session_pseudonym_on_request():
    """The event-stream shape follows the same ``logged_out`` rule as the API shape."""
    data = {**EVENT["data"], "links": {**EVENT["data"]["links"], "user": None}}
    event = {**EVENT, "data": data}
    assert raw_record_from_event(event, pseudonymiser=PSEUDONYMISER).payload["contributor"] is None
    record = raw_record_from_event(event, pseudonymiser=PSEUDONYMISER, logged_out="per_session")
    assert record.payload["contributor"] == PSEUDONYMISER.session_agent_iri("zooniverse", "cd" * 32)
    assert_no_personal_data(orjson.dumps(record.payload))


def test_splitter_refuses_a_record_longer_than_its_limit():
    """Unbalanced quoting that would swallow the rest of the file stops at the limit instead of buffering it."""
    splitter = CsvRecordSplitter(max_record_chars=50)
    assert splitter.feed("a,b\n") == "a,b\n"
    with pytest.raises(ValueError, match="runs over 50 characters"):
        splitter.feed('1,"open\n' + "x,y\n" * 20)


def test_remembered_agents_answer_as_the_pseudonymiser_within_a_bounded_memory():
    """The export's agent cache gives the pseudonymiser's own IRIs, and keeps no more user ids than its bound."""
    agents = RememberedAgents(PSEUDONYMISER, maxsize=2)
    for user in ("1", "2", "3", "1"):
        assert agents.agent_iri("zooniverse", user) == PSEUDONYMISER.agent_iri("zooniverse", user)
    assert agents.session_agent_iri("zooniverse", "ab" * 32) == PSEUDONYMISER.session_agent_iri("zooniverse", "ab" * 32)
    assert agents.cached() == 2
