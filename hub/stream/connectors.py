"""Build a connector from its stored configuration (a ``ConnectorRecord``) through the connector registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import yaml
from pydantic import ValidationError

from hub.config import HubSettings
from hub.connectors import Connector, HttpClient, build_connector, connector_type
from hub.errors import ConfigError
from hub.schema.anonymise import Pseudonymiser
from hub.security.connector_secrets import reveal_for_run
from hub.security.secret_keys import Keyring
from hub.stream.kafka import KafkaClients
from hub.stream.state import ConnectorRecord, StateTable
from hub.stream.topics import ensure_topics, hub_topics, internal_topic

__all__ = [
    "build_from_record",
    "load_record",
    "open_connector",
    "pick_record_for_platform",
    "record_for_platform",
    "record_from_file",
]


def build_from_record(
    record: ConnectorRecord, *, http: HttpClient, settings: HubSettings, keyring: Keyring | None = None
) -> Connector:
    """The connector a stored record describes, its secrets decrypted, with the hub's pseudonymiser.

    This is where a stored secret is opened (see ``hub.security.connector_secrets``): only to run the connector.

    Args:
        record: the stored connector (secrets sealed, or in clear from a YAML file).
        http: the connector's HTTP client.
        settings: the hub's settings (the pseudonymiser's key; the secrets' keys when ``keyring`` is None).
        keyring: the keys that open the secrets; ``load_keyring(settings)`` by default.

    Raises:
        ConfigError: unknown connector type or invalid config, naming each offending field.
        SecretsKeyError: a secret under a key the hub does not hold; the message names the connector.
    """
    plain = reveal_for_run(record, settings, keyring)
    return build_connector(
        plain.type, plain.config, http=http, pseudonymiser=Pseudonymiser(settings.anonymisation_secret)
    )


@asynccontextmanager
async def open_connector(
    record: ConnectorRecord, settings: HubSettings, *, keyring: Keyring | None = None
) -> AsyncIterator[Connector]:
    """A connector with its own HTTP session, closed when the block exits (see ``build_from_record``)."""
    async with aiohttp.ClientSession() as session:
        yield build_from_record(record, http=HttpClient(session), settings=settings, keyring=keyring)


def record_from_file(path: Path, *, name: str | None = None) -> ConnectorRecord:
    """Read a connector definition from YAML: ``type``, ``config`` and optionally ``name``.

    Raises:
        ConfigError: the file is missing, is not YAML, or does not describe a connector; the message names the
            file and the field.
    """
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the connector definition: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'type' and 'config', got {type(data).__name__}")
    if "type" not in data or "config" not in data:
        raise ConfigError(f"{path}: a connector definition needs 'type' and 'config'; found keys {sorted(data)}")
    data.setdefault("name", name or path.stem)
    if name is not None:
        data["name"] = name
    try:
        return ConnectorRecord.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
        raise ConfigError(
            f"{path}: invalid connector definition: {problems}", errors=[dict(e) for e in exc.errors()]
        ) from exc


async def _records(kafka: KafkaClients, settings: HubSettings) -> list[ConnectorRecord]:
    await ensure_topics(kafka, hub_topics(settings), settings)
    async with StateTable(kafka, internal_topic(settings, "connectors"), ConnectorRecord) as table:
        return [record for _, record in table.items()]


async def load_record(kafka: KafkaClients, settings: HubSettings, name: str) -> ConnectorRecord:
    """A configured connector from the connectors topic.

    Raises:
        ConfigError: no connector of that name; the message lists the configured ones.
    """
    records = await _records(kafka, settings)
    for record in records:
        if record.name == name:
            return record
    raise ConfigError(f"no connector named {name!r} in the registry; configured: {[r.name for r in records] or 'none'}")


async def record_for_platform(kafka: KafkaClients, settings: HubSettings, platform: str) -> ConnectorRecord:
    """The first configured connector (by name) that harvests ``platform``.

    Raises:
        ConfigError: no configured connector harvests it.
    """
    return pick_record_for_platform(await _records(kafka, settings), platform)


def pick_record_for_platform(records: list[ConnectorRecord], platform: str) -> ConnectorRecord:
    """The first of ``records`` whose connector harvests ``platform``; see :func:`record_for_platform`."""
    for record in sorted(records, key=lambda r: r.name):
        try:
            cls = connector_type(record.type)
            # Types such as ppsr-feed and declarative serve many portals: the platform is in each config.
            if cls.platform_of(cls.config_model.model_validate(record.config)) == platform:
                return record
        except (ConfigError, ValidationError):
            continue
    raise ConfigError(
        f"no configured connector harvests platform {platform!r}; configured: "
        f"{[f'{r.name} ({r.type})' for r in records] or 'none'}; pass --connector or --config"
    )
