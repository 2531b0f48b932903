"""The console's way to act: it calls the hub's own API, in-process over loopback, with the session's token.

Every check and every effect (scopes, per-field validation, outbound rules, commands to workers) stays in the
API's handlers; the console only turns their answers into pages, so it cannot drift from the API or the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from hub.api.problems import ApiError
from hub.web.security import SESSION_COOKIE, SESSIONS

__all__ = ["ApiAnswer", "api_call", "own_base_url"]

_CLIENT = web.AppKey[aiohttp.ClientSession]("web_api_client")


@dataclass(frozen=True)
class ApiAnswer:
    """What the API said: status and JSON body (``{"error", "detail", "fields"}`` when it refused)."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status < 400

    @property
    def detail(self) -> str:
        """The API's explanation of a refusal."""
        return str(self.body.get("detail", self.body)) if isinstance(self.body, dict) else str(self.body)


def own_base_url(request: web.Request) -> str:
    """The address this server is listening on, from the socket the request came in on."""
    sockname = request.transport.get_extra_info("sockname") if request.transport is not None else None
    if not sockname:
        raise ApiError(503, "unavailable", "the console cannot reach the API: no listening socket")
    host, port = sockname[0], sockname[1]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


async def client_context(app: web.Application) -> Any:
    """Cleanup context: one client session for the app's loopback calls."""
    app[_CLIENT] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    yield
    await app[_CLIENT].close()


async def api_call(request: web.Request, method: str, path: str, body: Any = None) -> ApiAnswer:
    """Call the API as the signed-in person; an anonymous caller gets the API's 401."""
    token = request.app[SESSIONS].token(request.cookies.get(SESSION_COOKIE))
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = orjson.dumps(body)
    async with request.app[_CLIENT].request(method, own_base_url(request) + path, data=data, headers=headers) as answer:
        raw = await answer.read()
        try:
            parsed = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            parsed = raw.decode("utf-8", "replace")
        return ApiAnswer(answer.status, parsed)
