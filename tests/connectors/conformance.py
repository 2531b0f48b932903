"""The conformance suite every registered connector type must pass, and how a connector plugs into it.

``test_conformance.py`` runs the checks below for each entry point in the ``hub.connectors`` group. A connector
takes part by providing a *replay scenario*: a module ``tests/connectors/scenario_<anything>.py`` that calls
:func:`register` with a :class:`ReplayScenario` per connector type. The scenario says how to serve the platform
(an aiohttp app factory over a :class:`~tests.connectors.replay.Replay`), a valid config for a server root URL,
some invalid configs, and where to inject a retriable failure. The app must honour ``replay.empty`` (serve a
platform with no records) and ``replay.malformed`` (serve one malformed record among the good ones).

Example (``tests/connectors/scenario_myplatform.py``)::

    from tests.connectors.conformance import ReplayScenario, register
    from tests.connectors.replay import Replay, replay_app

    def my_app(replay: Replay) -> web.Application:
        app = replay_app(replay)            # logs requests, injects faults
        app.router.add_get("/api/items", items_handler)   # reads replay.empty / replay.malformed
        return app

    register(ReplayScenario(
        connector_type="my-platform",
        make_app=my_app,
        config=lambda root: {"base_url": root + "api/", "page_size": 2},
        fault_path="/api/items",
        invalid_configs=[{"base_url": "not a url"}],
    ))

The checks: the config model is frozen and refuses unknown keys, the valid config builds and the invalid ones give
a ConfigError; a full sync yields records whose cursors are JSON text and which map to valid hub models; a sync
resumed from a mid-sync cursor completes the same set of records; a 503 then success mid-sync changes nothing; a
persistent failure raises RetriableConnectorError and a resumed sync completes the set; a malformed record is
reported as SkippableRecordError while the rest map; an empty platform yields no content records; and, when the
scenario says the platform sends validators, a second sync of unchanged data makes only conditional requests and
yields no records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.connectors.replay import Fault, Replay

__all__ = ["SCENARIOS", "ReplayScenario", "register"]


@dataclass(frozen=True)
class ReplayScenario:
    """How the conformance suite exercises one connector type against its replayed platform.

    Attributes:
        connector_type: the entry-point name.
        make_app: builds the replay app over a `Replay` (which it must wire with ``replay_app``).
        config: a valid raw config, given the replay server's root URL (with a trailing slash). Keep pages small
            (``page_size`` 2 or so) so that a sync takes several batches, and ``backoff_base_s`` at 0.
        fault_path: a request path the sync uses at least twice (or, for one streamed file, once).
        mid_sync_faults: the faults for a transient failure in the middle of the sync (default: the second
            request to ``fault_path`` answers 503, then it works).
        persistent_fault: the fault that, on every request to ``fault_path``, makes the sync give up.
        invalid_configs: raw configs that must be refused (each beside the valid one's keys it overrides).
        meta_kinds: record kinds that are not platform content (e.g. ``platform``); an empty platform may yield them.
        conditional_resync: whether a second sync of unchanged data makes only conditional requests and yields
            no records (platforms that send ETag/Last-Modified).
    """

    connector_type: str
    make_app: Callable[[Replay], web.Application]
    config: Callable[[str], Mapping[str, Any]]
    fault_path: str
    mid_sync_faults: Sequence[Fault] = (None, "503")
    persistent_fault: Fault = "503"
    invalid_configs: Sequence[Mapping[str, Any]] = field(default_factory=list)
    meta_kinds: frozenset[str] = frozenset({"platform"})
    conditional_resync: bool = True


SCENARIOS: dict[str, ReplayScenario] = {}


def register(scenario: ReplayScenario) -> None:
    """Add ``scenario`` to the suite (one per connector type)."""
    if scenario.connector_type in SCENARIOS:
        raise ValueError(f"two replay scenarios for connector type {scenario.connector_type!r}")
    SCENARIOS[scenario.connector_type] = scenario
