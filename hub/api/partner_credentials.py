"""A partner's own Kafka user: ``POST`` gives it credentials (once), ``DELETE`` takes them away.

The API only asks ``hub.security.partner_users.PartnerUsers``, which creates the SCRAM user and ACLs (READ and
DESCRIBE on the partner's topic prefix, READ on its consumer-group prefix, nothing else). The password is in the
response only; the hub keeps no copy. A cluster the hub cannot manage users on answers 409 ``no_kafka_users``
with the reason, and a refusal by the cluster 503 ``provisioning_failed`` with its reason: the partner's API access
is untouched, and the call can simply be repeated.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from hub.api.auth import Principal
from hub.api.keys import PRINCIPAL, SETTINGS
from hub.api.problems import ApiError
from hub.api.routing import ApiRoutes
from hub.errors import HubError, StreamError
from hub.security.partner_users import PartnerUsers, partner_grant
from hub.stream.kafka import KafkaClients

__all__ = ["CLUSTER", "PARTNER_USERS", "routes"]

log = structlog.get_logger(__name__)

routes = ApiRoutes()
#: Who manages partners' Kafka users (None: this cluster has no SASL users to manage).
PARTNER_USERS = web.AppKey[PartnerUsers | None]("partner_users")
#: The cluster the partners connect to, for their ready client configurations.
CLUSTER = web.AppKey[KafkaClients | None]("partner_cluster")


def _admin(request: web.Request) -> None:
    principal: Principal = request[PRINCIPAL]
    if not principal.admin:
        raise ApiError(403, "forbidden", "only an admin token manages partners' Kafka credentials")


def _users(request: web.Request) -> PartnerUsers:
    users = request.app.get(PARTNER_USERS)
    if users is None:
        raise ApiError(
            409,
            "no_kafka_users",
            "this hub's Kafka cluster has no SASL users to manage (HUB_KAFKA__SECURITY_PROTOCOL is not SASL_*)",
        )
    return users


@routes.route(
    "POST",
    "/partners/{partner}/credentials",
    summary="Create or rotate a partner's Kafka user; the password is shown once",
    tag="partners",
    responses={201: None, 409: None, 503: None},
)
async def issue_credentials(request: web.Request) -> web.StreamResponse:
    """A new password for the partner's SCRAM user (created with its ACLs if new); the old password stops working."""
    _admin(request)
    partner = request.match_info["partner"]
    try:
        grant = partner_grant(request.app[SETTINGS], partner)
    except StreamError as exc:
        raise ApiError(400, "invalid_partner", str(exc)) from exc
    try:
        credentials = await _users(request).provision(grant)
    except HubError as exc:
        log.warning("partners.provisioning_failed", partner=partner, error=str(exc))
        raise ApiError(503, "provisioning_failed", f"the cluster refused: {exc}; try again") from exc
    cluster = request.app.get(CLUSTER)
    body: dict[str, Any] = {
        "partner": partner,
        "username": credentials.username,
        "password": credentials.password.get_secret_value(),
        "topic_prefix": grant.topic_prefix,
        "group_prefix": grant.group_prefix,
        "clients": credentials.client_configs(cluster) if cluster is not None else {},
    }
    log.info("partners.credentials_issued", partner=partner, username=credentials.username)
    return web.json_response(body, status=201, headers={"Cache-Control": "no-store"})


@routes.route(
    "DELETE",
    "/partners/{partner}/credentials",
    summary="Remove a partner's Kafka user and ACLs",
    tag="partners",
    responses={204: None, 409: None, 503: None},
)
async def revoke_credentials(request: web.Request) -> web.StreamResponse:
    """The partner's user and ACLs are removed: its clients are refused from their next connection on."""
    _admin(request)
    partner = request.match_info["partner"]
    try:
        grant = partner_grant(request.app[SETTINGS], partner)
    except StreamError as exc:
        raise ApiError(400, "invalid_partner", str(exc)) from exc
    try:
        existed = await _users(request).delete(grant)
    except HubError as exc:
        raise ApiError(503, "provisioning_failed", f"the cluster refused: {exc}; try again") from exc
    if not existed:
        raise ApiError(404, "not_found", f"partner {partner!r} has no Kafka user")
    log.info("partners.credentials_revoked", partner=partner)
    return web.Response(status=204)


def setup(app: web.Application, kafka: KafkaClients) -> None:
    """Manage partners' users on ``kafka`` when it authenticates with SASL (the hub as a user allowed to)."""
    sasl = kafka.security.security_protocol.startswith("SASL_")
    app[PARTNER_USERS] = PartnerUsers(kafka) if sasl else None
    app[CLUSTER] = kafka
