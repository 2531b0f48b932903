"""The production ``RunConnector``: check the connector's URLs, build it from its record, run one sync."""

from __future__ import annotations

from hub.api.outbound import check_config_urls
from hub.api.scheduler import RunConnector
from hub.config import HubSettings
from hub.connectors import connector_type
from hub.errors import OutboundRefusedError
from hub.stream.connectors import open_connector
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import SyncProgress, SyncSummary, run_sync
from hub.stream.state import ConnectorRecord

__all__ = ["kafka_runner"]


def kafka_runner(kafka: KafkaClients, settings: HubSettings) -> RunConnector:
    """Runs one sync of a stored connector with ``hub.stream.pipeline.run_sync``.

    The outbound rules are checked again before every run, since a name may resolve elsewhere than it did at
    registration.
    """

    async def run(record: ConnectorRecord, progress: SyncProgress) -> SyncSummary:
        config = connector_type(record.type).config_model.model_validate(record.config).model_dump(mode="json")
        refused = await check_config_urls(config, settings.api.outbound_allow)
        if refused:
            raise OutboundRefusedError("; ".join(f"config.{key}: {reason}" for key, reason in sorted(refused.items())))
        async with open_connector(record, settings) as connector:
            return await run_sync(record.name, connector, kafka=kafka, settings=settings, progress=progress)

    return run
