"""``hub up`` syncs connectors that carry secrets (some succeed, some fail, one dead-letters a record), the key is
rotated with ``hub secrets rotate-key`` and a connector syncs again: no topic of the hub (runs, status, dead
letters, tokens and connectors among them, aborted transactions included), and no line of its log, holds any of
the secrets or bearer tokens in clear; the connectors topic holds the secrets as ciphertexts."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.security.secret_keys import ENCRYPTED_PREFIX, Keyring
from hub.stream.consume import assign_all
from hub.stream.kafka import KafkaClients
from tests.api.zooniverse_replay import PROJECTS, zooniverse_app
from tests.connectors.replay import Replay
from tests.connectors.replay_scistarter import scistarter_app
from tests.hub_up_process import hub_up_env, start_hub_up, until

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "no-secret-in-clear-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _secret(name: str) -> str:
    return f"{name}-secret-{uuid.uuid4().hex}"


async def _every_message(kafka: KafkaClients, prefix: str) -> dict[str, list[bytes]]:
    """Every key, value and header value of every topic named ``<prefix>.*``, aborted transactions included."""
    admin = kafka.admin()
    try:
        await admin.start()
        topics = sorted(t for t in await admin.list_topics() if t.startswith(f"{prefix}."))
    finally:
        await admin.close()
    consumer = kafka.committed_consumer(isolation_level="read_uncommitted")
    await consumer.start()
    found: dict[str, list[bytes]] = {topic: [] for topic in topics}
    try:
        partitions = await assign_all(consumer, topics)
        ends = await consumer.end_offsets(partitions)

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in partitions])

        async with asyncio.timeout(60):
            while await behind():
                batch = await consumer.getmany(timeout_ms=1000)
                for tp, records in batch.items():
                    for record in records:
                        parts = [record.key or b"", record.value or b""]
                        parts.extend(value for _, value in record.headers or ())
                        found[tp.topic].append(b"\x00".join(parts))
    finally:
        await consumer.stop()
    return found


def _hub(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - the hub's own command
        [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"hub {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


async def test_no_topic_and_no_log_line_holds_a_secret_in_clear(
    aiohttp_server: Any, kafka: KafkaClients, unique_name: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    zooniverse = await aiohttp_server(zooniverse_app())
    scistarter = await aiohttp_server(scistarter_app(Replay(malformed=True)))
    secrets = {name: _secret(name) for name in ("zoo-ok", "zoo-broken", "sci-ok", "sci-broken")}
    connectors = {
        "zoo-ok": ("zooniverse", {"base_url": str(zooniverse.make_url("/api/")), "token": secrets["zoo-ok"]}),
        # 404 on every path: the run fails, and its error goes to the status topic and the run history.
        "zoo-broken": ("zooniverse", {"base_url": str(zooniverse.make_url("/none/")), "token": secrets["zoo-broken"]}),
        # The API key travels in the query (?key=), so it is in every URL the connector requests.
        "sci-ok": ("scistarter", {"base_url": str(scistarter.make_url("/")), "api_key": secrets["sci-ok"]}),
        "sci-broken": ("scistarter", {"base_url": str(zooniverse.make_url("/")), "api_key": secrets["sci-broken"]}),
    }
    state = tmp_path / "state"
    env = hub_up_env(kafka, unique_name, state, unused_tcp_port, ADMIN_TOKEN)
    log = tmp_path / "hub-up.log"
    api = f"http://127.0.0.1:{unused_tcp_port}"
    proc = start_hub_up(env, log)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                if proc.poll() is not None:
                    pytest.fail(f"hub up exited with {proc.returncode}: {log.read_text()[-3000:]}")
                try:
                    async with http.get(f"{api}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            async def status(name: str) -> dict[str, Any]:
                async with http.get(f"{api}/connectors/{name}/status", headers=ADMIN) as response:
                    body: dict[str, Any] = await response.json()
                    return body

            await until("the API to be ready", log, ready)
            for name, (type_, config) in connectors.items():
                body = {"name": name, "type": type_, "config": config, "schedule_interval_s": 3600}
                async with http.post(f"{api}/connectors", json=body, headers=ADMIN) as response:
                    assert response.status == 201, await response.text()
            async with http.post(
                f"{api}/tokens", json={"scopes": ["partner:ecsa"], "allow_new": True}, headers=ADMIN
            ) as response:
                # A bearer token is a secret too: the tokens topic must keep its hash only.
                secrets["partner-token"] = (await response.json())["token"]
                partner = {"Authorization": f"Bearer {secrets['partner-token']}"}
            async with http.put(
                f"{api}/partners/ecsa/subscriptions/all", json={"entity_types": ["projects"]}, headers=partner
            ) as response:
                assert response.status == 201, await response.text()

            async def settled() -> bool:
                states: dict[str, dict[str, Any]] = {}
                for name in connectors:
                    states[name] = await status(name)
                failed = [states[name]["state"] == "failed" for name in ("zoo-broken", "sci-broken")]
                return (
                    states["zoo-ok"]["records_published"] >= len(PROJECTS)
                    and states["sci-ok"]["last_success_at"] is not None
                    and states["sci-ok"]["records_dead_lettered"] >= 1
                    and all(failed)
                )

            await until("two syncs to succeed (one with a dead letter) and two to fail", log, settled)
            broken = await status("zoo-broken")
            assert "404" in broken["last_error"], broken

            before = _hub(env, "secrets", "status")
            rotated = _hub(env, "secrets", "rotate-key", "--drop-old-keys")
            assert "4 connectors re-encrypted" in rotated, rotated
            after = _hub(env, "secrets", "status")
            new_key = Keyring((state / "secrets.keys").read_text().split(), source="test").current_id
            assert f"encrypting: {new_key}" in after
            assert new_key not in before
            assert all(f"{name}: " in after for name in connectors)
            assert after.count(f"={new_key}") == len(connectors), after

            async with http.post(f"{api}/connectors/zoo-ok/sync", headers=ADMIN) as response:
                assert response.status == 202

            async def synced_again() -> bool:
                async with http.get(f"{api}/connectors/zoo-ok/runs", headers=ADMIN) as response:
                    runs = (await response.json())["runs"]
                return len(runs) >= 2 and runs[0]["outcome"] == "succeeded"

            await until("a sync after the rotation", log, synced_again)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    messages = await _every_message(kafka, unique_name)
    stored = b"\n".join(messages[f"{unique_name}.hub.connectors"])
    assert stored.count(ENCRYPTED_PREFIX.encode()) >= 2 * len(connectors), "each connector stored, then re-sealed"
    secrets["admin-token"] = ADMIN_TOKEN
    checked = ("status", "runs", "tokens", "connectors")
    for topic in (*(f"{unique_name}.hub.{name}" for name in checked), f"{unique_name}.dlq.v1"):
        assert messages[topic], f"{topic} is empty: nothing was checked there"
    assert len(messages) >= 15, sorted(messages)
    leaks = {
        (name, topic)
        for name, secret in secrets.items()
        for topic, values in messages.items()
        if any(secret.encode() in value for value in values)
    }
    assert not leaks, f"secrets in clear: {sorted(leaks)}"
    text = log.read_text()
    assert "api.connector_stored" in text
    assert "scheduler.run_failed" in text
    assert not [name for name, secret in secrets.items() if secret in text], "a secret in the hub's log"
