"""Under `hub up`, the whole three-broker cluster stops for 30 s and comes back (see tests/hub_up_outage.py).

`/readyz` says 503 with the reason throughout, and the worker, router, materialiser and API recover without a
restart of the hub.
"""

from __future__ import annotations

from pathlib import Path

from tests.cluster.conftest import Cluster
from tests.hub_up_outage import hub_up_rides_out_an_outage


async def test_hub_up_rides_out_the_whole_cluster_stopping(
    cluster: Cluster, unique_name: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    figures = await hub_up_rides_out_an_outage(
        cluster.clients,
        cluster.kafka.stop,
        cluster.kafka.start,
        prefix=unique_name,
        port=unused_tcp_port,
        tmp_path=tmp_path,
    )
    print(figures)  # pytest -s shows the figures of the run
