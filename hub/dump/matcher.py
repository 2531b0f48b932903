"""The matcher role: propose cross-platform links on a schedule, and soon after projects change.

``hub up`` runs it beside the materialiser, which wakes it when a batch it applied touched the projects topic; a
quiet spell (``HUB_DUMP__MATCH_DEBOUNCE_S``) lets a sync finish its batches before the matcher reads the store.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from hub.config import HubSettings
from hub.dump.links import LinkService, match_and_publish
from hub.dump.store import HubStore
from hub.errors import HubError
from hub.stream.kafka import KafkaClients

__all__ = ["matcher_transactional_id", "run_matcher"]

log = structlog.get_logger(__name__)


def matcher_transactional_id(settings: HubSettings) -> str:
    """A fixed id: a restarted matcher fences a zombie one still publishing."""
    return f"{settings.stream.topic_prefix}.hub.matcher"


async def _wait(stop: asyncio.Event, wake: asyncio.Event | None, timeout_s: float) -> None:
    waits = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waits.append(asyncio.ensure_future(wake.wait()))
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waits:
            waiter.cancel()


async def run_matcher(
    settings: HubSettings,
    kafka: KafkaClients,
    store: HubStore,
    stop: asyncio.Event,
    *,
    wake: asyncio.Event | None = None,
    interval_s: float | None = None,
) -> None:
    """Match every ``interval_s`` (default ``HUB_DUMP__MATCH_INTERVAL_S``) and after each ``wake``, until ``stop``."""
    interval = interval_s or settings.dump.match_interval_s
    async with LinkService(settings, kafka, transactional_id=matcher_transactional_id(settings)) as service:
        while not stop.is_set():
            try:
                report = await match_and_publish(store, service)
                log.info("matcher.ran", published=report.published, withdrawn=report.withdrawn)
            except HubError as exc:
                # One failed pass (a record the matcher cannot read) is retried at the next wake or interval.
                log.error("matcher.failed", error=str(exc))  # noqa: TRY400 - the message is the whole story
            await _wait(stop, wake, interval)
            if wake is not None and wake.is_set():
                # Let the rest of a sync's batches land first: wait until the projects topic is quiet.
                while wake.is_set() and not stop.is_set():
                    wake.clear()
                    await _wait(stop, wake, settings.dump.match_debounce_s)
