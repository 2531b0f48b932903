"""`hub up` restarts a role that fails (the cluster away) instead of stopping the whole hub."""

from __future__ import annotations

import asyncio

import pytest

from hub import runtime
from hub.errors import StreamError


async def test_a_failing_role_is_restarted_until_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "ROLE_RESTART_INITIAL_S", 0.01)
    stop = asyncio.Event()
    starts: list[int] = []
    running = asyncio.Event()

    async def role() -> None:
        starts.append(len(starts))
        if len(starts) < 3:
            raise StreamError("could not reconnect to Kafka")
        running.set()
        await stop.wait()

    task = asyncio.create_task(runtime.supervised("router", role, stop))
    async with asyncio.timeout(10):
        await running.wait()
    assert len(starts) == 3
    stop.set()
    async with asyncio.timeout(10):
        await task
    assert len(starts) == 3, "a role that returns because stop was set is not restarted"


async def test_stop_during_the_backoff_ends_supervision_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "ROLE_RESTART_INITIAL_S", 3600.0)
    stop = asyncio.Event()
    failed = asyncio.Event()

    async def role() -> None:
        failed.set()
        raise StreamError("broker gone")

    task = asyncio.create_task(runtime.supervised("materialiser", role, stop))
    async with asyncio.timeout(10):
        await failed.wait()
    stop.set()
    async with asyncio.timeout(10):
        await task
