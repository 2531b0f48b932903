"""Two ``hub route`` and two ``hub worker`` processes on one hub; one of each is SIGKILLed while records flow.

Shared by the single-broker test (tests/integration) and the three-node one (tests/cluster). Each connector syncs
a Panoptes replay whose project list grows by a few projects per request, so records keep arriving while the
kills happen. At the end every project must be in the partner topic exactly once (read_committed), the routers
must have routed everything the entity topic holds, and every connector must have run again after the kill.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from hub.api.kafka import KafkaRegistry, api_topics
from hub.config import ApiSettings, HubSettings
from hub.errors import StreamError
from hub.stream.changes import read_topics
from hub.stream.consume import partitions_of, read_to_end
from hub.stream.kafka import KafkaClients
from hub.stream.router import router_group_id
from hub.stream.state import ConnectorRecord, PartnerSubscription, StateTable
from hub.stream.topics import ensure_topics, entity_topic, hub_topics, internal_topic, partner_topic
from hub.worker.group import ensure_assignment_topic
from hub.worker.runs import RunHistory
from tests.api.zooniverse_replay import MEDIA_TYPE, PROJECTS
from tests.hub_up_process import start_hub, stop_all

CONNECTORS = 4
PARTNER = "scaleout"
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)

_TARGET = web.AppKey[list[int]]("target")
_SERVED = web.AppKey[list[int]]("served")


def growing_replay(connector: int, *, step: int) -> web.Application:
    """Panoptes for one connector: each ``/api/projects`` request shows ``step`` more projects, up to the target.

    ``app[_TARGET][0]`` is how many projects the list may grow to (the test raises it in stages: a third before
    the routers share the work, two thirds until the kill, all of them after it); the projects' ids are
    distinct per connector and their ``updated_at`` grows with their number, so each sync finds only the new ones.
    """
    app = web.Application()
    app[_TARGET] = [0]
    app[_SERVED] = [0]

    def project(n: int) -> dict[str, Any]:
        body = copy.deepcopy(PROJECTS[0])
        pid = str(100_000 * (connector + 1) + n)
        updated = (_EPOCH + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        name = f"Scale-out project {pid}"
        body.update(id=pid, display_name=name, title=name, slug=f"replay/{pid}", updated_at=updated, href=f"/p/{pid}")
        body["links"] = {"workflows": [], "active_workflows": []}
        return body

    def page(kind: str, items: list[dict[str, Any]]) -> web.Response:
        meta = {"page": 1, "page_size": 100, "count": len(items), "page_count": 1, "next_href": None}
        body = {kind: items, "links": {}, "meta": {kind: meta}}
        return web.Response(body=json.dumps(body).encode(), headers={"Content-Type": MEDIA_TYPE})

    async def projects(request: web.Request) -> web.Response:
        served = app[_SERVED]
        served[0] = min(served[0] + step, app[_TARGET][0])
        return page("projects", [project(n) for n in reversed(range(served[0]))])  # newest first, as asked

    async def empty(request: web.Request) -> web.Response:
        return page(request.path.rsplit("/", 1)[-1], [])

    app.router.add_get("/api/projects", projects)
    app.router.add_get("/api/workflows", empty)
    app.router.add_get("/api/organizations", empty)
    return app


@dataclass
class Figures:
    """What one run of the scenario measured."""

    records: int = 0
    partner_messages: int = 0
    kills: int = 0
    router_takeover_s: float = 0.0
    runs_after_kill_s: float = 0.0
    routed_after_kill_s: float = 0.0
    total_s: float = 0.0


def _env(kafka: KafkaClients, settings: HubSettings, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {
        **kafka.environment(),
        "HUB_STREAM__TOPIC_PREFIX": settings.stream.topic_prefix,
        "HUB_STREAM__PARTITIONS": str(settings.stream.partitions),
        "HUB_STREAM__REPLICATION_FACTOR": str(settings.stream.replication_factor),
        "HUB_STREAM__MIN_INSYNC_REPLICAS": str(settings.stream.min_insync_replicas),
        "HUB_API__WORKER_SESSION_TIMEOUT_MS": str(settings.api.worker_session_timeout_ms),
        "HUB_API__OUTBOUND_ALLOW": json.dumps(["127.0.0.1/32"]),
        "HUB_STATE_DIR": str(state),
        "HUB_LOG_FORMAT": "json",
    }
    return env


async def unrouted(kafka: KafkaClients, settings: HubSettings) -> int:
    """Committed project records after the router group's committed offsets: what the routers have still to do."""
    topic = entity_topic(settings, "projects")
    admin = kafka.admin()
    consumer = kafka.committed_consumer()
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(router_group_id(settings))
        tps = await partitions_of(consumer, [topic])
        consumer.assign(tps)
        for tp in tps:
            meta = committed.get(tp)
            if meta is None or meta.offset < 0:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, meta.offset)
        return sum([1 async for _ in read_to_end(consumer, tps)])
    finally:
        await consumer.stop()
        await admin.close()


def _assigned(log: Path, since: float = 0.0) -> list[list[str]]:
    """The partition lists of the ``router.assigned`` lines logged after ``since`` (epoch seconds)."""
    found = []
    for line in log.read_text().splitlines():
        if '"router.assigned"' in line:
            entry = json.loads(line)
            stamp = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")).timestamp()
            if stamp >= since:
                found.append(entry["partitions"])
    return found


async def _until(what: str, logs: list[Path], check: Any, timeout_s: float) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                if await check():
                    return
                await asyncio.sleep(0.5)  # between two looks at Kafka; the timeout bounds the wait
    except TimeoutError:
        tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
        raise AssertionError(f"timed out waiting for {what}\n{tails}") from None


async def run_scale_out(
    kafka: KafkaClients,
    settings: HubSettings,
    tmp_path: Path,
    aiohttp_server: Any,
    *,
    projects: int,
    step: int,
    timeout_s: float = 240.0,
) -> Figures:
    """Run the scenario with ``projects`` per connector (``step`` more per sync); raise AssertionError on a fault."""
    began = time.monotonic()
    settings = settings.model_copy(update={"api": ApiSettings(worker_session_timeout_ms=6000)})
    await ensure_topics(kafka, [*hub_topics(settings), *api_topics(settings)], settings)
    await ensure_assignment_topic(kafka, settings)
    async with StateTable(kafka, internal_topic(settings, "partners"), PartnerSubscription) as partners:
        subscription = PartnerSubscription(partner=PARTNER, name="all", entity_types=["projects"])
        await partners.put(subscription.key, subscription)
    replays = [growing_replay(i, step=step) for i in range(CONNECTORS)]
    servers = [await aiohttp_server(app) for app in replays]
    for app in replays:
        app[_TARGET][0] = projects // 3
    names = [f"zoo-scale-{i}" for i in range(CONNECTORS)]
    tables = KafkaRegistry(kafka, settings)
    env = _env(kafka, settings, tmp_path / "state")
    routers = [tmp_path / f"router-{i}.log" for i in range(2)]
    workers = [tmp_path / f"worker-{i}.log" for i in range(2)]
    logs = [*routers, *workers]
    procs: list[subprocess.Popen[bytes]] = []
    figures = Figures(kills=2)
    out = partner_topic(settings, PARTNER, "projects")
    async with tables.running(refresh_s=3600) as registry:
        for name, server in zip(names, servers, strict=True):
            config = {"base_url": str(server.make_url("/api/"))}
            record = ConnectorRecord(name=name, type="zooniverse", config=config, schedule_interval_s=2)
            await registry.connectors.put(name, record)
        try:
            procs = [
                *(start_hub(env, log, "route") for log in routers),
                *(start_hub(env, log, "worker") for log in workers),
            ]

            async def both_route() -> bool:
                shares = [_assigned(log) for log in routers]
                if not all(s and s[-1] for s in shares):
                    return False
                return len(await _partner_messages(kafka, out)) >= CONNECTORS * (projects // 3)

            await _until("both routers to own partitions and route the first projects", logs, both_route, timeout_s)
            for app in replays:
                app[_TARGET][0] = 2 * projects // 3

            async def flowing() -> bool:
                return len(await _partner_messages(kafka, out)) >= CONNECTORS * (projects // 2)

            await _until("records to flow", logs, flowing, timeout_s)
            killed_at = datetime.now(UTC)
            kill = time.monotonic()
            for proc in (procs[0], procs[2]):  # one router, one worker, while the syncs still find new projects
                proc.send_signal(signal.SIGKILL)
            for proc in (procs[0], procs[2]):
                proc.wait(timeout=30)
            for app in replays:
                app[_TARGET][0] = projects  # the last third comes after the kill, for the survivors to handle
            everything = {partition for share in _assigned(routers[1]) for partition in share} | {
                partition for share in _assigned(routers[0]) for partition in share
            }

            async def taken_over() -> bool:
                later = _assigned(routers[1], since=killed_at.timestamp())
                return bool(later) and set(later[-1]) == everything

            await _until("the surviving router to own every partition", logs, taken_over, timeout_s)
            figures.router_takeover_s = time.monotonic() - kill

            async def all_ran() -> bool:
                await tables.refresh()
                history = RunHistory(registry.runs)
                return all(
                    any(r.started_at > killed_at and r.outcome == "succeeded" for r in history.runs(name))
                    for name in names
                )

            await _until("every connector to run after the kill", logs, all_ran, timeout_s)
            figures.runs_after_kill_s = time.monotonic() - kill

            async def complete() -> bool:
                if any(app[_SERVED][0] < projects for app in replays):
                    return False
                entity = {m.key_text for m in await read_topics(kafka, [entity_topic(settings, "projects")])}
                return len(entity) == CONNECTORS * projects and await unrouted(kafka, settings) == 0

            await _until("every project to be synced and routed", logs, complete, timeout_s)
            figures.routed_after_kill_s = time.monotonic() - kill
            assert procs[1].poll() is None, "the surviving router died"
            assert procs[3].poll() is None, "the surviving worker died"
        finally:
            stop_all(procs)
    messages = await _partner_messages(kafka, out)
    keys = [m.key_text for m in messages]
    entity = {m.key_text for m in await read_topics(kafka, [entity_topic(settings, "projects")])}
    figures.records, figures.partner_messages = len(entity), len(messages)
    assert set(keys) == entity, f"missing {sorted(entity - set(keys))[:5]}, unexpected {sorted(set(keys) - entity)[:5]}"
    assert len(keys) == len(set(keys)), f"{len(keys) - len(set(keys))} partner records arrived twice"
    figures.total_s = time.monotonic() - began
    return figures


async def _partner_messages(kafka: KafkaClients, topic: str) -> list[Any]:
    try:
        return await read_topics(kafka, [topic])
    except StreamError:  # the routers create the partner topic once they read the subscription
        return []
