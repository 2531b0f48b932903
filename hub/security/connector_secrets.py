"""Connector configs with their secrets encrypted: sealed before they reach the connectors topic, opened to run.

The API seals a config when it stores it (each ``SecretStr`` field's value becomes a ``hub-secret:v1:...``
ciphertext); the record keeps that ciphertext everywhere (the topic, the API's memory, the scheduler's slots) and
only the code that builds a connector to run it (``hub.stream.connectors.build_from_record``) and the scrubbers
that keep a run's errors free of the secrets open it. ``reseal_record`` is the rotation step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from hub.api.secrets import secret_fields
from hub.config import HubSettings
from hub.errors import SecretsKeyError
from hub.security.secret_keys import Keyring, encrypted_key_id, is_encrypted, load_keyring
from hub.stream.state import ConnectorRecord

__all__ = [
    "has_sealed_secrets",
    "key_ids_in_use",
    "reseal_record",
    "reveal_for_run",
    "reveal_record",
    "seal_config",
]


def seal_config(
    model: type[BaseModel] | None, config: Mapping[str, Any], keys: Callable[[], Keyring]
) -> dict[str, Any]:
    """``config`` with each secret field's plaintext encrypted with the current key (ciphertexts kept as they are).

    ``model`` says which fields are secret; with None (a type no longer installed) names that look secret are.
    ``keys`` is asked only when there is a plaintext secret, so a config without one needs no keys.

    Raises:
        SecretsKeyError: ``keys`` has no usable key.
    """
    sealed = dict(config)
    for name in secret_fields(model, config):
        value = sealed.get(name)
        if isinstance(value, str) and value and not is_encrypted(value):
            sealed[name] = keys().encrypt(value)
    return sealed


def _opened(record: ConnectorRecord, keyring: Keyring) -> dict[str, Any]:
    config = dict(record.config)
    for name, value in record.config.items():
        if is_encrypted(value):
            try:
                config[name] = keyring.decrypt(value)
            except SecretsKeyError as exc:
                raise SecretsKeyError(
                    f"connector {record.name!r}: config.{name} cannot be decrypted: {exc}; or store the secret "
                    f"again with PUT /connectors/{record.name}"
                ) from exc
    return config


def has_sealed_secrets(record: ConnectorRecord) -> bool:
    """True when ``record`` holds an encrypted value (so opening it needs the keys)."""
    return any(is_encrypted(value) for value in record.config.values())


def reveal_record(record: ConnectorRecord, keyring: Keyring) -> ConnectorRecord:
    """``record`` with its secrets decrypted, for running the connector; never store or show the result.

    Every encrypted value is opened, whatever the field, so a type whose fields changed still runs.

    Raises:
        SecretsKeyError: a secret under a key ``keyring`` does not hold, or damaged; the message names the
            connector and the field.
    """
    if not has_sealed_secrets(record):
        return record
    return record.model_copy(update={"config": _opened(record, keyring)})


def reveal_for_run(record: ConnectorRecord, settings: HubSettings, keyring: Keyring | None = None) -> ConnectorRecord:
    """``reveal_record`` with ``keyring``, or the hub's keys (read only when the record holds a sealed secret).

    A config in clear (``hub sync --config file.yaml``) needs no keys, so none are read or generated for it.

    Raises:
        SecretsKeyError: as ``reveal_record``, or no usable keys (``load_keyring``).
    """
    if not has_sealed_secrets(record):
        return record
    return reveal_record(record, keyring or load_keyring(settings))


def reseal_record(record: ConnectorRecord, model: type[BaseModel] | None, keyring: Keyring) -> ConnectorRecord | None:
    """``record`` with every secret encrypted with the current key; None when it already is.

    Plaintext secrets (a record stored before secrets were encrypted) are encrypted too.

    Raises:
        SecretsKeyError: a secret under a key ``keyring`` does not hold; the message names the connector.
    """
    plain = _opened(record, keyring)
    needs = [
        name
        for name in secret_fields(model, plain)
        if isinstance(value := record.config.get(name), str)
        and value
        and (not is_encrypted(value) or encrypted_key_id(value) != keyring.current_id)
    ]
    # A value encrypted although its field is no longer secret is left encrypted (opened with the others).
    stale = [
        name
        for name, value in record.config.items()
        if is_encrypted(value) and encrypted_key_id(value) != keyring.current_id
    ]
    if not needs and not stale:
        return None
    config = dict(record.config)
    for name in {*needs, *stale}:
        config[name] = keyring.encrypt(plain[name])
    return record.model_copy(update={"config": config})


def key_ids_in_use(record: ConnectorRecord) -> dict[str, str | None]:
    """For each encrypted field of ``record``, the id of its key (None for a malformed one)."""
    ids: dict[str, str | None] = {}
    for name, value in record.config.items():
        if is_encrypted(value):
            try:
                ids[name] = encrypted_key_id(value)
            except SecretsKeyError:
                ids[name] = None
    return ids
