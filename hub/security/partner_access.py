"""A partner's side of its credentials: the clients it reads with, from flags or the document the API hands out.

``POST /partners/{partner}/credentials`` (``hub partners credentials``) answers with one JSON document: the user,
the password (shown that once), the partner's topic and group prefixes, and ready client configurations. Saved
to a file, that document is all ``hub partners read --client-config FILE`` needs; without it the partner gives its
user, the cluster's address and whether it speaks TLS, and the password comes from the environment (never a
flag: a flag shows in the process list).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from hub.config import KafkaSettings
from hub.errors import KafkaSecurityError
from hub.stream.kafka import KafkaClients

__all__ = ["PASSWORD_ENV", "PartnerAccess", "access_from_document", "access_from_file", "access_from_flags"]

#: Where the partner's password is read from when it is not in a client-config file.
PASSWORD_ENV = "PARTNER_KAFKA_PASSWORD"  # noqa: S105 - the variable's name, not a password
_MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class PartnerAccess:
    """How a partner connects, and what it was granted as far as it knows.

    Attributes:
        clients: the cluster, authenticated as the partner.
        username: the partner's Kafka user.
        topic_prefix: the prefix its topics start with (from the document), or None when not known.
        stream_prefix: the hub's ``HUB_STREAM__TOPIC_PREFIX``, read off ``topic_prefix``, or None when not known.
    """

    clients: KafkaClients
    username: str
    topic_prefix: str | None = None
    stream_prefix: str | None = None


def access_from_flags(
    bootstrap: str, username: str, password: str | None, *, tls: bool, cafile: Path | None = None
) -> PartnerAccess:
    """The partner's clients from its user, its password and the cluster's address.

    Raises:
        KafkaSecurityError: no password (``PARTNER_KAFKA_PASSWORD`` unset).
    """
    if not password:
        raise KafkaSecurityError(f"the Kafka user {username!r} needs its password in {PASSWORD_ENV}")
    security = KafkaSettings(
        security_protocol="SASL_SSL" if tls else "SASL_PLAINTEXT",
        sasl_mechanism=_MECHANISM,
        sasl_username=username,
        sasl_password=SecretStr(password),
        ssl_cafile=cafile,
        client_id=username,
    )
    return PartnerAccess(KafkaClients(bootstrap, security), username)


def _field(document: dict[str, Any], path: str, where: str) -> str:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise KafkaSecurityError(f"{where}: no {path} (expected the answer of `hub partners credentials`)")
    return value


def access_from_document(
    document: object,
    *,
    where: str,
    password: str | None = None,
    bootstrap: str | None = None,
    cafile: Path | None = None,
) -> PartnerAccess:
    """The partner's clients from the API's credentials document.

    Args:
        document: the parsed JSON of ``POST /partners/{partner}/credentials``.
        where: what it came from (a file name), for error messages.
        password: used when the document holds none (the partner removed it and keeps it elsewhere).
        bootstrap: the cluster's address when the partner reaches it under another name than the hub does.
        cafile: the CA of the brokers' certificates, for a TLS listener.

    Raises:
        KafkaSecurityError: not such a document, or no password in it or given; the message says which field.
    """
    if not isinstance(document, dict):
        raise KafkaSecurityError(f"{where}: expected a JSON object (the answer of `hub partners credentials`)")
    username = _field(document, "username", where)
    if password is None and document.get("password") is None:
        raise KafkaSecurityError(f"{where}: no password; put it back in the file or set {PASSWORD_ENV}")
    secret = password if password is not None else _field(document, "password", where)
    protocol = _field(document, "clients.aiokafka.security_protocol", where)
    if not protocol.startswith("SASL_"):
        raise KafkaSecurityError(f"{where}: clients.aiokafka.security_protocol is {protocol}, not a SASL_* protocol")
    address = bootstrap or _field(document, "clients.aiokafka.bootstrap_servers", where)
    try:
        security = KafkaSettings(
            security_protocol=protocol,
            sasl_mechanism=document.get("mechanism", _MECHANISM),
            sasl_username=username,
            sasl_password=SecretStr(secret),
            ssl_cafile=cafile,
            client_id=username,
        )
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise KafkaSecurityError(f"{where}: {wrong}") from exc
    prefix, partner = document.get("topic_prefix"), document.get("partner")
    if not isinstance(prefix, str):
        return PartnerAccess(KafkaClients(address, security), username)
    # "<stream prefix>.partner.<partner>." (hub.security.partner_users.partner_grant): the hub's prefix is before.
    stream, sep, _ = prefix.rpartition(f".partner.{partner}.")
    return PartnerAccess(KafkaClients(address, security), username, prefix, stream if sep and stream else None)


def access_from_file(
    path: Path, *, password: str | None = None, bootstrap: str | None = None, cafile: Path | None = None
) -> PartnerAccess:
    """``access_from_document`` of the JSON file at ``path``.

    Raises:
        KafkaSecurityError: the file cannot be read or is not JSON, or as ``access_from_document``.
    """
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise KafkaSecurityError(f"cannot read the client config {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise KafkaSecurityError(f"{path} is not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc
    return access_from_document(document, where=str(path), password=password, bootstrap=bootstrap, cafile=cafile)
