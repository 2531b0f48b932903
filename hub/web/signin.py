"""Sign-in for people: paste a token once, get a cookie session; sign out ends it."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from hub.web.render import page
from hub.web.security import SESSION_COOKIE, SESSIONS, check_csrf, is_secure, principal_for_token

__all__ = ["routes"]

routes = web.RouteTableDef()


def _local(target: str) -> str:
    """``target`` when it is a path on this site, else ``/`` (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    """The sign-in form."""
    return page(request, "login.html", {"next": _local(request.query.get("next", "/console"))})


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    """Check the pasted token as the API would, then start a session and go on to ``next``."""
    await check_csrf(request)
    form = await request.post()
    token = str(form.get("token", "")).strip()
    target = _local(str(form.get("next", "/console")))
    principal = principal_for_token(request, token) if token else None
    if principal is None:
        return page(
            request,
            "login.html",
            {"next": target, "error": "That token is unknown, revoked or malformed."},
            status=401,
        )
    sessions = request.app[SESSIONS]
    sessions.end(request.cookies.get(SESSION_COOKIE))  # a new id at every sign-in (no session fixation)
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        SESSION_COOKIE, sessions.create(token), httponly=True, samesite="Lax", secure=is_secure(request), path="/"
    )
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session."""
    await check_csrf(request)
    request.app[SESSIONS].end(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
