"""The local broker's configuration: one ``server.properties`` per node, and the hub principal's credentials.

With SASL on (the default) every node has

- a ``SASL_PLAINTEXT`` client and inter-broker listener on 127.0.0.1 that accepts SCRAM-SHA-512 only; the hub's
  SCRAM credential is written into the metadata log when the storage is formatted (``--add-scram``), so it exists
  before the first broker serves a request;
- a ``CONTROLLER`` listener for the quorum with SASL PLAIN and a static user list holding only the hub (Kafka
  keeps SCRAM credentials in the metadata the controllers themselves serve, so the quorum cannot use SCRAM); a
  plaintext controller listener would authenticate every caller as ``User:ANONYMOUS``, which would then have to
  be a super user, and anyone on the machine could alter ACLs through it;
- the ``StandardAuthorizer`` with ``allow.everyone.if.no.acl.found=false`` and ``User:<hub>`` as the only super
  user, so any other principal gets exactly what its ACLs grant.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from hub.config import KafkaSettings
from hub.errors import KafkaDeployError

__all__ = [
    "DEFAULT_HUB_USER",
    "SCRAM_MECHANISM",
    "HubCredentials",
    "NodeAddress",
    "render_node_config",
    "resolve_credentials",
]

DEFAULT_HUB_USER = "hub"
SCRAM_MECHANISM = "SCRAM-SHA-512"
_PASSWORD_FILE = "sasl.password"  # noqa: S105 - a file name, not a password
# A JAAS value is a double-quoted string; these characters would end or escape it.
_JAAS_UNSAFE = re.compile(r'["\\\r\n;]')
_USER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class NodeAddress:
    """Where one node listens: its client port and its controller (quorum) port on 127.0.0.1."""

    node_id: int
    port: int
    controller_port: int


@dataclass(frozen=True)
class HubCredentials:
    """The hub's own SASL principal on the local broker (its only super user)."""

    username: str
    password: SecretStr

    def fingerprint(self, salt: str) -> str:
        """A salted hash of the password, kept beside the storage to notice a changed password."""
        digest = hmac.new(salt.encode(), self.password.get_secret_value().encode(), hashlib.sha256)
        return digest.hexdigest()

    def kafka_settings(self, base: KafkaSettings | None = None) -> KafkaSettings:
        """Client settings (``SASL_PLAINTEXT``, SCRAM-SHA-512) for this principal, other options from ``base``."""
        return (base or KafkaSettings()).model_copy(
            update={
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": SCRAM_MECHANISM,
                "sasl_username": self.username,
                "sasl_password": self.password,
            }
        )


def resolve_credentials(home: Path, configured: KafkaSettings | None) -> HubCredentials:
    """The hub's credentials: ``HUB_KAFKA__SASL_USERNAME``/``_PASSWORD`` when set, else a generated password.

    A generated password goes to ``<home>/sasl.password`` (mode 0600) and is read back on later starts.

    Raises:
        KafkaDeployError: the configured name or password cannot be written into the broker's JAAS settings.
    """
    username = (configured.sasl_username if configured else None) or DEFAULT_HUB_USER
    if not _USER_NAME.match(username):
        raise KafkaDeployError(
            f"HUB_KAFKA__SASL_USERNAME={username!r} is not a usable local broker user: letters, digits, '.', '_', '-'"
        )
    if configured is not None and configured.sasl_password is not None:
        password = configured.sasl_password.get_secret_value()
        if _JAAS_UNSAFE.search(password):
            raise KafkaDeployError('HUB_KAFKA__SASL_PASSWORD must not contain ", \\, ; or a line break')
        return HubCredentials(username, SecretStr(password))
    path = home / _PASSWORD_FILE
    if path.is_file():
        return HubCredentials(username, SecretStr(path.read_text().strip()))
    home.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(32)
    # Created with 0600 from the start: the password is never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generated + "\n")
    return HubCredentials(username, SecretStr(generated))


def _security_section(credentials: HubCredentials) -> str:
    user = credentials.username
    password = credentials.password.get_secret_value()
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule"
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
    return "\n".join(
        [
            "",
            "# SASL: SCRAM-SHA-512 for clients and between brokers, PLAIN (static, hub only) inside the quorum.",
            f"sasl.enabled.mechanisms={SCRAM_MECHANISM}",
            f"sasl.mechanism.inter.broker.protocol={SCRAM_MECHANISM}",
            f"listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config={scram} required "
            f'username="{user}" password="{password}";',
            "sasl.mechanism.controller.protocol=PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
            f"listener.name.controller.plain.sasl.jaas.config={plain} required "
            f'username="{user}" password="{password}" user_{user}="{password}";',
            "# Nothing is allowed that no ACL grants; the hub is the only super user.",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found=false",
            f"super.users=User:{user}",
            "",
        ]
    )


def render_node_config(
    template: str,
    node: NodeAddress,
    nodes: list[NodeAddress],
    data_dir: Path,
    credentials: HubCredentials | None,
) -> str:
    """``server.properties`` of ``node`` in a quorum of ``nodes``; SASL and ACLs when ``credentials`` are given."""
    replication = min(3, len(nodes))
    config = template.format(
        node_id=node.node_id,
        voters=",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes),
        client_listener="SASL_PLAINTEXT" if credentials else "PLAINTEXT",
        controller_protocol="SASL_PLAINTEXT" if credentials else "PLAINTEXT",
        port=node.port,
        controller_port=node.controller_port,
        data_dir=data_dir.resolve().as_posix(),
        replication=replication,
        min_isr=2 if replication >= 3 else 1,
    )
    return config + (_security_section(credentials) if credentials else "")
