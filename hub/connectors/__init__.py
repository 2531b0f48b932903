"""Connectors: pull projects and contributions from citizen-science platforms.

The framework surface other packages code against is re-exported here; see docs/connectors.md.
"""

from hub.connectors._http import ConditionalCache, HostPolicy, HttpClient, Page, Response, Validators, paginate
from hub.connectors.base import (
    UNPARSED_KEY,
    Batch,
    Clock,
    Connector,
    ConnectorConfig,
    Pseudonymiser,
    RawRecord,
    SyncMode,
    skip_idle,
    unparsed_payload,
    utc_now,
)
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.connectors.registry import ENTRY_POINT_GROUP, build_connector, connector_type, load_connector_types
from hub.connectors.sweep import SweepRefused, plan_sweep

__all__ = [
    "ENTRY_POINT_GROUP",
    "UNPARSED_KEY",
    "Batch",
    "Clock",
    "ConditionalCache",
    "Connector",
    "ConnectorConfig",
    "HostPolicy",
    "HttpClient",
    "Page",
    "Pseudonymiser",
    "RawRecord",
    "Response",
    "SweepRefused",
    "SyncMode",
    "Validators",
    "build_connector",
    "connector_type",
    "decode_cursor",
    "encode_cursor",
    "load_connector_types",
    "paginate",
    "plan_sweep",
    "skip_idle",
    "unparsed_payload",
    "utc_now",
]
