"""On the three-node cluster: two routers and two workers as processes; one of each is SIGKILLed mid-run.

The topics have three partitions and three replicas (min ISR 2), so the routers share each entity topic and the
router that survives takes over the partitions of the killed one, fencing it and settling its open transactions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.config import HubSettings, StreamSettings
from tests.cluster.conftest import BROKERS, Cluster
from tests.integration.scale_out import CONNECTORS, run_scale_out

pytestmark = pytest.mark.integration

PROJECTS = 60


async def test_killed_router_and_worker_on_the_cluster_lose_and_double_nothing(
    cluster: Cluster, unique_name: str, tmp_path: Path, aiohttp_server: Any
) -> None:
    """Every project reaches the partner topic exactly once and every connector runs again after the kills."""
    stream = StreamSettings(topic_prefix=unique_name, partitions=3, replication_factor=BROKERS, min_insync_replicas=2)
    settings = HubSettings(stream=stream)
    figures = await run_scale_out(cluster.clients, settings, tmp_path, aiohttp_server, projects=PROJECTS, step=5)
    assert figures.records == figures.partner_messages == CONNECTORS * PROJECTS
    print(f"scale-out on {BROKERS} brokers: {figures}")  # the figures the report quotes (pytest -s)
