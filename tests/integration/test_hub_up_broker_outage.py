"""`hub up` on its own single broker rides out the broker's absence (see tests/hub_up_outage.py).

The test runs its own single-node Apache Kafka on a fixed port (the shared broker must never be stopped), stops it
for ``HUB_TEST_OUTAGE_S`` seconds (30 by default) and starts it again on the same port and state.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.localkafka import LocalKafka
from hub.stream.kafka import KafkaClients
from tests.hub_up_outage import hub_up_rides_out_an_outage
from tests.own_broker import own_broker as start_own_broker

pytestmark = pytest.mark.integration


@pytest.fixture
def own_broker(tmp_path: Path, kafka: KafkaClients) -> Iterator[LocalKafka]:
    """A broker of this test's own (``kafka`` is requested only so the Kafka jars are there)."""
    with start_own_broker(tmp_path / "broker") as broker:
        yield broker


async def test_hub_up_recovers_by_itself_when_its_broker_returns(
    own_broker: LocalKafka, unique_name: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    info = own_broker.status()
    assert info is not None
    figures = await hub_up_rides_out_an_outage(
        info.clients(), own_broker.stop, own_broker.start, prefix=unique_name, port=unused_tcp_port, tmp_path=tmp_path
    )
    print(figures)  # pytest -s shows the figures of the run
