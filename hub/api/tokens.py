"""``/tokens`` (admin) and ``/whoami``: issue, list and revoke bearer tokens."""

from __future__ import annotations

import structlog
from aiohttp import web

from hub.api.auth import TokenRecord, hash_token, new_token
from hub.api.keys import CLOCK, PRINCIPAL, REGISTRY
from hub.api.models import TokenCreate, TokenIssued, TokenList, TokenView, WhoAmI
from hub.api.problems import ApiError, parse_body
from hub.api.routing import ApiRoutes, json_response

__all__ = ["routes"]

log = structlog.get_logger(__name__)
routes = ApiRoutes()


def _require_admin(request: web.Request) -> None:
    if not request[PRINCIPAL].admin:
        raise ApiError(403, "forbidden", "only an admin token manages tokens")


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
