"""``hub partners ...``: subscriptions through the hub API, and reading a partner's topic from Kafka."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from hub.cli._root import pass_settings
from hub.cli.api import ApiClient, echo_json, pass_client
from hub.config import HubSettings
from hub.errors import HubError
from hub.security.partner_access import PASSWORD_ENV, PartnerAccess, access_from_file, access_from_flags
from hub.stream.kafka import KafkaClients
from hub.stream.partner_reader import read_topic
from hub.stream.topics import partner_topic

__all__ = ["partners"]


@click.group()
def partners() -> None:
    """Partner subscriptions (through the hub API) and partner topics."""


@partners.command("list")
@pass_client
def list_partners(client: ApiClient) -> None:
    """List the partners this token may see, with their subscriptions and topics."""
    echo_json(client.call("GET", "/partners"))


@partners.command()
@click.argument("partner")
@pass_client
def subscriptions(client: ApiClient, partner: str) -> None:
    """List a partner's subscriptions, their topics and backfill progress."""
    echo_json(client.call("GET", f"/partners/{partner}/subscriptions"))


@partners.command()
@click.argument("partner")
@click.argument("name")
@click.option("--entity-type", "entity_types", multiple=True, default=("projects",), show_default=True)
@click.option(
    "--platform", "platforms", multiple=True, help="Slug or name, e.g. zooniverse, EU-Citizen.Science; none: every one."
)
@click.option("--country", "countries", multiple=True, help="ISO 3166 code or name: ES, ESP or Spain.")
@click.option("--science-type", "science_types", multiple=True, help="PPSR label or a part of one, e.g. Ecology.")
@click.option("--keyword", "keywords", multiple=True, help="A word of a record's keywords, name or description.")
@pass_client
def subscribe(
    client: ApiClient,
    partner: str,
    name: str,
    entity_types: tuple[str, ...],
    platforms: tuple[str, ...],
    countries: tuple[str, ...],
    science_types: tuple[str, ...],
    keywords: tuple[str, ...],
) -> None:
    """Create or change the subscription NAME of PARTNER.

    Values are stored as the records carry them (a country as PPSR's label, a platform as its slug); an unknown
    one is refused with the nearest known values.
    """
    body = {
        "entity_types": list(entity_types),
        "platforms": list(platforms),
        "countries": list(countries),
        "science_types": list(science_types),
        "keywords": list(keywords),
    }
    echo_json(client.call("PUT", f"/partners/{partner}/subscriptions/{name}", body=body))


@partners.command()
@click.argument("partner")
@click.argument("name")
@pass_client
def unsubscribe(client: ApiClient, partner: str, name: str) -> None:
    """Delete the subscription NAME of PARTNER."""
    client.call("DELETE", f"/partners/{partner}/subscriptions/{name}")
    click.echo(f"deleted {partner}/{name}")


@partners.command()
@click.argument("partner")
@pass_client
def credentials(client: ApiClient, partner: str) -> None:
    """Give PARTNER its own Kafka user (or a new password): printed once, with ready client configurations."""
    echo_json(client.call("POST", f"/partners/{partner}/credentials"))


@partners.command("revoke-credentials")
@click.argument("partner")
@pass_client
def revoke_credentials(client: ApiClient, partner: str) -> None:
    """Remove PARTNER's Kafka user and ACLs: its clients are refused from their next connection on."""
    client.call("DELETE", f"/partners/{partner}/credentials")
    click.echo(f"revoked the Kafka user of partner {partner}")


@partners.command()
@click.argument("partner")
@click.option("--entity-type", default="projects", show_default=True)
@click.option("--max", "limit", default=1000, show_default=True, help="Stop after this many records.")
@click.option("--idle", "idle_s", default=5.0, show_default=True, help="Stop after this many seconds without one.")
@click.option(
    "--client-config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON `hub partners credentials` printed, saved to a file: read as that partner.",
)
@click.option(
    "--username",
    envvar="PARTNER_KAFKA_USERNAME",
    help=f"Read as this Kafka user (SASL/SCRAM-SHA-512), its password in {PASSWORD_ENV}.",
)
@click.option("--bootstrap", help="The cluster (default: the client config's, else HUB_KAFKA_BOOTSTRAP).")
@click.option("--tls", is_flag=True, help="With --username: the listener speaks TLS (CA: HUB_KAFKA__SSL_CAFILE).")
@pass_settings
def read(
    settings: HubSettings,
    partner: str,
    entity_type: str,
    limit: int,
    idle_s: float,
    client_config: Path | None,
    username: str | None,
    bootstrap: str | None,
    tls: bool,
) -> None:
    """Print a partner topic's records (JSON-LD, one per line) from the beginning.

    As the partner: with --client-config FILE (the answer of `hub partners credentials`), or --username with the
    password in PARTNER_KAFKA_PASSWORD. Without either, as the hub (HUB_KAFKA_BOOTSTRAP and HUB_KAFKA__*).
    """
    try:
        clients, topic, access = _reader(settings, partner, entity_type, client_config, username, bootstrap, tls)
        count = asyncio.run(
            read_topic(
                clients, topic, limit, idle_s, click.echo, allowed_prefix=access.topic_prefix if access else None
            )
        )
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} records from {topic}", err=True)


def _reader(
    settings: HubSettings,
    partner: str,
    entity_type: str,
    client_config: Path | None,
    username: str | None,
    bootstrap: str | None,
    tls: bool,
) -> tuple[KafkaClients, str, PartnerAccess | None]:
    """Who reads (the partner, or the hub) and which topic."""
    address = bootstrap or settings.kafka_bootstrap
    password = os.environ.get(PASSWORD_ENV) or None
    cafile = settings.kafka.ssl_cafile
    access: PartnerAccess | None = None
    if client_config is not None:
        access = access_from_file(client_config, password=password, bootstrap=bootstrap, cafile=cafile)
    elif username is not None:
        if not address:
            raise click.UsageError("--username needs --bootstrap or HUB_KAFKA_BOOTSTRAP: the cluster to read from")
        access = access_from_flags(address, username, password, tls=tls, cafile=cafile)
    elif not address:
        raise click.ClickException("set HUB_KAFKA_BOOTSTRAP to the cluster the hub uses (hub up logs it)")
    stream = settings.stream
    if access is not None and access.stream_prefix is not None:
        stream = stream.model_copy(update={"topic_prefix": access.stream_prefix})
    topic = partner_topic(stream, partner, entity_type)
    clients = access.clients if access is not None else KafkaClients.from_settings(settings, address)
    return clients, topic, access
