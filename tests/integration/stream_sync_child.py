"""A publishing process for the crash tests: syncs the fake platform and prints a line per committed batch.

Run as ``python -m tests.integration.stream_sync_child BOOTSTRAP PREFIX COUNT PAGE_SIZE DELAY_S``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import aiohttp

from hub.config import HubSettings
from hub.connectors import Batch
from hub.stream.kafka import KafkaClients
from hub.stream.pipeline import SyncSummary, run_sync
from tests.stream.fakes import FakeConnector, http_client, row


class SlowFakeConnector(FakeConnector):
    """Waits before each page, as a platform's API does, so a kill can land anywhere in the run."""

    delay_s: float = 0.0

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        async for batch in super().fetch(cursor):
            await asyncio.sleep(self.delay_s)
            yield batch


async def main(kafka: KafkaClients, prefix: str, count: int, page_size: int, delay_s: float) -> None:
    # The stream settings of the environment (HUB_STREAM__PRODUCER, ...) on the test's topics.
    environment = HubSettings()
    settings = HubSettings(stream=environment.stream.model_copy(update={"topic_prefix": prefix}))

    def progress(summary: SyncSummary) -> None:
        print(f"batch {summary.batches} fetched {summary.fetched}", flush=True)

    async with aiohttp.ClientSession() as session:
        # Bulky records make each transaction take long enough for the test to kill the process inside one.
        rows = [row(i, notes="n" * 4000) for i in range(1, count + 1)]
        connector = SlowFakeConnector(rows, http=http_client(session), page_size=page_size)
        connector.delay_s = delay_s
        summary = await run_sync("crashy", connector, kafka=kafka, settings=settings, progress=progress)
    print(
        f"done fetched {summary.fetched} published {summary.published} unchanged {summary.unchanged} "
        f"deleted {summary.deleted} refused {summary.sweep_refused is not None}",
        flush=True,
    )


if __name__ == "__main__":
    prefix, count, page_size, delay_s = sys.argv[1:5]
    # The parent passes the cluster and its credentials as HUB_KAFKA_* variables, as it would to any hub process.
    asyncio.run(main(KafkaClients.from_settings(HubSettings()), prefix, int(count), int(page_size), float(delay_s)))
