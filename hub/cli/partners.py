"""``hub partners ...``: subscriptions through the hub API, and reading a partner's topic from Kafka."""

from __future__ import annotations

import asyncio

import click

from hub.cli._root import pass_settings
from hub.cli.api import ApiClient, echo_json, pass_client
from hub.config import HubSettings
from hub.stream.kafka import KafkaClients
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


async def _read(kafka: KafkaClients, topic: str, limit: int, idle_s: float) -> int:
    consumer = kafka.committed_consumer(topic)
    await consumer.start()
    count = 0
    try:
        while count < limit:
            batch = await consumer.getmany(timeout_ms=int(idle_s * 1000), max_records=limit - count)
            if not batch:
                break
            for records in batch.values():
                for record in records:
                    value = record.value.decode() if record.value is not None else "null"
                    click.echo(value)
                    count += 1
    finally:
        await consumer.stop()
    return count


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
@pass_settings
def read(settings: HubSettings, partner: str, entity_type: str, limit: int, idle_s: float) -> None:
    """Print a partner topic's records (JSON-LD, one per line) from the beginning; needs HUB_KAFKA_BOOTSTRAP."""
    if not settings.kafka_bootstrap:
        raise click.ClickException("set HUB_KAFKA_BOOTSTRAP to the cluster the hub uses (hub up logs it)")
    topic = partner_topic(settings, partner, entity_type)
    count = asyncio.run(_read(KafkaClients.from_settings(settings), topic, limit, idle_s))
    click.echo(f"{count} records from {topic}", err=True)
