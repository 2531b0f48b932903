"""What ``hub up`` runs: the Kafka cluster (local or configured), the hub's topics, and its roles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from aiohttp import web

from hub.api import partner_credentials
from hub.api.kafka import KafkaRegistry, api_topics
from hub.api.metrics import HubMetrics
from hub.api.router_probes import RouterLag, backfill_probe
from hub.api.service import api_server, ensure_admin_token
from hub.config import DEVELOPMENT_ANONYMISATION_SECRET, HubSettings
from hub.dump import http as dump_http
from hub.dump.links import LinkService, decisions_topic_spec
from hub.dump.matcher import run_matcher
from hub.dump.materialiser import open_store, run_materialiser
from hub.errors import ConfigError, HubError
from hub.localkafka import LocalKafka
from hub.security.secret_keys import load_keyring
from hub.stream.kafka import KafkaClients
from hub.stream.router import PartnerRouter
from hub.stream.topics import ensure_topics, hub_topics
from hub.web import app as web_app
from hub.web.index import DirectoryIndex
from hub.web.indexer import run_indexer
from hub.web.settings import WebSettings
from hub.worker.group import ensure_assignment_topic
from hub.worker.service import worker

__all__ = ["check_secrets_keys", "kafka_cluster", "run_hub", "run_until_signalled", "run_worker", "supervised"]

log = structlog.get_logger(__name__)


@asynccontextmanager
async def kafka_cluster(settings: HubSettings) -> AsyncIterator[KafkaClients]:
    """Yield clients for the cluster to use; start the local broker when none is configured.

    A broker this context started is stopped when it exits; one that was already running (``hub kafka start``)
    is left running, since someone else owns it.
    """
    if settings.kafka_bootstrap:
        log.info("kafka.external", bootstrap=settings.kafka_bootstrap)
        yield KafkaClients.from_settings(settings)
        return
    broker = LocalKafka(settings.local_kafka, state_dir=settings.state_dir, cache_dir=settings.cache_dir)
    already_running = broker.status() is not None
    info = await asyncio.to_thread(broker.start)
    try:
        yield info.clients(settings.kafka)
    finally:
        if not already_running:
            await asyncio.to_thread(broker.stop)


def check_secrets_keys(settings: HubSettings) -> None:
    """Refuse to start a role that stores or runs connectors without usable keys for their secrets.

    Checked before anything starts rather than at the first stored or run connector: a production role without
    ``HUB_SECRETS_KEY`` is a deployment mistake the operator should see at once.

    Raises:
        SecretsKeyError: ``HUB_PRODUCTION=true`` without ``HUB_SECRETS_KEY``, or a key that is not a Fernet key.
    """
    keyring = load_keyring(settings)
    log.info("settings.secrets_keys", source=keyring.source, encrypting_key=keyring.current_id)


async def _prepare(settings: HubSettings, kafka: KafkaClients) -> None:
    check = await ensure_topics(kafka, [*hub_topics(settings.stream), *api_topics(settings)], settings.stream)
    await ensure_assignment_topic(kafka, settings)
    log.info("hub.topics", topics_created=len(check.created), topics_existing=len(check.existing))


ROLE_RESTART_INITIAL_S = 1.0
ROLE_RESTART_MAX_S = 30.0


def _cancelled_from_outside() -> bool:
    """True when this task itself is being cancelled (``hub up`` stopping), not a stray CancelledError."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _where(exc: BaseException) -> str:
    """The innermost frame of ``exc``'s traceback and the hub's own innermost frame, e.g. for a log line.

    The innermost frame alone is usually asyncio's (``tasks.py sleep``); the hub's frame says which of its calls
    was waiting there.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"

    def short(frame: traceback.FrameSummary) -> str:
        return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"

    innermost = frames[-1]
    ours = [frame for frame in frames if f"{os.sep}hub{os.sep}" in frame.filename]
    if ours and ours[-1] is not innermost:
        return f"{short(innermost)} in {short(ours[-1])}"
    return short(innermost)


async def supervised(name: str, role: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
    """Run ``role`` until ``stop`` is set, restarting it with backoff when it fails.

    A role that loses the cluster (``StreamError`` once its bounded retries are spent) is started again, so the
    hub recovers by itself when Kafka returns; ``/readyz`` says meanwhile that Kafka is unreachable. A role that
    returns while ``stop`` is not set has finished for good, which is a bug: it is logged and restarted too.
    """
    delay = ROLE_RESTART_INITIAL_S
    while not stop.is_set():
        began = time.monotonic()
        try:
            await role()
        except asyncio.CancelledError as exc:
            if _cancelled_from_outside():
                raise
            if stop.is_set():
                return
            # A CancelledError that escapes a role while nobody cancelled this task comes from inside a client
            # library (aiokafka cancels its own internal waits when the broker goes away mid-start); it ended
            # the role like any failure, so it is restarted like one instead of taking the whole hub down.
            log.error("role.failed", role=name, error=f"CancelledError at {_where(exc)}", restart_in_s=delay)  # noqa: TRY400
        except Exception as exc:  # noqa: BLE001 - any failure of a role means: restart it, and say why
            if stop.is_set():
                return
            # No traceback with locals (they may hold configs); the error itself says what failed.
            log.error("role.failed", role=name, error=f"{type(exc).__name__}: {exc}", restart_in_s=delay)  # noqa: TRY400
        else:
            if stop.is_set():
                return
            log.error("role.returned", role=name, restart_in_s=delay)
        if time.monotonic() - began > 5 * ROLE_RESTART_MAX_S:
            delay = ROLE_RESTART_INITIAL_S  # it ran well for a while: this is a new failure, not the same one
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await stop.wait()
        delay = min(delay * 2, ROLE_RESTART_MAX_S)
    log.info("role.stopped", role=name)


async def run_hub(settings: HubSettings, stop: asyncio.Event) -> None:
    """Bring the hub up and keep it up until ``stop`` is set.

    One process: the Kafka cluster (local unless configured), the hub's topics, the state tables, the HTTP API
    (with the dump, SPARQL and link routes, and the portal), a worker that runs the connectors (it joins the
    worker group, so ``hub worker`` processes share them), and the roles that read the topics: the partner router,
    the materialiser behind ``/sparql``, the cross-platform matcher (every ``HUB_DUMP__MATCH_INTERVAL_S`` and soon
    after projects change) and the portal's directory index. Each of those is ``supervised``: one that fails is
    restarted with backoff.
    """
    check_secrets_keys(settings)
    settings = ensure_admin_token(settings)
    async with kafka_cluster(settings) as kafka:
        await _prepare(settings, kafka)
        await ensure_topics(kafka, [decisions_topic_spec(settings)], settings.stream)
        metrics = HubMetrics()
        tables = KafkaRegistry(kafka, settings)
        lag = RouterLag(kafka, settings)
        store = open_store(settings)
        projects_changed = asyncio.Event()
        web_settings = WebSettings()
        directory = DirectoryIndex(web_app.index_path(settings, web_settings))

        def setup(app: web.Application) -> None:
            dump_http.setup(app, settings, store=store, link_decider=links.decide)
            web_app.setup(app, settings, directory, web_settings=web_settings, kafka=kafka)
            partner_credentials.setup(app, kafka)

        async with (
            tables.running() as registry,
            LinkService(settings, kafka) as links,
            api_server(
                settings,
                registry,
                kafka=kafka,
                metrics=metrics,
                extra_routes=dump_http.routes,
                extra_setup=setup,
                backfill=backfill_probe(tables.marks, settings),
                router_lag=lag,
                public_routes=web_app.routes,
                middlewares=web_app.middlewares(web_settings),
            ) as server,
            worker(settings, registry, kafka=kafka, metrics=metrics),
        ):
            jobs: dict[str, Callable[[], Awaitable[None]]] = {
                "partner-router": lambda: PartnerRouter(kafka, settings).run(stop),
                "materialiser": lambda: run_materialiser(
                    settings, kafka, stop, store=store, projects_changed=projects_changed
                ),
                "matcher": lambda: run_matcher(settings, kafka, store, stop, wake=projects_changed),
                "directory-indexer": lambda: run_indexer(settings, kafka, directory, stop),
            }
            roles = [asyncio.create_task(supervised(name, job, stop), name=name) for name, job in jobs.items()]
            await lag.start()
            log.info("hub.up", bootstrap=kafka.bootstrap, api=server.url)
            stopping = asyncio.create_task(stop.wait(), name="stop")
            try:
                await asyncio.wait([stopping, *roles], return_when=asyncio.FIRST_COMPLETED)
                # A role that returns because stop was just set is a clean exit, not a failure; one that raised is
                # a failure whenever it happened.
                asked_to_stop = stop.is_set()
                failed = [
                    task.get_name()
                    for task in roles
                    if task.done() and (not asked_to_stop or task.exception() is not None)
                ]
                stop.set()
                log.info("hub.stopping")
                # Both roles return once stop is set (the materialiser after flushing its store).
                await asyncio.wait(roles, timeout=30)
            finally:
                await lag.stop()
                stopping.cancel()
                for task in roles:
                    task.cancel()
                errors = await asyncio.gather(*roles, return_exceptions=True)
            if failed:
                reasons = [repr(e) for e in errors if isinstance(e, Exception)]
                raise HubError(f"hub roles stopped unexpectedly: {failed}; {reasons}")


async def run_worker(settings: HubSettings, stop: asyncio.Event) -> None:
    """Run connectors only (no API), sharing them with the other workers, until ``stop`` is set."""
    if not settings.kafka_bootstrap:
        raise ConfigError("hub worker needs HUB_KAFKA_BOOTSTRAP: workers join an existing cluster")
    check_secrets_keys(settings)
    kafka = KafkaClients.from_settings(settings)
    await _prepare(settings, kafka)
    async with (
        KafkaRegistry(kafka, settings).running() as registry,
        worker(settings, registry, kafka=kafka) as scheduler,
    ):
        log.info("worker.up", bootstrap=kafka.bootstrap, worker=scheduler.worker_id)
        await stop.wait()


def run_until_signalled(
    settings: HubSettings, main: Callable[[HubSettings, asyncio.Event], Awaitable[None]] = run_hub
) -> None:
    """Run the hub (or ``main``) in the foreground; SIGINT (Ctrl-C) or SIGTERM stops everything it started."""
    if settings.anonymisation_secret.get_secret_value() == DEVELOPMENT_ANONYMISATION_SECRET:
        log.warning(
            "settings.development_anonymisation_secret",
            hint="set HUB_ANONYMISATION_SECRET: pseudonyms keyed with the public default can be recomputed by anyone",
        )

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(settings, stop)

    asyncio.run(_main())
