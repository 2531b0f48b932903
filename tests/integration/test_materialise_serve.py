"""Two ``hub materialise --serve`` processes, each with its own store and port, answer the same SPARQL the same way."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from hub.api.auth import TokenRecord, hash_token, new_token
from hub.api.kafka import api_topic, api_topics
from hub.config import HubSettings, StreamSettings
from hub.stream.kafka import KafkaClients
from hub.stream.state import StateTable
from hub.stream.topics import ensure_topics, hub_topics
from tests.dump.records import project
from tests.hub_up_process import start_hub, stop_all, until

pytestmark = pytest.mark.integration

NAMES = (
    "PREFIX ppsr: <https://w3id.org/citsci-hub/ppsr#> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "SELECT ?name { ?p a ppsr:Project ; dcterms:title ?name }"
)
ADMIN = "materialise-serve-admin-token"


async def _publish(kafka: KafkaClients, prefix: str, names: list[str]) -> None:
    producer = kafka.transactional_producer(f"{prefix}-serve-tx")
    await producer.start()
    try:
        async with producer.transaction():
            for name in names:
                record = project("zooniverse", name.rsplit(" ", 1)[-1], name)
                await producer.send(f"{prefix}.projects.v1", key=record.iri.encode(), value=record.to_jsonld_bytes())
    finally:
        await producer.stop()


def _serving_url(log: Path) -> str | None:
    for line in log.read_text().splitlines():
        if '"materialise.serving"' in line:
            return str(json.loads(line)["url"])
    return None


async def _names(session: aiohttp.ClientSession, url: str, token: str) -> list[str] | None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}
    async with session.get(f"{url}/sparql", params={"query": NAMES}, headers=headers) as response:
        if response.status != 200:
            return None
        body = await response.json(content_type=None)
    return sorted(row["name"]["value"] for row in body["results"]["bindings"])


async def test_two_materialisers_each_answer_the_same_query(
    kafka: KafkaClients, unique_name: str, tmp_path: Path
) -> None:
    """Both stores fill from the topics; each instance answers from its own; an analyst token from the API works."""
    settings = HubSettings(stream=StreamSettings(topic_prefix=unique_name))
    await ensure_topics(kafka, [*hub_topics(settings), *api_topics(settings)], settings)
    names = [f"Serve Project {i}" for i in range(12)]
    await _publish(kafka, unique_name, names[:6])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {
        **kafka.environment(),
        "HUB_STREAM__TOPIC_PREFIX": unique_name,
        "HUB_API__ADMIN_TOKEN": ADMIN,
        "HUB_LOG_FORMAT": "json",
    }
    logs = [tmp_path / f"materialise-{i}.log" for i in range(2)]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i, log in enumerate(logs):
            state = {**env, "HUB_STATE_DIR": str(tmp_path / f"state-{i}")}
            procs.append(start_hub(state, log, "materialise", "--serve", "--port", "0"))
        urls: list[str] = []
        for log in logs:

            async def serving(log: Path = log) -> str | None:
                return _serving_url(log)

            urls.append(await until("the materialiser to serve", log, serving))
        assert len(set(urls)) == 2
        # A token the API issued (written to its tokens topic) is honoured by both, without a restart.
        token_id, analyst = new_token()
        record = TokenRecord(id=token_id, sha256=hash_token(analyst), scopes=["analyst"], created_at=datetime.now(UTC))
        async with StateTable(kafka, api_topic(settings, "tokens"), TokenRecord) as tokens:
            await tokens.put(token_id, record)
        await _publish(kafka, unique_name, names[6:])
        async with aiohttp.ClientSession() as session:
            for url, log in zip(urls, logs, strict=True):

                async def answered(url: str = url) -> bool:
                    return await _names(session, url, analyst) == sorted(names)

                await until(f"{url} to answer with all {len(names)} projects", log, answered, timeout_s=90)
                async with session.get(f"{url}/sparql", params={"query": NAMES}) as response:
                    assert response.status == 401
                    assert (await response.json())["error"] == "unauthorized"
                assert await _names(session, url, ADMIN) == sorted(names)
        # Each answered from its own store, in its own state directory.
        assert all((tmp_path / f"state-{i}" / "dump" / "store").is_dir() for i in range(2))
    finally:
        stop_all(procs)
    assert [proc.returncode for proc in procs] == [0, 0], "\n".join(log.read_text()[-2000:] for log in logs)
