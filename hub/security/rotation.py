"""Re-encrypting every stored connector config with the current secrets key (``hub secrets rotate-key``).

The rotation reads the connectors topic, opens each record's secrets with whichever key made them and writes the
record back sealed with the current (first) key. Records under an old key stay readable throughout, since the
keyring still holds it; one under a key the keyring lacks is reported by name and left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from hub.config import HubSettings
from hub.connectors.base import Connector
from hub.errors import SecretsKeyError
from hub.security.connector_secrets import key_ids_in_use, reseal_record
from hub.security.secret_keys import Keyring
from hub.stream.kafka import KafkaClients
from hub.stream.state import ConnectorRecord, StateTable
from hub.stream.topics import ensure_topics, hub_topics, internal_topic

__all__ = ["RotationReport", "connector_key_ids", "rotate_connector_secrets"]

log = structlog.get_logger(__name__)


@dataclass
class RotationReport:
    """What a rotation did.

    Attributes:
        key_id: the key every secret is now under.
        rewritten: connectors whose record was written again.
        unchanged: connectors already under ``key_id`` (or without secrets).
        unreadable: connector -> why its secrets could not be opened (a key the keyring lacks).
    """

    key_id: str
    rewritten: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)


async def rotate_connector_secrets(
    kafka: KafkaClients, settings: HubSettings, keyring: Keyring, types: Mapping[str, type[Connector]]
) -> RotationReport:
    """Write every connector whose secrets are not all under ``keyring``'s current key again, sealed with it.

    Plaintext secrets (stored before secrets were encrypted) are sealed too. ``types`` says which fields are
    secret; a type no longer installed falls back to the names that look secret.
    """
    await ensure_topics(kafka, hub_topics(settings), settings)
    report = RotationReport(key_id=keyring.current_id)
    async with StateTable(kafka, internal_topic(settings, "connectors"), ConnectorRecord) as table:
        for name, record in table.items():
            cls = types.get(record.type)
            try:
                resealed = reseal_record(record, cls.config_model if cls else None, keyring)
            except SecretsKeyError as exc:
                report.unreadable[name] = str(exc)
                log.warning("secrets.rotation_unreadable", connector=name, error=str(exc))
                continue
            if resealed is None:
                report.unchanged.append(name)
                continue
            await table.put(name, resealed)
            report.rewritten.append(name)
    log.info(
        "secrets.rotated",
        key_id=report.key_id,
        rewritten=len(report.rewritten),
        unchanged=len(report.unchanged),
        unreadable=len(report.unreadable),
    )
    return report


async def connector_key_ids(kafka: KafkaClients, settings: HubSettings) -> dict[str, dict[str, str | None]]:
    """For each stored connector, the key id of each of its encrypted fields (no secret is opened)."""
    await ensure_topics(kafka, hub_topics(settings), settings)
    async with StateTable(kafka, internal_topic(settings, "connectors"), ConnectorRecord) as table:
        return {name: key_ids_in_use(record) for name, record in table.items()}
