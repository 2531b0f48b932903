"""Replay scenarios of the four Zooniverse connector types for the conformance suite."""

from __future__ import annotations

from tests.connectors.conformance import ReplayScenario, register
from tests.connectors.helpers import FAST
from tests.connectors.replay_zooniverse import zooniverse_app

register(
    ReplayScenario(
        connector_type="zooniverse",
        make_app=zooniverse_app,
        config=lambda root: {"base_url": root + "api/", "page_size": 2, **FAST},
        fault_path="/api/projects",
        invalid_configs=[{"page_size": 101}, {"token": 5}, {"project_ids": "405"}],
    )
)
register(
    ReplayScenario(
        connector_type="zooniverse-stats",
        make_app=zooniverse_app,
        config=lambda root: {"base_url": root + "eras/", "project_ids": ["11152", "2001", "405"], **FAST},
        fault_path="/eras/classifications",
        invalid_configs=[{"project_ids": []}, {"period": "fortnight"}],
    )
)
register(
    ReplayScenario(
        connector_type="zooniverse-classifications",
        make_app=zooniverse_app,
        config=lambda root: {
            "base_url": root + "api/",
            "token": "replay-token",
            "project_id": "1315",
            "page_size": 2,
            **FAST,
        },
        fault_path="/api/classifications/project",
        invalid_configs=[{"project_id": "abc"}, {"token": None}],
        meta_kinds=frozenset(),
    )
)
register(
    ReplayScenario(
        connector_type="zooniverse-export",
        make_app=zooniverse_app,
        config=lambda root: {
            "base_url": root + "exports/classifications.csv",
            "project_id": "1315",
            "page_size": 2,
            **FAST,
        },
        fault_path="/exports/classifications.csv",
        # One streamed file: the first request fails, the retry streams it.
        mid_sync_faults=("503",),
        # The body breaks off after 60%: the rows before are committed, the rest come on resume.
        persistent_fault="truncated",
        invalid_configs=[{"project_id": ""}, {"page_size": 0}],
        meta_kinds=frozenset(),
    )
)
