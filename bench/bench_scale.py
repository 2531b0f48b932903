"""How the hub's roles behave as the number of connectors grows: sync start, publish rate, router lag, memory.

For each size N the bench starts the hub as a deployment runs it, one process per role on one Kafka cluster:
`hub up` (the API, with its own worker, router, materialiser, matcher and indexer), `--workers` more `hub worker`
processes, `--routers` more `hub route` processes and one `hub materialise`. It serves a replayed PPSR Core feed
(the demo's recording of a real portal, six projects) from a local aiohttp server under one path per connector,
with the project ids made unique per connector, subscribes a partner to every project, registers the connectors
through the API, and watches until every one has synced once (or `--window-s` passes). Then it prints, per N:

- register/s: connector registrations the API took per second (16 at a time);
- sync start p50/p95/max: from a connector's registration to its first run starting (the status' started_at);
- published, rec/s: records published by all first syncs, over the time from the first start to the last success;
- lag max: the router group's largest total lag on the entity topics while the syncs ran, and drain: how long
  after the last sync the router's lag reached 0;
- RSS: the peak resident memory (VmHWM) of each role's process (the largest of several workers or routers).

Each size gets fresh processes and a fresh topic prefix, so sizes do not share state. Sizes above
`--sample-above` are sampled: every one of the N connectors is registered and runs, but sync start is measured
on a random sample of `--sample` of them (statuses read one by one), so the bench's own polling does not grow
with N.

    .venv/bin/python bench/bench_scale.py                          # N = 100, 1,000; local single-node broker
    .venv/bin/python bench/bench_scale.py --sizes 100,1000,10000 --workers 2
    .venv/bin/python bench/bench_scale.py --brokers 3              # a local three-node cluster (hub kafka start)
    HUB_KAFKA_BOOTSTRAP=host:port .venv/bin/python bench/bench_scale.py   # an existing cluster (with HUB_KAFKA__*)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from aiohttp import web

from hub.api.router_probes import RouterLag
from hub.cli.kafka import local_kafka
from hub.config import HubSettings, load_settings
from hub.stream.kafka import KafkaClients

HUB = str(Path(sys.executable).with_name("hub"))
PARTNER = "bench-partner"
REGISTER_CONCURRENCY = 16
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _feed_template() -> dict[str, Any]:
    raw = resources.files("hub.demo").joinpath("recordings", "ppsr_feed", "CSInventory_PPSR.json").read_bytes()
    feed: dict[str, Any] = json.loads(raw.decode("utf-8-sig"))
    return feed


def replay_app() -> web.Application:
    """The recorded feed under ``/feed/{i}.json``, its project ids prefixed with ``i`` so each connector's differ."""
    template = _feed_template()

    async def feed(request: web.Request) -> web.Response:
        index = request.match_info["index"]
        projects = [{**p, "projectId": f"{index}-{p['projectId']}"} for p in template["Project"]]
        return web.json_response({**template, "Project": projects})

    app = web.Application()
    app.router.add_get("/feed/{index}.json", feed)
    return app


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on a free loopback port; yield its root URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def peak_rss_mib(pid: int) -> float | None:
    """The process' peak resident set (VmHWM) in MiB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Role:
    """One hub process of the deployment under test."""

    role: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: asyncio.subprocess.Process | None = None
    _log_file: TextIO | None = field(default=None, repr=False)

    async def start(self) -> None:
        self._log_file = self.log.open("w")
        self.process = await asyncio.create_subprocess_exec(
            HUB, *self.argv, env=self.env, stdout=self._log_file, stderr=asyncio.subprocess.STDOUT
        )

    def rss(self) -> float | None:
        return peak_rss_mib(self.process.pid) if self.process else None

    def check_alive(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            tail = self.log.read_text()[-1500:]
            raise RuntimeError(f"hub {' '.join(self.argv)} ({self.role}) exited {self.process.returncode}:\n{tail}")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._log_file is not None:
            self._log_file.close()


@dataclass
class SizeResult:
    n: int
    sampled: int
    register_per_s: float
    start_p50_s: float | None
    start_p95_s: float | None
    start_max_s: float | None
    synced: int
    measured: int
    published: int
    publish_per_s: float | None
    lag_max: int
    drain_s: float | None
    rss: dict[str, float | None]


async def _json(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
    async with http.request(method, url, **kwargs) as response:
        body = await response.json(content_type=None) if response.status != 204 else None
        if response.status >= 300:
            raise RuntimeError(f"{method} {url}: HTTP {response.status}: {body}")
        return body


async def _wait_ready(http: aiohttp.ClientSession, api: str, roles: list[Role]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        for role in roles:
            role.check_alive()
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{api}/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.25)
    raise RuntimeError(f"the API at {api} was not ready in {READY_TIMEOUT_S}s")


async def _group_members(kafka: KafkaClients, group: str) -> int:
    admin = kafka.admin()
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    return sum(len(g["members"]) for r in responses for g in r.to_object()["groups"])


async def _wait_members(kafka: KafkaClients, group: str, count: int, roles: list[Role]) -> None:
    """Wait until ``count`` processes have joined ``group`` (so connectors are spread over all of them)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while (members := await _group_members(kafka, group)) < count:
        for role in roles:
            role.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {members} of {count} members joined {group} in {READY_TIMEOUT_S}s")
        await asyncio.sleep(0.5)


def _connector(index: int, replay: str) -> dict[str, Any]:
    return {
        "name": f"bench-{index:05d}",
        "type": "ppsr-feed",
        "config": {"base_url": f"{replay}/feed/{index}.json", "platform_slug": "bench"},
        "schedule_interval_s": 3600,
    }


async def _register(http: aiohttp.ClientSession, api: str, replay: str, n: int) -> dict[str, float]:
    """Register N connectors, 16 requests at a time; the wall-clock time (epoch s) each was accepted."""
    accepted: dict[str, float] = {}
    queue = iter(range(n))

    async def client() -> None:
        for index in queue:
            body = _connector(index, replay)
            await _json(http, "POST", f"{api}/connectors", json=body)
            accepted[body["name"]] = time.time()

    await asyncio.gather(*(client() for _ in range(REGISTER_CONCURRENCY)))
    return accepted


def _epoch(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


async def _statuses(http: aiohttp.ClientSession, api: str, names: list[str] | None) -> dict[str, dict[str, Any]]:
    """Every connector's status (names None), or the listed ones', read one by one."""
    if names is None:
        listing = await _json(http, "GET", f"{api}/connectors?expand=status")
        return {c["name"]: c["status"] for c in listing["connectors"] if c.get("status")}
    found: dict[str, dict[str, Any]] = {}
    for name in names:
        found[name] = await _json(http, "GET", f"{api}/connectors/{name}/status")
    return found


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _env(base: Mapping[str, str], kafka: KafkaClients, state: Path, prefix: str, replicas: int) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith("HUB_")}
    env.update(kafka.environment())
    env.update(
        {
            "HUB_STATE_DIR": str(state),
            "HUB_STREAM__TOPIC_PREFIX": prefix,
            "HUB_STREAM__REPLICATION_FACTOR": str(min(replicas, 3)),
            "HUB_STREAM__MIN_INSYNC_REPLICAS": str(2 if replicas >= 3 else 1),
            "HUB_API__OUTBOUND_ALLOW": '["127.0.0.1"]',
            "HUB_ANONYMISATION_SECRET": secrets.token_urlsafe(24),
            "HUB_LOG_FORMAT": "json",
            "HUB_LOG_LEVEL": "WARNING",
        }
    )
    return env


async def measure_size(
    n: int, args: argparse.Namespace, kafka: KafkaClients, replay: str, workdir: Path, replicas: int
) -> SizeResult:
    prefix = f"bench{n}-{uuid.uuid4().hex[:6]}"
    state = workdir / prefix
    state.mkdir(parents=True)
    base = _env(os.environ, kafka, state, prefix, replicas)
    port, token = _free_port(), secrets.token_urlsafe(32)
    api_env = {**base, "HUB_API__PORT": str(port), "HUB_API__ADMIN_TOKEN": token}
    roles = [Role("api", ["up"], api_env, state / "api.log")]
    roles += [Role("worker", ["worker"], base, state / f"worker-{i}.log") for i in range(args.workers)]
    roles += [Role("router", ["route"], base, state / f"router-{i}.log") for i in range(args.routers)]
    store = {**base, "HUB_DUMP__STORE_DIR": str(state / "materialiser-store")}
    roles.append(Role("materialiser", ["materialise"], store, state / "materialiser.log"))
    api = f"http://127.0.0.1:{port}"
    settings = HubSettings.model_validate({"stream": {"topic_prefix": prefix}})
    lag = RouterLag(kafka, settings)
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            await roles[0].start()
            await _wait_ready(http, api, roles[:1])
            for role in roles[1:]:
                await role.start()
            await _wait_members(kafka, f"{prefix}.hub.workers", 1 + args.workers, roles)
            await _json(http, "PUT", f"{api}/partners/{PARTNER}/subscriptions/all", json={"entity_types": ["projects"]})
            began = time.monotonic()
            accepted = await _register(http, api, replay, n)
            register_per_s = n / (time.monotonic() - began)
            sample = sorted(random.sample(sorted(accepted), args.sample)) if n > args.sample_above else None
            measured = len(sample) if sample is not None else n
            deadline, lag_max, drained_epoch = time.monotonic() + args.window_s, 0, None
            statuses: dict[str, dict[str, Any]] = {}
            while True:
                for role in roles:
                    role.check_alive()
                statuses = await _statuses(http, api, sample)
                total_lag = sum((await lag.measure()).values())
                lag_max = max(lag_max, total_lag)
                synced = [s for s in statuses.values() if s.get("last_success_at")]
                if len(synced) >= measured and total_lag == 0:
                    drained_epoch = time.time()
                    break
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(1.0)
            if sample is not None:
                statuses = await _statuses(http, api, None)  # published counts of every connector, once
            starts = [
                started - accepted[name]
                for name, s in statuses.items()
                if name in accepted
                and (sample is None or name in sample)
                and (started := _epoch(s.get("last_run_started_at"))) is not None
            ]
            firsts = [t for s in statuses.values() if (t := _epoch(s.get("last_run_started_at")))]
            lasts = [t for s in statuses.values() if (t := _epoch(s.get("last_success_at")))]
            published = sum(int(s.get("records_published") or 0) for s in statuses.values())
            span = (max(lasts) - min(firsts)) if firsts and lasts else None
            # An upper bound: the lag is read about once a second.
            drain = max(0.0, drained_epoch - max(lasts)) if drained_epoch is not None and lasts else None
            rss: dict[str, float | None] = {}
            for role in roles:
                value = role.rss()
                if value is not None and (rss.get(role.role) or 0) < value:
                    rss[role.role] = value
            return SizeResult(
                n=n,
                sampled=measured,
                register_per_s=register_per_s,
                start_p50_s=_percentile(starts, 50),
                start_p95_s=_percentile(starts, 95),
                start_max_s=max(starts) if starts else None,
                synced=len([s for name, s in statuses.items() if s.get("last_success_at") and name in accepted]),
                measured=measured,
                published=published,
                publish_per_s=published / span if span else None,
                lag_max=lag_max,
                drain_s=drain,
                rss=rss,
            )
    finally:
        await asyncio.gather(*(role.stop() for role in reversed(roles)))


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(results: list[SizeResult], roles: list[str]) -> str:
    head = (
        f"{'N':>6} {'synced':>11} {'register/s':>10} {'start p50':>9} {'p95':>6} {'max':>6} "
        f"{'published':>9} {'rec/s':>7} {'lag max':>7} {'drain s':>7}"
        + "".join(f" {'RSS ' + r:>{max(len(r) + 4, 8)}}" for r in roles)
    )
    lines = [head]
    for r in results:
        synced = f"{r.synced}/{r.measured}" + ("*" if r.measured < r.n else "")
        lines.append(
            f"{r.n:>6} {synced:>11} {r.register_per_s:>10.0f} {_s(r.start_p50_s):>9} {_s(r.start_p95_s):>6} "
            f"{_s(r.start_max_s):>6} {r.published:>9} {_s(r.publish_per_s):>7} {r.lag_max:>7} {_s(r.drain_s):>7}"
            + "".join(f" {_s(r.rss.get(role)):>{max(len(role) + 4, 8)}}" for role in roles)
        )
    if any(r.measured < r.n for r in results):
        lines.append("* sampled: sync start measured on that many of the N connectors (all N registered and run)")
    lines.append("times in seconds; RSS: peak resident MiB of each role's process (the largest of several)")
    return "\n".join(lines)


async def _broker_count(kafka: KafkaClients) -> int:
    admin = kafka.admin()
    await admin.start()
    try:
        described = await admin.describe_cluster()
    finally:
        await admin.close()
    return len(described["brokers"])


@contextlib.asynccontextmanager
async def cluster(settings: HubSettings, brokers: int) -> AsyncIterator[tuple[KafkaClients, int]]:
    """The configured cluster, or a local one of ``brokers`` nodes (stopped after, unless it was running)."""
    if settings.kafka_bootstrap:
        kafka = KafkaClients.from_settings(settings)
        yield kafka, await _broker_count(kafka)
        return
    state = settings.state_dir / f"bench-scale-{brokers}"
    broker = local_kafka(settings.model_copy(update={"state_dir": state}), brokers=brokers)
    already_running = broker.status() is not None
    info = await asyncio.to_thread(broker.start)
    try:
        yield info.clients(settings.kafka), brokers
    finally:
        if not already_running:
            await asyncio.to_thread(broker.stop)


async def warm_up(kafka: KafkaClients) -> None:
    """Start one transactional producer, so a new broker creates its transaction log before the first size."""
    producer = kafka.transactional_producer(f"bench-warm-up-{uuid.uuid4().hex[:8]}")
    await asyncio.wait_for(producer.start(), READY_TIMEOUT_S)
    await producer.stop()


async def main_async(args: argparse.Namespace) -> None:
    settings = load_settings()
    results: list[SizeResult] = []
    async with cluster(settings, args.brokers) as (kafka, replicas), serving(replay_app()) as replay:
        await warm_up(kafka)
        with tempfile.TemporaryDirectory(prefix="hub-bench-scale-") as workdir:
            for n in args.sizes:
                print(f"N={n}: starting the roles and registering {n} connectors ...", file=sys.stderr, flush=True)
                results.append(await measure_size(n, args, kafka, replay, Path(workdir), replicas))
                print(table(results[-1:], ROLES).splitlines()[1], file=sys.stderr, flush=True)
    print(
        f"\nbench_scale: {args.brokers if not settings.kafka_bootstrap else 'external'} broker(s), "
        f"hub up + {args.workers} worker(s) + {args.routers} router(s) + 1 materialiser, "
        f"{len(_feed_template()['Project'])} projects per connector, {os.cpu_count()} cores\n"
    )
    print(table(results, ROLES))


ROLES = ["api", "worker", "router", "materialiser"]


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--sizes must be comma-separated integers, not {text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes needs at least one positive size, not {text!r}")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[100, 1000], help="connector counts, e.g. 100,1000,10000")
    parser.add_argument("--workers", type=int, default=1, help="hub worker processes beside hub up's own worker")
    parser.add_argument("--routers", type=int, default=1, help="hub route processes beside hub up's own router")
    parser.add_argument("--brokers", type=int, choices=(1, 3), default=1, help="local broker nodes")
    parser.add_argument("--window-s", type=float, default=120.0, help="longest wait for the first syncs, per size")
    parser.add_argument("--sample-above", type=int, default=1000, help="sample sync start above this N")
    parser.add_argument("--sample", type=int, default=200, help="connectors whose sync start is measured then")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main_async(parse_args()))
