"""Prometheus metrics: HTTP latency, sync durations, and per-connector counters read from the status topic.

Connector counters come from the status records (written by whichever worker runs the connector), so any hub
process serving ``/metrics`` reports every connector, not only the ones it runs itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.api.status import ConnectorStatus
from hub.api.tables import Table

__all__ = ["HubMetrics", "LagProbe"]

LagProbe = Callable[[], Mapping[str, int]]
"""Consumer lag of the partner router, in records, per topic-partition (``topic:partition``)."""

_STATES = ("running", "idle", "degraded", "failed", "paused")


class _StatusCollector(Collector):
    def __init__(self, status: Table[ConnectorStatus], lag: LagProbe | None) -> None:
        self._status = status
        self._lag = lag

    def collect(self) -> Iterator[Metric]:
        fetched = CounterMetricFamily("hub_connector_records_fetched", "Raw records fetched", labels=["connector"])
        published = CounterMetricFamily(
            "hub_connector_records_published", "Records published to entity topics", labels=["connector"]
        )
        dead = CounterMetricFamily(
            "hub_connector_records_dead_lettered", "Records sent to the dead-letter topic", labels=["connector"]
        )
        duration = GaugeMetricFamily(
            "hub_connector_last_sync_duration_seconds", "Duration of the last finished sync", labels=["connector"]
        )
        state = GaugeMetricFamily(
            "hub_connector_state", "1 for the connector's current state", labels=["connector", "state"]
        )
        for name, status in self._status.items():
            fetched.add_metric([name], status.fetched_total)
            published.add_metric([name], status.published_total)
            dead.add_metric([name], status.dead_lettered_total)
            if status.last_duration_s is not None:
                duration.add_metric([name], status.last_duration_s)
            for candidate in _STATES:
                state.add_metric([name, candidate], 1.0 if status.state == candidate else 0.0)
        yield from (fetched, published, dead, duration, state)
        if self._lag is not None:
            lag = GaugeMetricFamily(
                "hub_router_consumer_lag", "Records the partner router has yet to read", labels=["partition"]
            )
            for partition, value in sorted(self._lag().items()):
                lag.add_metric([partition], value)
            yield lag


class HubMetrics:
    """The metrics of one hub process, in their own registry (so several apps can live in one test process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_latency = Histogram(
            "hub_http_request_duration_seconds",
            "API request latency",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.sync_duration = Histogram(
            "hub_sync_duration_seconds",
            "Duration of connector syncs run by this process",
            ["connector", "outcome"],
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
            registry=self.registry,
        )

    def watch_status(self, status: Table[ConnectorStatus], lag: LagProbe | None = None) -> None:
        """Report per-connector counters (and the router's lag) from the status table."""
        self.registry.register(_StatusCollector(status, lag))
