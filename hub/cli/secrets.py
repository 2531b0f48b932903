"""``hub secrets generate-key|status|rotate-key``: the keys that encrypt connector secrets, and their rotation."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

import click

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.connectors.base import Connector
from hub.errors import HubError
from hub.runtime import kafka_cluster
from hub.security.rotation import RotationReport, connector_key_ids, rotate_connector_secrets
from hub.security.secret_keys import Keyring, generate_key, key_file, load_keyring, write_key_file

__all__ = ["secrets"]

T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc


def _keyring(settings: HubSettings) -> Keyring:
    try:
        return load_keyring(settings)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def secrets() -> None:
    """The keys that encrypt connector secrets in the connectors topic (HUB_SECRETS_KEY)."""


@secrets.command("generate-key")
def generate_key_command() -> None:
    """Print a new random key, for HUB_SECRETS_KEY (put it first: HUB_SECRETS_KEY=<new>,<old>)."""
    click.echo(generate_key())


@secrets.command()
@pass_settings
def status(settings: HubSettings) -> None:
    """Show the configured key ids and, for each connector, the key id of each encrypted field."""
    keyring = _keyring(settings)
    click.echo(f"keys from {keyring.source}: {', '.join(keyring.key_ids)} (encrypting: {keyring.current_id})")

    async def main() -> dict[str, dict[str, str | None]]:
        async with kafka_cluster(settings) as kafka:
            return await connector_key_ids(kafka, settings)

    for name, fields in _run(main()).items():
        described = ", ".join(f"{field}={key_id or 'malformed'}" for field, key_id in sorted(fields.items()))
        click.echo(f"{name}: {described or 'no encrypted fields'}")


def _report(report: RotationReport) -> None:
    click.echo(
        f"{len(report.rewritten)} connectors re-encrypted with key {report.key_id}, "
        f"{len(report.unchanged)} already under it"
    )
    for name, reason in sorted(report.unreadable.items()):
        click.echo(f"cannot re-encrypt {name}: {reason}", err=True)


@secrets.command("rotate-key")
@click.option(
    "--drop-old-keys",
    is_flag=True,
    help="Development key file only: remove the old keys once every connector is under the new one.",
)
@pass_settings
def rotate_key(settings: HubSettings, drop_old_keys: bool) -> None:
    """Re-encrypt every stored connector config with the current key.

    With HUB_SECRETS_KEY, the current key is its first one: set HUB_SECRETS_KEY=<new>,<old> on every role first,
    run this, then drop <old>. Without it (development), a new key is generated and put first in the key file.
    Records under the old keys stay readable until they are re-encrypted.
    """
    keyring = _keyring(settings)
    from_file = settings.secrets_key is None
    if drop_old_keys and not from_file:
        raise click.UsageError("--drop-old-keys is for the development key file; remove old keys from HUB_SECRETS_KEY")
    if from_file:
        path = key_file(settings)
        keyring = Keyring([generate_key(), *keyring.keys], source=str(path))
        write_key_file(path, keyring.keys)
        click.echo(f"new key {keyring.current_id} put first in {path}")
    types = _connector_types()

    async def main() -> RotationReport:
        async with kafka_cluster(settings) as kafka:
            return await rotate_connector_secrets(kafka, settings, keyring, types)

    report = _run(main())
    _report(report)
    if report.unreadable:
        raise click.ClickException(f"{len(report.unreadable)} connectors keep secrets under keys the hub lacks")
    if drop_old_keys:
        write_key_file(key_file(settings), keyring.keys[:1])
        click.echo(f"old keys removed from {key_file(settings)}")
    elif not from_file and len(keyring.key_ids) == 1 and not report.rewritten:
        click.echo("to rotate, put a new key first: HUB_SECRETS_KEY=<new>,<old> (hub secrets generate-key)")


def _connector_types() -> Mapping[str, type[Connector]]:
    from hub.connectors import load_connector_types  # entry points are read only when needed

    return load_connector_types()
