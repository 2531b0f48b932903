"""Replay scenarios of the SciStarter and Science Near Me connectors for the conformance suite."""

from __future__ import annotations

from tests.connectors.conformance import ReplayScenario, register
from tests.connectors.helpers import FAST
from tests.connectors.replay_scistarter import scistarter_app

register(
    ReplayScenario(
        connector_type="scistarter",
        make_app=scistarter_app,
        config=lambda root: {"base_url": root, **FAST},
        fault_path="/finder",
        invalid_configs=[{"base_url": "ftp://scistarter.org"}, {"max_delete_share": 2}, {"query": ["q"]}],
    )
)
register(
    ReplayScenario(
        connector_type="sciencenearme",
        make_app=scistarter_app,
        config=lambda root: {"base_url": root + "api/v1/", "page_size": 2, **FAST},
        fault_path="/api/v1/opportunity/",
        invalid_configs=[{"page_size": 0}, {"token": ["x"]}],
    )
)
