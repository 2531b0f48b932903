"""Bearer tokens with scopes, stored hashed.

A token is ``hub_<id>_<secret>``; the hub keeps only ``sha256(token)`` under its id (in the compacted
``<prefix>.hub.tokens`` topic), so neither the topic nor a log ever holds a usable token. The bootstrap admin
token comes from ``HUB_API__ADMIN_TOKEN`` and is hashed as soon as the app is made.

Scopes:
    ``admin``: everything.
    ``operator:connector:<name>``: the connector called ``<name>``.
    ``operator:platform:<type>``: every connector of that type (e.g. ``operator:platform:zooniverse``).
    ``partner:<name>``: that partner's subscriptions.
    ``analyst``: read the federated data (dump, SPARQL) and the connector types.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hub.api.problems import ApiError
from hub.api.tables import Table

__all__ = [
    "BOOTSTRAP_ADMIN_ID",
    "SCOPE_PATTERN",
    "Principal",
    "TokenRecord",
    "authenticate",
    "hash_token",
    "new_token",
    "principal_from_scopes",
]

SCOPE_PATTERN = (
    r"^(admin|analyst|operator:connector:[A-Za-z0-9_-]+|operator:platform:[A-Za-z0-9_-]+|partner:[A-Za-z0-9_-]+)$"
)
BOOTSTRAP_ADMIN_ID = "bootstrap-admin"
_TOKEN_RE = re.compile(r"^hub_([0-9a-f]{12})_[A-Za-z0-9_-]{20,}$")


class TokenRecord(BaseModel):
    """A stored token: its id, the hash of the whole token, and what it may do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: list[str]
    description: str = ""
    created_at: datetime


def hash_token(token: str) -> str:
    """The hex SHA-256 of a token (tokens are random and long, so a plain hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """Mint a token: returns ``(id, token)``; store only ``hash_token(token)``."""
    token_id = secrets.token_hex(6)
    return token_id, f"hub_{token_id}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class Principal:
    """Who is calling, and what their scopes let them do."""

    token_id: str
    scopes: tuple[str, ...]
    admin: bool = False
    analyst: bool = False
    connectors: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    partners: frozenset[str] = frozenset()

    @property
    def operator(self) -> bool:
        """Whether the token operates some connectors."""
        return bool(self.connectors or self.platforms)

    def can_operate(self, name: str, connector_type: str) -> bool:
        """Whether this caller may see and change the connector ``name`` of ``connector_type``."""
        return self.admin or name in self.connectors or connector_type in self.platforms

    def can_partner(self, partner: str) -> bool:
        """Whether this caller may see and change the subscriptions of ``partner``."""
        return self.admin or partner in self.partners


def principal_from_scopes(token_id: str, scopes: list[str] | tuple[str, ...]) -> Principal:
    """Read a token's scope strings into a ``Principal``."""
    connectors: set[str] = set()
    platforms: set[str] = set()
    partners: set[str] = set()
    for scope in scopes:
        kind, _, rest = scope.partition(":")
        if kind == "operator":
            what, _, name = rest.partition(":")
            (connectors if what == "connector" else platforms).add(name)
        elif kind == "partner":
            partners.add(rest)
    return Principal(
        token_id=token_id,
        scopes=tuple(scopes),
        admin="admin" in scopes,
        analyst="analyst" in scopes,
        connectors=frozenset(connectors),
        platforms=frozenset(platforms),
        partners=frozenset(partners),
    )


def authenticate(request: web.Request, tokens: Table[TokenRecord], bootstrap_sha256: str | None) -> Principal:
    """The caller of ``request`` from its ``Authorization: Bearer`` header.

    Raises:
        ApiError: 401 when the header is missing, malformed, or names no live token.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send a bearer token: Authorization: Bearer <token>")
    token = token.strip()
    digest = hash_token(token)
    if bootstrap_sha256 is not None and hmac.compare_digest(digest, bootstrap_sha256):
        return principal_from_scopes(BOOTSTRAP_ADMIN_ID, ("admin",))
    match = _TOKEN_RE.match(token)
    record = tokens.get(match.group(1)) if match else None
    if record is None or not hmac.compare_digest(digest, record.sha256):
        raise ApiError(401, "unauthorized", "the bearer token is unknown or revoked")
    return principal_from_scopes(record.id, record.scopes)
