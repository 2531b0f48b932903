"""A Kafka user per partner: a SCRAM-SHA-512 principal that may read its own topics and groups, and nothing else.

A partner ``ecsa`` gets the user ``partner.ecsa`` with three ACLs, all ``PREFIXED`` and ``ALLOW``:

- ``READ`` and ``DESCRIBE`` on topics starting with ``ccs.partner.ecsa.`` (its routed copies, see
  ``hub.stream.topics.partner_topic``);
- ``READ`` on consumer groups starting with its group prefix (``ccs.partner.ecsa.`` by default), so it can keep
  and fetch its positions, in groups no other partner can join.

The broker's ``StandardAuthorizer`` denies whatever no ACL allows (``allow.everyone.if.no.acl.found=false``), so
the partner cannot read the entity topics, ``ccs.hub.*`` or another partner's topics, and cannot write anywhere.
The trailing dot of each prefix is what keeps ``ecsa`` from matching ``ecsa-x``'s topics (partner names have no
dots).

The caller acts as a principal with ``ALTER`` on the cluster (the hub, super user of the local broker).
A changed or removed password is checked on the partner's next connection; a connection authenticated before
stays open until it closes, unless the brokers set ``connections.max.reauth.ms``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from pydantic import SecretStr

from hub.config import HubSettings, StreamSettings
from hub.errors import KafkaSecurityError
from hub.security.admin import AsyncAdmin
from hub.security.client_config import client_configs
from hub.stream.kafka import KafkaClients
from hub.stream.topics import partner_topic

__all__ = [
    "PartnerCredentials",
    "PartnerGrant",
    "PartnerUsers",
    "partner_grant",
]

_MECHANISM = "SCRAM-SHA-512"
#: PBKDF2 rounds of the stored SCRAM credential (Kafka's minimum is 4096).
SCRAM_ITERATIONS = 8192
_ANY_HOST = "*"


@dataclass(frozen=True)
class PartnerGrant:
    """Which Kafka user a partner has and what it may read.

    Attributes:
        partner: the partner's id.
        username: its SCRAM user.
        topic_prefix: every topic starting with it is the partner's to read.
        group_prefix: every consumer group starting with it is the partner's to use.
    """

    partner: str
    username: str
    topic_prefix: str
    group_prefix: str

    def __post_init__(self) -> None:
        for what, prefix in (("topic", self.topic_prefix), ("consumer-group", self.group_prefix)):
            # A short prefix would grant far more than one partner's resources ("c" matches "ccs.hub.connectors").
            if not prefix.endswith(".") or f".{self.partner}." not in f".{prefix}":
                raise KafkaSecurityError(
                    f"partner {self.partner!r}: {what} prefix {prefix!r} must name the partner and end with '.'"
                )

    @property
    def principal(self) -> str:
        """The user as the authorizer names it: ``User:<username>``."""
        return f"User:{self.username}"

    def acls(self) -> list[AclBinding]:
        """The partner's ACLs, exactly these and no others."""

        def allow(restype: ResourceType, name: str, operation: AclOperation) -> AclBinding:
            return AclBinding(
                restype,
                name,
                ResourcePatternType.PREFIXED,
                self.principal,
                _ANY_HOST,
                operation,
                AclPermissionType.ALLOW,
            )

        return [
            allow(ResourceType.TOPIC, self.topic_prefix, AclOperation.READ),
            allow(ResourceType.TOPIC, self.topic_prefix, AclOperation.DESCRIBE),
            allow(ResourceType.GROUP, self.group_prefix, AclOperation.READ),
        ]


def partner_grant(settings: StreamSettings | HubSettings, partner: str) -> PartnerGrant:
    """The standard grant of ``partner``: user ``partner.<id>``, topics and groups ``<prefix>.partner.<id>.``.

    Raises:
        StreamError: ``partner`` is not a valid name part of a topic.
    """
    # partner_topic validates the name and is the one place partner topics are named.
    topic = partner_topic(settings, partner, "projects")
    prefix = topic[: -len("projects.v1")]
    return PartnerGrant(partner=partner, username=f"partner.{partner}", topic_prefix=prefix, group_prefix=prefix)


@dataclass(frozen=True)
class PartnerCredentials:
    """What a partner is handed once: its user, its password and the prefixes it may use."""

    grant: PartnerGrant
    password: SecretStr

    @property
    def username(self) -> str:
        """The partner's SCRAM user."""
        return self.grant.username

    def clients(self, cluster: KafkaClients) -> KafkaClients:
        """``cluster``'s clients authenticated as the partner (``SASL_PLAINTEXT`` or ``SASL_SSL``, SCRAM-SHA-512)."""
        partner = cluster.with_credentials(self.username, self.password.get_secret_value())
        security = partner.security.model_copy(update={"sasl_mechanism": _MECHANISM, "client_id": self.username})
        return KafkaClients(partner.bootstrap, security)

    def client_configs(self, cluster: KafkaClients) -> dict[str, Any]:
        """Ready configurations for aiokafka, confluent-kafka, the Java client and kcat, with the prefixes."""
        return {
            "username": self.username,
            "mechanism": _MECHANISM,
            "topic_prefix": self.grant.topic_prefix,
            "group_prefix": self.grant.group_prefix,
            **client_configs(self.clients(cluster)),
        }


def _password() -> SecretStr:
    return SecretStr(secrets.token_urlsafe(32))


class PartnerUsers:
    """Creates, rotates and removes partners' Kafka users and their ACLs.

    Args:
        clients: the cluster, authenticated as a principal allowed to alter users and ACLs.
        request_timeout_s: longest wait for one admin request.
    """

    def __init__(self, clients: KafkaClients, *, request_timeout_s: float = 30.0) -> None:
        self._admin = AsyncAdmin(clients, request_timeout_s=request_timeout_s)

    async def provision(self, grant: PartnerGrant) -> PartnerCredentials:
        """Create the partner's user with a new password and its ACLs (again: a new password, the same ACLs).

        Raises:
            KafkaSecurityError: the cluster refused; nothing half-made is left usable (no ACLs without a user).
        """
        credentials = await self._set_password(grant, _password())
        try:
            await self._replace_acls(grant)
        except KafkaSecurityError:
            await self.delete(grant)
            raise
        return credentials

    async def rotate(self, grant: PartnerGrant) -> PartnerCredentials:
        """Give the partner a new password; the old one is refused from the next connection on.

        Raises:
            KafkaSecurityError: the partner has no user, or the cluster refused.
        """
        if not await self.exists(grant.username):
            raise KafkaSecurityError(f"partner {grant.partner!r} has no Kafka user {grant.username!r} to rotate")
        return await self._set_password(grant, _password())

    async def delete(self, grant: PartnerGrant) -> bool:
        """Remove the partner's ACLs and its user; True when a user was there.

        Raises:
            KafkaSecurityError: the cluster refused.
        """
        await self._delete_acls(grant)
        if not await self.exists(grant.username):
            return False
        deletion = UserScramCredentialDeletion(grant.username, ScramMechanism.SCRAM_SHA_512)
        futures = self._admin.client.alter_user_scram_credentials([deletion], request_timeout=self._admin.timeout_s)
        await self._admin.each(futures, f"deleting Kafka user {grant.username!r}")
        return True

    async def exists(self, username: str) -> bool:
        """True when ``username`` has a SCRAM credential.

        Raises:
            KafkaSecurityError: the cluster refused the question.
        """
        futures = self._admin.client.describe_user_scram_credentials([username], request_timeout=self._admin.timeout_s)
        try:
            await self._admin.one(futures[username], f"describing Kafka user {username!r}")  # type: ignore[index]
        except KafkaSecurityError as exc:
            cause = exc.__cause__
            if isinstance(cause, KafkaException) and cause.args[0].code() == KafkaError.RESOURCE_NOT_FOUND:
                return False
            raise
        return True

    async def acls(self, grant: PartnerGrant) -> list[AclBinding]:
        """Every ACL naming the partner's principal, on any resource.

        Raises:
            KafkaSecurityError: the cluster refused the question.
        """
        future = self._admin.client.describe_acls(self._principal_filter(grant), request_timeout=self._admin.timeout_s)
        found: list[AclBinding] = await self._admin.one(future, f"listing ACLs of {grant.principal}")
        return found

    async def _set_password(self, grant: PartnerGrant, password: SecretStr) -> PartnerCredentials:
        upsertion = UserScramCredentialUpsertion(
            grant.username,
            ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
            password.get_secret_value().encode(),
        )
        futures = self._admin.client.alter_user_scram_credentials([upsertion], request_timeout=self._admin.timeout_s)
        await self._admin.each(futures, f"setting the password of Kafka user {grant.username!r}")
        return PartnerCredentials(grant=grant, password=password)

    async def _replace_acls(self, grant: PartnerGrant) -> None:
        # Remove first: a grant whose prefixes changed must not keep the old ones.
        await self._delete_acls(grant)
        futures = self._admin.client.create_acls(grant.acls(), request_timeout=self._admin.timeout_s)
        await self._admin.each(futures, f"creating ACLs of {grant.principal}")

    async def _delete_acls(self, grant: PartnerGrant) -> None:
        futures = self._admin.client.delete_acls([self._principal_filter(grant)], request_timeout=self._admin.timeout_s)
        await self._admin.each(futures, f"deleting ACLs of {grant.principal}")

    @staticmethod
    def _principal_filter(grant: PartnerGrant) -> AclBindingFilter:
        # None matches any resource name and any host (the stubs type them as str, the API documents None).
        return AclBindingFilter(
            ResourceType.ANY,
            None,  # type: ignore[arg-type]
            ResourcePatternType.ANY,
            grant.principal,
            None,  # type: ignore[arg-type]
            AclOperation.ANY,
            AclPermissionType.ANY,
        )
