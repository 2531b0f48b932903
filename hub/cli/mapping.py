"""``hub mapping check|try``: what a portal team runs on its mapping file before registering it.

``check`` validates the file and prints each problem with its line; ``try`` also maps a saved API response (a
file, no network) and prints every record as it would be published, with its data-quality flags, or the reason it
would be dead-lettered.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import click
from pydantic import SecretStr

from hub.connectors._http import HttpClient
from hub.connectors._mapping_spec import MappingSpec, dig, load_mapping
from hub.connectors.base import RawRecord
from hub.connectors.declarative import DeclarativeConfig, DeclarativeConnector
from hub.errors import ConfigError, SkippableRecordError

__all__ = ["mapping"]


def _load(file: Path) -> tuple[str, MappingSpec]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from exc
    try:
        return text, load_mapping(text, source=file.name)
    except ConfigError as exc:
        for problem in exc.errors or [{"msg": str(exc)}]:
            line = f"{file.name} line {problem['line']} ({problem['loc']}): " if "line" in problem else ""
            click.echo(line + str(problem["msg"]), err=True)
        raise SystemExit(1) from exc


@click.group()
def mapping() -> None:
    """Mapping files of the declarative connector (portals without a connector of their own)."""


@mapping.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Validate FILE; print each problem with its line and exit 1, or a one-line summary."""
    _, spec = _load(file)
    paging = spec.listing.paging.style
    click.echo(f"{file.name}: ok: platform {spec.platform!r}, {len(spec.fields)} attributes, paging {paging}")


@mapping.command(name="try")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("response", type=click.Path(path_type=Path, dir_okay=False))
def try_(file: Path, response: Path) -> None:
    """Map the records of RESPONSE (a saved API answer) with FILE and print them as JSON-LD lines.

    Records that would be dead-lettered are printed to stderr with their reason; exit 1 if any was.
    """
    text, spec = _load(file)
    try:
        body = json.loads(response.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{response}: not a readable JSON answer ({exc})") from exc
    items = dig(body, spec.listing.records)
    if not isinstance(items, list):
        where = spec.listing.records or "the body"
        raise click.ClickException(f"{response}: {where} is not a list; check listing.records in {file.name}")
    failed = asyncio.run(_map_all(text, spec, items, str(response)))
    click.echo(f"{len(items)} records, {failed} dead-lettered", err=True)
    if failed:
        raise SystemExit(1)


async def _map_all(text: str, spec: MappingSpec, items: list[object], source: str) -> int:
    # The connector needs an HTTP client to exist; mapping a saved answer never uses it.
    async with aiohttp.ClientSession() as session:
        # A mapping that authenticates needs a token to validate; no request is sent, so any value does.
        secret = SecretStr(uuid.uuid4().hex) if spec.auth.style != "none" else None
        config = DeclarativeConfig(base_url=str(spec.base_url), mapping=text, token=secret)
        connector = DeclarativeConnector(config, http=HttpClient(session))
        failed = 0
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                failed += 1
                click.echo(f"dead letter: record {index} is not a JSON object", err=True)
                continue
            native = dig(item, spec.listing.id)
            record = RawRecord(
                spec.platform, "project", str(native if native is not None else f"#{index}"), item, source
            )
            try:
                for model in connector.map(record):
                    click.echo(model.to_jsonld_bytes().decode())
            except SkippableRecordError as exc:
                failed += 1
                click.echo(f"dead letter: {exc}", err=True)
        return failed
