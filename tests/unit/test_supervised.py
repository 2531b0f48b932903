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


async def test_a_cancelled_error_from_inside_a_role_restarts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiokafka cancels its own waits when the broker goes mid-start; that ends the role, not the hub."""
    monkeypatch.setattr(runtime, "ROLE_RESTART_INITIAL_S", 0.01)
    stop = asyncio.Event()
    starts: list[int] = []
    running = asyncio.Event()

    async def role() -> None:
        starts.append(len(starts))
        if len(starts) == 1:
            inner = asyncio.create_task(asyncio.sleep(3600))
            inner.cancel()
            await inner  # raises CancelledError in this task, which nobody cancelled
        running.set()
        await stop.wait()

    task = asyncio.create_task(runtime.supervised("partner-router", role, stop))
    async with asyncio.timeout(10):
        await running.wait()
    assert len(starts) == 2
    assert not task.done()
    stop.set()
    async with asyncio.timeout(10):
        await task


async def test_cancelling_the_supervisor_itself_still_cancels_it() -> None:
    stop = asyncio.Event()
    started = asyncio.Event()

    async def role() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = asyncio.create_task(runtime.supervised("materialiser", role, stop))
    async with asyncio.timeout(10):
        await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


def test_where_names_the_frame_that_raised() -> None:
    def raiser() -> None:
        raise ValueError("x")

    try:
        raiser()
    except ValueError as exc:
        where = runtime._where(exc)
    assert where.startswith("test_supervised.py:")
    assert where.endswith(" raiser")
