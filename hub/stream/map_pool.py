"""Worker processes that map and serialise a sync's records while its event loop fetches and publishes.

Mapping a record to hub models, validating them and dumping them to JSON-LD is pure CPU work in Python: on the
event loop it takes turns with fetching and producing, so a sync uses one core however many the machine has. A
`MapPool` runs `hub.stream.mapped.map_and_serialise` in worker processes instead and hands back plain bytes and
strings (`MappedRecord`), which cost little to send back; change detection and the messages stay with the sync.

Only a connector type that declares ``maps_in_workers`` is mapped here: its ``map`` depends on its config and the
record alone (nothing fetched before, no clock, no pseudonymiser, which never leaves the sync's process). A
worker rebuilds the connector from its class and config, once per sync (`ConnectorMapper.token`), with an HTTP
client that has no session.

Workers start from a fork server that has imported the hub once, so a pool starts in well under a second; one
pool per process serves every sync (`shared_map_pool`). A worker that dies breaks the pool: the batch is then
mapped on the event loop and the next batch gets a fresh pool, so a crash costs speed, never records.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import multiprocessing
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
import structlog

from hub.connectors._http import HttpClient
from hub.connectors.base import RawRecord
from hub.stream.mapped import MappedRecord, map_and_serialise
from hub.stream.records import payload_bytes

if TYPE_CHECKING:
    from hub.connectors.base import Connector, ConnectorConfig

__all__ = ["ConnectorMapper", "MapPool", "shared_map_pool"]

log = structlog.get_logger(__name__)

# Below this many records a chunk is not worth a round trip to a worker.
_MIN_CHUNK = 64
_BUILT_CONNECTORS = 16


@dataclass(frozen=True)
class ConnectorMapper:
    """What a worker needs to rebuild a connector for its ``map``: its type and config, named by a token."""

    connector_type: type[Connector]
    config: ConnectorConfig
    token: str

    @classmethod
    def of(cls, connector: Connector) -> ConnectorMapper:
        """The mapper of ``connector``; a fresh token, so a changed config is never mapped with an old one."""
        return cls(type(connector), connector.config, uuid.uuid4().hex)

    def build(self) -> Connector:
        """The connector, for ``map`` only: its HTTP client has no session and it has no pseudonymiser."""
        return self.connector_type(self.config, http=HttpClient(None))


# In a worker: the connectors built so far, by token (a few syncs' worth; one sync uses one).
_connectors: OrderedDict[str, Connector] = OrderedDict()


def _connector(mapper: ConnectorMapper) -> Connector:
    connector = _connectors.get(mapper.token)
    if connector is None:
        connector = _connectors[mapper.token] = mapper.build()
        while len(_connectors) > _BUILT_CONNECTORS:
            _connectors.popitem(last=False)
    return connector


# A record as it crosses to a worker: platform, kind, native id, source URL and the verbatim JSON bytes (which the
# raw topic needs anyway; bytes cost a copy to send, a nested payload a walk through every value).
_Shipped = tuple[str, str, str, str, bytes]


def _ship(record: RawRecord) -> _Shipped:
    return (record.platform, record.kind, record.native_id, record.source_url, payload_bytes(record))


def map_chunk(mapper: ConnectorMapper, shipped: Sequence[_Shipped]) -> list[MappedRecord]:
    """Map and serialise shipped records with ``mapper``'s connector (runs in a worker).

    Each record is rebuilt from its JSON bytes, as re-derivation rebuilds it from the raw topic. The bytes are not
    sent back: the sync has them.
    """
    connector = _connector(mapper)
    out = []
    for platform, kind, native_id, source_url, data in shipped:
        record = RawRecord(platform, kind, native_id, orjson.loads(data), source_url)
        out.append(map_and_serialise(connector.map, record, data)._replace(data=b""))
    return out


def _ready() -> bool:
    return True


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server imports the hub's mapping once; each worker is a fork of it. Not __main__: a script's top
        # level is not the workers' business.
        context.set_forkserver_preload([__name__, "hub.connectors"])
        return context
    return multiprocessing.get_context("spawn")


class MapPool:
    """``workers`` processes mapping records for `hub.stream.pipeline`; started on first use.

    Args:
        workers: worker processes (at least 1).
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"a map pool needs at least one worker, not {workers}")
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # The workers allocate as the sync does: they collect garbage at the pace this process was given.
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=_context(), initializer=gc.set_threshold, initargs=gc.get_threshold()
            )
        return self._executor

    async def start(self) -> None:
        """Start the workers now (each answers once), so the first batch does not wait for them."""
        loop = asyncio.get_running_loop()
        pool = self._pool()
        await asyncio.gather(*(loop.run_in_executor(pool, _ready) for _ in range(self.workers)))

    async def worker_pids(self) -> list[int]:
        """The process ids of the workers (started if they were not)."""
        await self.start()
        executor = self._pool()
        return sorted(executor._processes)  # the executor keeps them by pid; it has no public accessor

    def _chunks(self, shipped: list[_Shipped]) -> list[list[_Shipped]]:
        count = max(1, min(self.workers, len(shipped) // _MIN_CHUNK))
        size = -(-len(shipped) // count)
        return [shipped[start : start + size] for start in range(0, len(shipped), size)]

    async def map(self, mapper: ConnectorMapper, records: Sequence[RawRecord]) -> list[MappedRecord] | None:
        """``map_and_serialise`` of each record, in order; None when the workers failed (map them on the loop then).

        A broken pool (a worker killed, out of memory) is dropped, and the next call starts a fresh one. Errors of
        ``map`` itself never fail here: they are each record's dead-letter reason.
        """
        if not records:
            return []
        loop = asyncio.get_running_loop()
        pool = self._pool()
        shipped = [_ship(record) for record in records]
        try:
            parts = await asyncio.gather(
                *(loop.run_in_executor(pool, map_chunk, mapper, chunk) for chunk in self._chunks(shipped))
            )
        except BrokenProcessPool as exc:
            log.warning("map_pool.broken", workers=self.workers, error=str(exc))
            if self._executor is pool:
                self._executor = None
            pool.shutdown(wait=False, cancel_futures=True)
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. a worker cannot import the connector type: map on the loop
            log.warning("map_pool.failed", workers=self.workers, error=f"{type(exc).__name__}: {exc}")
            return None
        mapped = (result for part in parts for result in part)
        return [result._replace(data=item[4]) for item, result in zip(shipped, mapped, strict=True)]

    def close(self) -> None:
        """Stop the workers (waiting for the chunks they are mapping)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


_shared: dict[int, MapPool] = {}


def shared_map_pool(workers: int) -> MapPool:
    """This process's pool of ``workers`` processes: every sync in the process shares it."""
    pool = _shared.get(workers)
    if pool is None:
        pool = _shared[workers] = MapPool(workers)
    return pool


@atexit.register
def _close_shared() -> None:
    for pool in _shared.values():
        pool.close()
