"""Adapters between the console and what it shows beside the registry: run history, dead letters.

`run_history` asks the API for ``GET /connectors/{name}/runs`` (``{"runs": [...], "next": url | null}``, newest
first), so the console shows exactly what the run-history topic holds. When that call fails (the run-history
topic unreadable for a moment), the section shows one entry made from the connector's status (its last run),
marked ``source: "status"``, rather than an error in the middle of the page.
Dead letters have no API route: `DeadLetters` calls the same functions as ``hub dlq list`` and ``hub dlq replay``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from hub.config import HubSettings
from hub.stream.connectors import open_connector
from hub.stream.dlq import DeadLetter, find_dead_letter, list_dead_letters, replay_dead_letters
from hub.stream.kafka import KafkaClients
from hub.stream.rederive import RederiveSummary
from hub.stream.state import ConnectorRecord
from hub.web.apiclient import api_call

__all__ = ["DEAD_LETTERS", "RUN_FIELDS", "DeadLetters", "run_history"]

#: The fields of one run, as ``GET /connectors/{name}/runs`` answers them.
RUN_FIELDS = (
    "run_id",
    "worker",
    "started_at",
    "finished_at",
    "outcome",
    "error",
    "fetched",
    "published",
    "unchanged",
    "deleted",
    "dead_lettered",
    "requests",
    "not_modified",
)


def _from_status(status: dict[str, Any]) -> list[dict[str, Any]]:
    """The last run as the status tells it (the fallback until the run-history route exists)."""
    started = status.get("last_run_started_at")
    if not started:
        return []
    state = status.get("state")
    outcome = "running" if state == "running" else "failed" if state == "failed" else "succeeded"
    return [
        {
            "run_id": f"last-{started}",
            "worker": status.get("worker"),
            "started_at": started,
            "finished_at": None
            if outcome == "running"
            else status.get("last_success_at") or status.get("last_error_at"),
            "outcome": outcome,
            "error": status.get("last_error") if outcome == "failed" else None,
            "fetched": status.get("records_fetched"),
            "published": status.get("records_published"),
            "unchanged": None,
            "deleted": None,
            "dead_lettered": status.get("records_dead_lettered"),
            "requests": None,
            "not_modified": None,
        }
    ]


async def run_history(
    request: web.Request, name: str, status: dict[str, Any], *, limit: int = 20, before: str | None = None
) -> dict[str, Any]:
    """``{"runs": [...], "next": url | None, "source": "runs" | "status"}`` for connector ``name``."""
    query = {"limit": str(limit), **({"before": before} if before else {})}
    answer = await api_call(request, "GET", f"/connectors/{quote(name, safe='')}/runs?{urlencode(query)}")
    if answer.ok and isinstance(answer.body, dict) and isinstance(answer.body.get("runs"), list):
        runs = [{field: run.get(field) for field in RUN_FIELDS} for run in answer.body["runs"]]
        return {"runs": runs, "next": answer.body.get("next"), "source": "runs"}
    return {"runs": _from_status(status), "next": None, "source": "status"}


@dataclass(frozen=True)
class DeadLetters:
    """A connector's dead letters and their replay, through ``hub.stream.dlq`` (as the CLI does)."""

    settings: HubSettings
    kafka: KafkaClients

    async def list(self, connector: str) -> list[DeadLetter]:
        """The connector's dead letters not replayed yet, oldest first."""
        return await list_dead_letters(self.kafka, self.settings, connector=connector)

    async def replay(self, record: ConnectorRecord, idents: Sequence[str]) -> tuple[int, RederiveSummary]:
        """Re-map the given dead letters (all pending ones when none given) with the connector's current mapping."""
        letters = await list_dead_letters(
            self.kafka, self.settings, connector=record.name, include_replayed=bool(idents)
        )
        if idents:
            letters = [find_dead_letter(letters, ident) for ident in idents]
        async with open_connector(record, self.settings) as instance:
            summary = await replay_dead_letters(
                letters, record.name, instance, kafka=self.kafka, settings=self.settings
            )
        return len(letters), summary


DEAD_LETTERS = web.AppKey[DeadLetters]("web_dead_letters")
