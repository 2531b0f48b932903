"""Typed keys of the app's and requests' state, and the bundle of state tables the API works on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from hub.api.auth import Principal, TokenRecord
from hub.api.metrics import HubMetrics
from hub.api.outbound import Resolver
from hub.api.status import CommandRecord, ConnectorStatus, WorkerRecord
from hub.api.tables import MemoryTable, Table
from hub.config import HubSettings
from hub.connectors.base import Connector
from hub.security.secret_keys import Keyring
from hub.stream.state import ConnectorRecord, CursorRecord, PartnerSubscription
from hub.worker.runs import RunRecord

__all__ = [
    "BACKFILL",
    "BOOTSTRAP_HASH",
    "CLOCK",
    "CONNECTOR_TYPES",
    "METRICS",
    "OPENAPI",
    "PRINCIPAL",
    "READY_CHECK",
    "REGISTRY",
    "RESOLVER",
    "SECRETS_KEYS",
    "SETTINGS",
    "BackfillProbe",
    "Clock",
    "ReadyCheck",
    "Registry",
]


@dataclass(frozen=True)
class Registry:
    """The state tables of the hub: compacted topics in production, dicts in unit tests."""

    connectors: Table[ConnectorRecord]
    cursors: Table[CursorRecord]
    status: Table[ConnectorStatus]
    partners: Table[PartnerSubscription]
    tokens: Table[TokenRecord]
    commands: Table[CommandRecord]
    workers: Table[WorkerRecord]
    runs: Table[RunRecord] = field(default_factory=MemoryTable)


ReadyCheck = Callable[[], Awaitable[dict[str, str]]]
"""Returns {check: problem} for each failing readiness check; empty when ready."""

BackfillProbe = Callable[[PartnerSubscription], Awaitable[dict[str, object] | None]]
"""Backfill progress of a subscription (``BackfillView`` fields), or None when unknown."""

Clock = Callable[[], datetime]

SETTINGS = web.AppKey[HubSettings]("settings")
REGISTRY = web.AppKey[Registry]("registry")
CONNECTOR_TYPES = web.AppKey[Mapping[str, type[Connector]]]("connector_types")
RESOLVER = web.AppKey[Resolver | None]("resolver")
READY_CHECK = web.AppKey[ReadyCheck]("ready_check")
BACKFILL = web.AppKey[BackfillProbe]("backfill")
BOOTSTRAP_HASH = web.AppKey[str | None]("bootstrap_hash")
CLOCK = web.AppKey[Clock]("clock")
METRICS = web.AppKey[HubMetrics]("metrics")
OPENAPI = web.AppKey[dict[str, Any]]("openapi")
#: The keys that seal connector secrets before they are stored; asked at each store, so a rotated key file is used.
SECRETS_KEYS = web.AppKey[Callable[[], Keyring]]("secrets_keys")
PRINCIPAL = web.RequestKey[Principal]("principal")
