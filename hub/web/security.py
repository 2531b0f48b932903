"""Security of the HTML pages: response headers on every answer, cookie sessions, and CSRF on every form.

A person signs in by pasting a token once; the server keeps the token in memory under a random session id and
re-checks it on every request (a revoked token ends the session), and the browser holds only the id, in an
HttpOnly, SameSite=Lax cookie that is Secure when the request came over HTTPS. Every form carries the visitor's
CSRF token (a second, SameSite=Strict cookie compared with the form field in constant time).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Middleware

from hub.api.auth import Principal, authenticate
from hub.api.keys import BOOTSTRAP_HASH, REGISTRY
from hub.api.problems import ApiError

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "Sessions",
    "check_csrf",
    "csrf_token",
    "is_secure",
    "security_headers",
    "web_principal",
]

SESSION_COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"
_CSRF_KEY = web.RequestKey[str]("web_csrf")
_SESSION_TTL_S = 8 * 3600

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class _Session:
    token: str
    expires_at: float


class Sessions:
    """Server-side sessions: session id -> the pasted token, for ``_SESSION_TTL_S`` seconds."""

    def __init__(self) -> None:
        self._sessions: dict[str, _Session] = {}

    def create(self, token: str) -> str:
        """Start a session for ``token``; returns its new random id."""
        now = time.monotonic()
        for sid in [sid for sid, s in self._sessions.items() if s.expires_at < now]:
            del self._sessions[sid]
        sid = secrets.token_urlsafe(32)
        self._sessions[sid] = _Session(token, now + _SESSION_TTL_S)
        return sid

    def token(self, sid: str | None) -> str | None:
        """The token of a live session, or None."""
        session = self._sessions.get(sid or "")
        if session is None or session.expires_at < time.monotonic():
            return None
        return session.token

    def end(self, sid: str | None) -> None:
        """End the session (logout)."""
        self._sessions.pop(sid or "", None)


SESSIONS = web.AppKey[Sessions]("web_sessions")


def is_secure(request: web.Request) -> bool:
    """Whether the browser talks HTTPS to us (directly, or through a proxy that says so)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def web_principal(request: web.Request) -> Principal | None:
    """Who the session's token belongs to, or None when signed out (or the token was revoked)."""
    token = request.app[SESSIONS].token(request.cookies.get(SESSION_COOKIE))
    if token is None:
        return None
    return principal_for_token(request, token)


def principal_for_token(request: web.Request, token: str) -> Principal | None:
    """The principal of ``token`` exactly as the API would authenticate it, or None when it is not valid."""
    # `authenticate` reads only the request's headers; a request whose form was read cannot be cloned.
    probe = cast(web.Request, SimpleNamespace(headers={"Authorization": f"Bearer {token}"}))
    try:
        return authenticate(probe, request.app[REGISTRY].tokens, request.app[BOOTSTRAP_HASH])
    except ApiError:
        return None


def csrf_token(request: web.Request) -> str:
    """The visitor's CSRF token (made on first use; `security_headers` sets its cookie)."""
    token = request.get(_CSRF_KEY)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request[_CSRF_KEY] = token
    return token


async def check_csrf(request: web.Request) -> None:
    """Refuse a form POST whose ``csrf`` field does not match the visitor's cookie.

    Raises:
        ApiError: 403, missing or wrong token.
    """
    form = await request.post()
    sent = str(form.get("csrf", ""))
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not sent or not cookie or not hmac.compare_digest(sent, cookie):
        raise ApiError(403, "csrf", "the form's CSRF token is missing or stale: reload the page and send it again")


def _csp(tile_origin: str | None) -> str:
    images = "'self' data:" + (f" {tile_origin}" if tile_origin else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def security_headers(tile_origin: str | None) -> Middleware:
    """Middleware: CSP, frame-ancestors, nosniff and friends on every response; the CSRF cookie when new."""
    policy = _csp(tile_origin)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
            _headers(response, policy)
            raise
        _headers(response, policy)
        token = request.get(_CSRF_KEY)
        if token is not None and request.cookies.get(CSRF_COOKIE) != token and not response.prepared:
            response.set_cookie(
                CSRF_COOKIE, token, httponly=True, samesite="Strict", secure=is_secure(request), path="/"
            )
        return response

    return middleware


def _headers(response: web.StreamResponse, policy: str) -> None:
    if response.prepared:
        return
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
