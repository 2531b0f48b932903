"""Worker processes map and serialise records exactly as the sync's own loop does, and a dead worker loses nothing."""

from __future__ import annotations

import csv
import io
import os
import signal
from collections.abc import AsyncIterator

import aiohttp
import pytest

from hub.config import HubSettings
from hub.connectors import HttpClient, RawRecord
from hub.connectors.zooniverse_export import ZooniverseExportConfig, ZooniverseExportConnector
from hub.stream.changes import HashIndex, RawIndex
from hub.stream.map_pool import ConnectorMapper, MapPool
from hub.stream.normalise import Normaliser
from hub.stream.publisher import OutgoingMessage
from tests.connectors.helpers import PSEUDONYMISER
from tests.connectors.replay import fixture_bytes

URL = "https://panoptes-uploads.zooniverse.org/1315/classifications.csv"
# Envelope attributes that differ on every event by design (a fresh id, the time it was written).
_PER_EVENT = {"ce_id", "ce_time"}


@pytest.fixture
async def connector() -> AsyncIterator[ZooniverseExportConnector]:
    async with aiohttp.ClientSession() as session:
        config = ZooniverseExportConfig(base_url=URL, project_id="1315")
        yield ZooniverseExportConnector(config, http=HttpClient(session), pseudonymiser=PSEUDONYMISER)


@pytest.fixture
async def pool() -> AsyncIterator[MapPool]:
    pool = MapPool(2)
    await pool.start()
    yield pool
    pool.close()


def _records(connector: ZooniverseExportConnector, *fixtures: str) -> list[RawRecord]:
    """Every data row of the export fixtures, as the connector's fetch makes them (scrubbed, or unparsed)."""
    out: list[RawRecord] = []
    for name in fixtures:
        rows = list(csv.reader(io.StringIO(fixture_bytes("zooniverse", name).decode(), newline="")))
        out += [connector.row_record(row, line, URL) for line, row in enumerate(rows[1:], start=2)]
    return out


def _normaliser(connector: ZooniverseExportConnector) -> Normaliser[RawRecord]:
    return Normaliser(
        HubSettings(),
        connector="zoo-export",
        source="/connectors/zoo-export",
        map_record=connector.map,
        index=HashIndex(),
        raw_index=RawIndex(),
        dataschema="https://w3id.org/citsci-hub/context/v1.jsonld",
    )


def _comparable(message: OutgoingMessage) -> tuple[object, ...]:
    headers = tuple((name, value) for name, value in message.headers if name not in _PER_EVENT)
    return message.topic, message.key, message.value, headers


async def test_workers_give_the_messages_the_loop_gives(connector: ZooniverseExportConnector, pool: MapPool) -> None:
    """Same raw records, contributions, hashes, headers and dead letters, in the same order, mapped either way."""
    records = _records(connector, "classifications_export.csv", "classifications_export_malformed.csv") * 40
    here = _normaliser(connector).plan(records)
    mapped = await pool.map(ConnectorMapper.of(connector), records)
    assert mapped is not None
    there = _normaliser(connector).plan(records, mapped)

    assert [_comparable(m) for m in there.messages] == [_comparable(m) for m in here.messages]
    assert there.index_updates == here.index_updates
    assert (there.published, there.dead_lettered) == (here.published, here.dead_lettered)
    # The fixtures hold a malformed row, so the comparison covered a dead letter, not only clean contributions.
    assert here.dead_lettered > 0
    assert here.published > 0


async def test_a_killed_worker_costs_speed_not_records(connector: ZooniverseExportConnector, pool: MapPool) -> None:
    """A worker killed mid-batch: the batch is handed back to be mapped on the loop; the next gets a fresh pool."""
    records = _records(connector, "classifications_export.csv") * 200
    mapper = ConnectorMapper.of(connector)
    pids = await pool.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    assert await pool.map(mapper, records) is None

    again = await pool.map(mapper, records)
    assert again is not None
    assert len(again) == len(records)
    assert set(await pool.worker_pids()).isdisjoint(pids)


def test_a_mapper_rebuilds_the_connector_without_http_or_pseudonymiser(connector: ZooniverseExportConnector) -> None:
    """The worker's copy maps, but holds no pseudonymisation secret and cannot send a request."""
    rebuilt = ConnectorMapper.of(connector).build()
    assert rebuilt.config == connector.config
    assert rebuilt.pseudonymiser is None
    with pytest.raises(RuntimeError, match="no session"):
        _ = rebuilt.http.session
