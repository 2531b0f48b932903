"""A replay platform: an aiohttp app whose handlers serve fixtures, with the platform's misbehaviour on demand.

`Replay` is the switchboard a test holds: it logs every request (with whether it was conditional), injects faults
on a path (429 with Retry-After, 503, a truncated body, JSON that does not parse), and tells the handlers to serve
an empty platform or one malformed record. `conditional` answers 304 when the request's validators match, as a
real server with ETags does.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson
from aiohttp import web

FIXTURES = Path(__file__).parent / "fixtures"

Fault = Literal["429", "503", "500", "truncated", "badjson"] | None
"""What to do to one request on a faulty path; ``None`` lets that request through."""


def fixture_bytes(platform: str, name: str) -> bytes:
    """A fixture file's bytes."""
    return (FIXTURES / platform / name).read_bytes()


def fixture_json(platform: str, name: str) -> Any:
    """A fixture file, decoded."""
    return orjson.loads(fixture_bytes(platform, name))


@dataclass(frozen=True)
class Logged:
    """One request the replay server saw."""

    path: str
    path_qs: str
    conditional: bool
    fault: Fault


@dataclass
class Replay:
    """The state of one replay server: request log, pending faults, and how the platform should look."""

    requests: list[Logged] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    sticky: dict[str, Fault] = field(default_factory=dict)
    empty: bool = False
    malformed: bool = False

    def fail(self, path: str, *faults: Fault) -> None:
        """The next requests to ``path`` meet ``faults`` in turn (``None`` passes one through)."""
        self.faults.setdefault(path, deque()).extend(faults)

    def fail_always(self, path: str, fault: Fault) -> None:
        """Every request to ``path`` meets ``fault`` until :meth:`heal`."""
        self.sticky[path] = fault

    def heal(self) -> None:
        """Remove every pending fault."""
        self.faults.clear()
        self.sticky.clear()

    def mark(self) -> int:
        """A position in the request log, to look at the requests made after it."""
        return len(self.requests)

    def since(self, mark: int) -> list[Logged]:
        """The requests made after ``mark``."""
        return self.requests[mark:]

    def _next_fault(self, path: str) -> Fault:
        queue = self.faults.get(path)
        if queue:
            return queue.popleft()
        return self.sticky.get(path)


REPLAY = web.AppKey("replay", Replay)


async def _apply_fault(request: web.Request, fault: Fault, handler: Callable[[web.Request], Awaitable[Any]]) -> Any:
    if fault == "429":
        return web.Response(status=429, headers={"Retry-After": "1"}, text="Too Many Requests")
    if fault in ("503", "500"):
        return web.Response(status=int(fault), text="Service Unavailable")
    real = await handler(request)
    body = real.body if isinstance(real, web.Response) and isinstance(real.body, bytes) else b""
    if fault == "badjson":
        return web.Response(body=body[: max(1, len(body) // 2)] + b"<!-- proxy error -->", content_type="text/html")
    # "truncated": promise the whole body, send 60% of it, drop the connection.
    resp = web.StreamResponse(status=200, headers={"Content-Length": str(len(body)), "Content-Type": real.content_type})
    await resp.prepare(request)
    await resp.write(body[: int(len(body) * 0.6)])
    if request.transport is not None:
        request.transport.close()
    return resp


@web.middleware
async def replay_middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]) -> Any:
    """Log the request and apply the next fault pending for its path."""
    replay = request.app[REPLAY]
    fault = replay._next_fault(request.path)
    conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
    replay.requests.append(Logged(request.path, request.path_qs, conditional, fault))
    if fault is None:
        return await handler(request)
    return await _apply_fault(request, fault, handler)


def replay_app(replay: Replay) -> web.Application:
    """An empty app wired to ``replay``; the platform module adds its routes."""
    app = web.Application(middlewares=[replay_middleware])
    app[REPLAY] = replay
    return app


def conditional(
    request: web.Request,
    body: bytes,
    *,
    content_type: str = "application/json",
    last_modified: str | None = None,
) -> web.Response:
    """Serve ``body`` with a strong ETag (its MD5, as Panoptes does); 304 when the client's validators match."""
    etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'
    if request.headers.get("If-None-Match") == etag or (
        last_modified is not None and request.headers.get("If-Modified-Since") == last_modified
    ):
        return web.Response(status=304, headers={"ETag": etag})
    headers = {"ETag": etag}
    if last_modified is not None:
        headers["Last-Modified"] = last_modified
    response = web.Response(body=body, headers=headers)
    # Set the raw header so that parameters such as Panoptes' "version=1" survive.
    response.headers["Content-Type"] = content_type
    return response
