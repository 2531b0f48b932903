"""The conformance suite, run for every connector type registered under the ``hub.connectors`` entry points.

See ``tests/connectors/conformance.py`` for what is checked and how a connector adds its replay scenario.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from pydantic import SecretStr

import tests.connectors
from hub.connectors import Batch, Connector, HttpClient, RawRecord, build_connector, load_connector_types
from hub.errors import ConfigError, RetriableConnectorError, SkippableRecordError
from hub.schema import HubModel
from hub.schema.anonymise import Pseudonymiser
from tests.connectors.conformance import SCENARIOS, ReplayScenario
from tests.connectors.replay import Replay

for _module in pkgutil.iter_modules(tests.connectors.__path__):
    if _module.name.startswith("scenario_"):
        importlib.import_module(f"tests.connectors.{_module.name}")

CONNECTOR_TYPES = sorted(load_connector_types())
PSEUDONYMISER = Pseudonymiser(SecretStr("conformance-suite-secret-0123456789"))


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture(params=CONNECTOR_TYPES)
def scenario(request: pytest.FixtureRequest) -> ReplayScenario:
    name = request.param
    if name not in SCENARIOS:
        pytest.fail(
            f"connector type {name!r} has no replay scenario: add tests/connectors/scenario_<platform>.py "
            "that calls tests.connectors.conformance.register(ReplayScenario(...))"
        )
    return SCENARIOS[name]


class Harness:
    """One replay server and a way to build the scenario's connector against it."""

    def __init__(self, scenario: ReplayScenario, replay: Replay, root: str, http: HttpClient) -> None:
        self.scenario = scenario
        self.replay = replay
        self.root = root
        self.http = http

    def connector(self) -> Connector:
        raw = dict(self.scenario.config(self.root))
        return build_connector(self.scenario.connector_type, raw, http=self.http, pseudonymiser=PSEUDONYMISER)

    async def sync(self, cursor: str | None = None) -> list[Batch]:
        return [batch async for batch in self.connector().fetch(cursor)]


@pytest.fixture
async def harness(scenario: ReplayScenario, aiohttp_server: Any) -> AsyncIterator[Harness]:
    replay = Replay()
    server = await aiohttp_server(scenario.make_app(replay))
    async with aiohttp.ClientSession() as session:
        yield Harness(scenario, replay, str(server.make_url("/")), HttpClient(session, sleep=_no_sleep))


def records(batches: list[Batch]) -> list[RawRecord]:
    return [r for b in batches for r in b.records]


def content_ids(scenario: ReplayScenario, batches: list[Batch]) -> set[tuple[str, str]]:
    return {(r.kind, r.native_id) for r in records(batches) if r.kind not in scenario.meta_kinds}


def last_cursor(batches: list[Batch]) -> str | None:
    return batches[-1].cursor if batches else None


def test_config_model_is_frozen_and_strict(scenario: ReplayScenario) -> None:
    """The config model is frozen, refuses unknown keys, and is a ConnectorConfig with a base_url."""
    cls = load_connector_types()[scenario.connector_type]
    assert cls.config_model.model_config.get("frozen") is True
    assert cls.config_model.model_config.get("extra") == "forbid"
    assert "base_url" in cls.config_model.model_fields


async def test_config_validation(harness: Harness) -> None:
    """The valid config builds; each invalid one and an unknown key give a ConfigError naming the field."""
    valid = dict(harness.scenario.config(harness.root))
    assert harness.connector().name == harness.scenario.connector_type
    for override in [*harness.scenario.invalid_configs, {"no_such_setting": 1}]:
        with pytest.raises(
            ConfigError, match=f"invalid config for connector '{harness.scenario.connector_type}'"
        ) as info:
            build_connector(harness.scenario.connector_type, {**valid, **override}, http=harness.http)
        fields = {str(err["loc"][0]) for err in info.value.errors}
        assert fields & set(override), (override, fields)


async def test_full_sync_maps_to_valid_hub_models(harness: Harness) -> None:
    """A full sync yields records with JSON cursors, and every record maps to hub models that serialise."""
    batches = await harness.sync()
    assert content_ids(harness.scenario, batches), "the replayed platform yielded no content records"
    connector = harness.connector()
    for batch in batches:
        if batch.cursor is not None:
            assert isinstance(orjson.loads(batch.cursor), dict | list)
    mapped = [model for record in records(batches) for model in connector.map(record)]
    assert mapped
    for model in mapped:
        assert isinstance(model, HubModel)
        assert orjson.loads(model.to_jsonld_bytes())["id"] == model.iri
        assert len(model.content_hash()) == 64


async def test_resume_from_a_mid_sync_cursor(harness: Harness) -> None:
    """A sync resumed from the cursor after its first content batch completes the same set of records."""
    full = await harness.sync()
    expected = content_ids(harness.scenario, full)
    first = next(i for i, b in enumerate(full) if content_ids(harness.scenario, [b]))
    done = content_ids(harness.scenario, full[: first + 1])
    resumed = await harness.sync(full[first].cursor)
    assert done | content_ids(harness.scenario, resumed) == expected


async def test_transient_failure_mid_sync_changes_nothing(harness: Harness) -> None:
    """A 503 (then success) in the middle of the sync is retried and the sync yields the same records."""
    clean = content_ids(harness.scenario, await harness.sync())
    mark = harness.replay.mark()
    harness.replay.fail(harness.scenario.fault_path, *harness.scenario.mid_sync_faults)
    assert content_ids(harness.scenario, await harness.sync()) == clean
    faulted = [r for r in harness.replay.since(mark) if r.fault is not None]
    assert faulted, "the injected fault was never hit: fault_path is not used by the sync"


async def test_persistent_failure_raises_retriable_and_resume_completes(harness: Harness) -> None:
    """A failure that outlasts the retries raises RetriableConnectorError; resuming after healing completes."""
    clean = content_ids(harness.scenario, await harness.sync())
    harness.replay.heal()
    harness.replay.fail(harness.scenario.fault_path, *harness.scenario.mid_sync_faults[:-1])
    harness.replay.fail_always(harness.scenario.fault_path, harness.scenario.persistent_fault)
    got: list[Batch] = []

    async def run() -> None:
        async for batch in harness.connector().fetch(None):
            got.append(batch)

    with pytest.raises(RetriableConnectorError):
        await run()
    harness.replay.heal()
    resumed = await harness.sync(last_cursor(got))
    assert content_ids(harness.scenario, got) | content_ids(harness.scenario, resumed) == clean


async def test_malformed_record_is_skippable(harness: Harness) -> None:
    """One malformed record maps to SkippableRecordError with a reason; every other record maps."""
    harness.replay.malformed = True
    batches = await harness.sync()
    connector = harness.connector()
    skipped: list[SkippableRecordError] = []
    mapped = 0
    for record in records(batches):
        try:
            mapped += len(connector.map(record))
        except SkippableRecordError as exc:
            skipped.append(exc)
    assert len(skipped) == 1, skipped
    assert skipped[0].connector == harness.scenario.connector_type
    assert "from " in str(skipped[0])
    assert mapped > 0


async def test_empty_platform(harness: Harness) -> None:
    """An empty platform yields no content records and ends cleanly (a snapshot says it is complete)."""
    harness.replay.empty = True
    batches = await harness.sync()
    assert content_ids(harness.scenario, batches) == set()
    cls = load_connector_types()[harness.scenario.connector_type]
    if cls.sync_mode == "snapshot":
        assert batches, "a snapshot of an empty platform must still say it is complete"
        assert batches[-1].snapshot_complete


async def test_unchanged_second_sync_is_conditional_and_empty(harness: Harness) -> None:
    """Against unchanged data, a second sync makes only conditional requests and yields no records."""
    if not harness.scenario.conditional_resync:
        pytest.skip(f"{harness.scenario.connector_type}: the platform sends no validators")
    first = await harness.sync()
    mark = harness.replay.mark()
    second = await harness.sync(last_cursor(first))
    assert records(second) == []
    made = harness.replay.since(mark)
    assert made, "the second sync made no request at all"
    assert all(r.conditional for r in made), [r.path_qs for r in made if not r.conditional]
