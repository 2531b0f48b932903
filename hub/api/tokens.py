"""``/tokens`` (admin) and ``/whoami``: issue, list and revoke bearer tokens."""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from aiohttp import web

from hub.api.auth import TokenRecord, hash_token, new_token
from hub.api.keys import CLOCK, CONNECTOR_TYPES, PRINCIPAL, REGISTRY
from hub.api.models import TokenCreate, TokenIssued, TokenList, TokenView, WhoAmI
from hub.api.problems import ApiError, parse_body
from hub.api.routing import ApiRoutes, json_response
from hub.api.scope_check import scope_problems
from hub.connectors.base import Connector

__all__ = ["routes"]

log = structlog.get_logger(__name__)
routes = ApiRoutes()


def _require_admin(request: web.Request) -> None:
    if not request[PRINCIPAL].admin:
        raise ApiError(403, "forbidden", "only an admin token manages tokens")


def _known_partners(request: web.Request) -> set[str]:
    """Partners with a subscription or named in a live token's scope."""
    registry = request.app[REGISTRY]
    partners = {sub.partner for _, sub in registry.partners.items()}
    for _, record in registry.tokens.items():
        partners.update(s.removeprefix("partner:") for s in record.scopes if s.startswith("partner:"))
    return partners


def _check_scopes(request: web.Request, body: TokenCreate) -> None:
    """Refuse a scope that is malformed or names an unknown type, connector or partner (422, one field each)."""
    registry = request.app[REGISTRY]
    installed: Mapping[str, type[Connector]] = request.app[CONNECTOR_TYPES]
    problems = scope_problems(
        body.scopes,
        types=sorted(installed),
        connectors=[name for name, _ in registry.connectors.items()],
        partners=_known_partners(request),
        allow_new=body.allow_new,
    )
    if problems:
        raise ApiError(422, "invalid_scopes", problems[0].message, problems)


@routes.route(
    "POST",
    "/tokens",
    summary="Issue a token (shown once; only its hash is kept)",
    tag="tokens",
    body=TokenCreate,
    responses={201: TokenIssued},
)
async def create_token(request: web.Request) -> web.StreamResponse:
    """Mint a token with the given scopes."""
    _require_admin(request)
    body = await parse_body(request, TokenCreate)
    _check_scopes(request, body)
    token_id, token = new_token()
    record = TokenRecord(
        id=token_id,
        sha256=hash_token(token),
        scopes=list(body.scopes),
        description=body.description,
        created_at=request.app[CLOCK](),
    )
    await request.app[REGISTRY].tokens.put(token_id, record)
    log.info("api.token_issued", token_id=token_id, scopes=record.scopes, by=request[PRINCIPAL].token_id)
    issued = TokenIssued(
        id=token_id, token=token, scopes=record.scopes, description=record.description, created_at=record.created_at
    )
    return json_response(issued, 201)


@routes.route("GET", "/tokens", summary="List tokens (ids and scopes)", tag="tokens", responses={200: TokenList})
async def list_tokens(request: web.Request) -> web.StreamResponse:
    """Every issued token, without the token or its hash."""
    _require_admin(request)
    views = [
        TokenView(id=r.id, scopes=r.scopes, description=r.description, created_at=r.created_at)
        for _, r in request.app[REGISTRY].tokens.items()
    ]
    return json_response(TokenList(tokens=views))


@routes.route("DELETE", "/tokens/{id}", summary="Revoke a token", tag="tokens", responses={204: None})
async def revoke_token(request: web.Request) -> web.StreamResponse:
    """Revoke: the token stops working at once in this process, and in others when they refresh."""
    _require_admin(request)
    token_id = request.match_info["id"]
    tokens = request.app[REGISTRY].tokens
    if tokens.get(token_id) is None:
        raise ApiError(404, "not_found", f"no token {token_id!r}")
    await tokens.put(token_id, None)
    log.info("api.token_revoked", token_id=token_id, by=request[PRINCIPAL].token_id)
    return web.Response(status=204)


@routes.route("GET", "/whoami", summary="The calling token's id and scopes", tag="tokens", responses={200: WhoAmI})
async def whoami(request: web.Request) -> web.StreamResponse:
    """Who the hub thinks the caller is."""
    principal = request[PRINCIPAL]
    return json_response(WhoAmI(token_id=principal.token_id, scopes=list(principal.scopes)))
