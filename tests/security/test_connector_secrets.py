"""Connector configs sealed for storage and opened only to run: sealing, opening, re-sealing, and failures."""

from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest
from pydantic import SecretStr

from hub.api.keys import Registry
from hub.api.tables import MemoryTable
from hub.config import HubSettings
from hub.connectors import HttpClient
from hub.connectors.zooniverse import ZooniverseConfig
from hub.errors import SecretsKeyError
from hub.security.connector_secrets import reseal_record, reveal_record, seal_config
from hub.security.secret_keys import Keyring, encrypted_key_id, generate_key
from hub.stream.connectors import build_from_record
from hub.stream.pipeline import SyncProgress, SyncSummary
from hub.stream.state import ConnectorRecord
from hub.worker.run import run_connector
from hub.worker.runs import RunHistory, RunRecord
from hub.worker.scheduler import RunConnector, Scheduler
from tests.api.conftest import NOW, SECRET, FakeConfig, FakeConnector, memory_registry

OLD = Keyring([generate_key()], source="old")
NEW_AND_OLD = Keyring([generate_key(), *OLD.keys], source="rotating")
NEW = Keyring(NEW_AND_OLD.keys[:1], source="HUB_SECRETS_KEY")


def _record(config: dict[str, object]) -> ConnectorRecord:
    return ConnectorRecord(name="zoo", type="fake", config=config, created_at=NOW, updated_at=NOW)


def _sealed(keyring: Keyring = OLD) -> ConnectorRecord:
    config = {"base_url": "https://api.public.example/", "token": SECRET, "project_filter": "penguins"}
    return _record(seal_config(FakeConfig, config, lambda: keyring))


def _scheduler(registry: Registry, runner: RunConnector, keyring: Keyring) -> Scheduler:
    """A worker's scheduler over ``registry`` that opens sealed configs with ``keyring``."""
    return Scheduler(
        registry,
        runner,
        settings=HubSettings().api,
        worker_id="w1",
        clock=lambda: datetime.now(NOW.tzinfo),
        connector_types={"fake": FakeConnector},
        reveal=lambda record: reveal_record(record, keyring),
    )


def test_sealing_encrypts_secret_fields_only_and_opening_restores_them() -> None:
    """Only SecretStr fields are encrypted; opened, the record is the original config."""
    record = _sealed()
    assert SECRET not in record.model_dump_json()
    assert record.config["project_filter"] == "penguins"
    assert reveal_record(record, OLD).config["token"] == SECRET


def test_sealing_leaves_a_ciphertext_it_is_given_alone() -> None:
    """A secret merged from the stored record (already sealed) is not encrypted twice."""
    record = _sealed()
    again = seal_config(FakeConfig, record.config, lambda: NEW)
    assert again["token"] == record.config["token"]


def test_a_config_without_secrets_needs_no_keys() -> None:
    """Sealing a config with no secret value never asks for the keys."""

    def no_keys() -> Keyring:
        raise AssertionError("the keys were asked for")

    assert seal_config(FakeConfig, {"base_url": "https://x.example/"}, no_keys) == {"base_url": "https://x.example/"}


def test_opening_under_a_missing_key_names_the_connector_and_field() -> None:
    """A record sealed with a key the hub no longer holds gives an error naming the connector, field and key."""
    record = _sealed(OLD)
    key_id = encrypted_key_id(record.config["token"])
    with pytest.raises(SecretsKeyError, match=rf"connector 'zoo': config\.token cannot be decrypted.*{key_id}"):
        reveal_record(record, NEW)


def test_resealing_moves_every_secret_to_the_current_key() -> None:
    """Re-sealing under a rotating keyring rewrites old-key and plaintext secrets; a second pass changes nothing."""
    record = _sealed(OLD)
    resealed = reseal_record(record, FakeConfig, NEW_AND_OLD)
    assert resealed is not None
    assert encrypted_key_id(resealed.config["token"]) == NEW.current_id
    assert reveal_record(resealed, NEW).config["token"] == SECRET
    assert reseal_record(resealed, FakeConfig, NEW_AND_OLD) is None
    legacy = _record({"base_url": "https://api.public.example/", "token": SECRET})
    sealed_legacy = reseal_record(legacy, FakeConfig, NEW)
    assert sealed_legacy is not None
    assert reveal_record(sealed_legacy, NEW).config["token"] == SECRET
    with pytest.raises(SecretsKeyError, match="connector 'zoo'"):
        reseal_record(record, FakeConfig, NEW)


async def test_the_connector_is_built_with_its_secret_in_clear() -> None:
    """build_from_record, where a connector is made to run, decrypts the secret for it."""
    config = seal_config(ZooniverseConfig, {"token": SECRET}, lambda: OLD)
    record = ConnectorRecord(name="zoo", type="zooniverse", config=config)
    async with aiohttp.ClientSession() as session:
        connector = build_from_record(record, http=HttpClient(session), settings=HubSettings(), keyring=NEW_AND_OLD)
    assert isinstance(connector.config, ZooniverseConfig)
    assert connector.config.token is not None
    assert connector.config.token.get_secret_value() == SECRET


async def test_a_run_under_a_missing_key_fails_that_run_with_a_clear_error() -> None:
    """run_connector records the run as failed with an error naming the connector; nothing else is touched."""
    runs: MemoryTable[RunRecord] = MemoryTable()
    settings = HubSettings(secrets_key=SecretStr(NEW.keys[0]))
    with pytest.raises(SecretsKeyError, match="connector 'zoo'"):
        await run_connector(_sealed(OLD), kafka=None, settings=settings, history=RunHistory(runs), worker="w1")  # type: ignore[arg-type]
    [run] = RunHistory(runs).runs("zoo")
    assert run.outcome == "failed"
    assert run.error is not None
    assert "connector 'zoo': config.token cannot be decrypted" in run.error


async def test_the_scheduler_scrubs_the_secret_in_clear_from_a_failed_runs_status() -> None:
    """An error quoting the plaintext secret of a sealed record reaches the status topic masked."""
    registry = memory_registry()
    await registry.connectors.put("zoo", _sealed(OLD))

    async def failing(record: ConnectorRecord, progress: SyncProgress) -> SyncSummary:
        raise RuntimeError(f"GET /api/projects?token={SECRET} failed")

    scheduler = _scheduler(registry, failing, OLD)
    await scheduler.tick()
    await scheduler.wait_idle()
    status = registry.status.get("zoo")
    assert status is not None
    assert status.state == "failed"
    assert status.error is not None
    assert SECRET not in status.error
    assert "token=**********" in status.error


async def test_a_lost_key_fails_only_that_connector_and_the_scheduler_keeps_running() -> None:
    """The worker's scheduler marks the connector under a lost key failed, naming it, and still runs the others."""
    registry = memory_registry()
    await registry.connectors.put("zoo", _sealed(OLD))
    other = seal_config(FakeConfig, {"base_url": "https://api.public.example/", "token": "other"}, lambda: NEW)
    await registry.connectors.put("penguins", ConnectorRecord(name="penguins", type="fake", config=other))
    ran: list[str] = []

    async def runner(record: ConnectorRecord, progress: SyncProgress) -> SyncSummary:
        reveal_record(record, NEW)  # what run_connector does first, with the hub's (new) keys
        ran.append(record.name)
        return SyncSummary(fetched=1)

    scheduler = _scheduler(registry, runner, NEW)
    await scheduler.tick()
    await scheduler.wait_idle()
    failed, fine = registry.status.get("zoo"), registry.status.get("penguins")
    assert failed is not None
    assert fine is not None
    assert failed.state == "failed"
    assert failed.error is not None
    assert "connector 'zoo': config.token cannot be decrypted" in failed.error
    assert OLD.current_id in failed.error
    assert fine.state == "idle"
    assert ran == ["penguins"]
    await scheduler.tick()  # the next tick runs as usual: the failure did not stop the scheduler
    assert scheduler.owned == {"zoo", "penguins"}
