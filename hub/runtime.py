"""What ``hub up`` runs: the Kafka cluster (local or configured), the hub's topics, and its roles."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog

from hub.config import HubSettings
from hub.localkafka import LocalKafka
from hub.stream.topics import ensure_topics, hub_topics

__all__ = ["kafka_cluster", "run_hub", "run_until_signalled"]

log = structlog.get_logger(__name__)


@asynccontextmanager
async def kafka_cluster(settings: HubSettings) -> AsyncIterator[str]:
    """Yield the bootstrap servers to use; start the local broker when none is configured.

    A broker this context started is stopped when it exits; one that was already running (``hub kafka start``)
    is left running, since someone else owns it.
    """
    if settings.kafka_bootstrap:
        log.info("kafka.external", bootstrap=settings.kafka_bootstrap)
        yield settings.kafka_bootstrap
        return
    broker = LocalKafka(settings.local_kafka, state_dir=settings.state_dir, cache_dir=settings.cache_dir)
    already_running = broker.status() is not None
    info = await asyncio.to_thread(broker.start)
    try:
        yield info.bootstrap
    finally:
        if not already_running:
            await asyncio.to_thread(broker.stop)


async def run_hub(settings: HubSettings, stop: asyncio.Event) -> None:
    """Bring the hub up and keep it up until ``stop`` is set."""
    async with kafka_cluster(settings) as bootstrap:
        check = await ensure_topics(bootstrap, hub_topics(settings.stream), settings.stream)
        log.info(
            "hub.up",
            bootstrap=bootstrap,
            topics_created=len(check.created),
            topics_existing=len(check.existing),
        )
        await stop.wait()
        log.info("hub.stopping")


def run_until_signalled(settings: HubSettings) -> None:
    """Run the hub in the foreground; SIGINT (Ctrl-C) or SIGTERM stops everything it started."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_hub(settings, stop)

    asyncio.run(_main())
