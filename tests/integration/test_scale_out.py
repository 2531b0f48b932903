"""Two routers and two workers as separate processes on one broker; one of each is SIGKILLed mid-run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.config import HubSettings, StreamSettings
from hub.stream.kafka import KafkaClients
from tests.integration.scale_out import CONNECTORS, run_scale_out

pytestmark = pytest.mark.integration


async def test_killed_router_and_worker_lose_and_double_nothing(
    kafka: KafkaClients, unique_name: str, tmp_path: Path, aiohttp_server: Any
) -> None:
    """Every project reaches the partner topic exactly once and every connector runs again after the kills."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name, partitions=2))
    figures = await run_scale_out(kafka, settings, tmp_path, aiohttp_server, projects=30, step=5)
    assert figures.records == figures.partner_messages == CONNECTORS * 30
    print(f"scale-out single broker: {figures}")  # the figures the report quotes (pytest -s)
