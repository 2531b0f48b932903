"""The HTTP toolkit against a local aiohttp server: retries, Retry-After, conditional requests, limits, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.connectors._http import (
    USER_AGENT,
    ConditionalCache,
    HostPolicy,
    HttpClient,
    id_cursor,
    next_href,
    offset_limit,
    page_number,
    paginate,
    parse_retry_after,
)
from hub.errors import FatalConnectorError, RetriableConnectorError

ServerFactory = Callable[[web.Application], Any]


class Sleeps:
    """Records the backoffs instead of waiting them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client(session: aiohttp.ClientSession, sleeps: Sleeps, server: TestServer, **policy: Any) -> HttpClient:
    http = HttpClient(session, sleep=sleeps, jitter=lambda: 0.5)
    http.configure_host(str(server.make_url("/")), HostPolicy(backoff_base_s=1.0, **policy))
    return http


def sequence(*responses: Callable[[], web.StreamResponse]) -> Callable[[web.Request], Any]:
    """A handler that answers with the given responses in turn, then repeats the last one."""
    calls = {"n": 0}

    async def handler(request: web.Request) -> web.StreamResponse:
        i = min(calls["n"], len(responses) - 1)
        calls["n"] += 1
        return responses[i]()

    return handler


async def test_429_waits_for_retry_after_then_succeeds(aiohttp_server, session, sleeps):
    """A 429 with Retry-After: 7 is retried after about 7 seconds, then the page is returned."""
    app = web.Application()
    app.router.add_get(
        "/p",
        sequence(lambda: web.Response(status=429, headers={"Retry-After": "7"}), lambda: web.json_response({"a": 1})),
    )
    server = await aiohttp_server(app)
    http = client(session, sleeps, server)
    resp = await http.get(str(server.make_url("/p")), connector="t")
    assert resp.data == {"a": 1}
    assert len(sleeps.waits) == 1
    assert 7.0 <= sleeps.waits[0] < 7.5


async def test_503_then_success_backs_off_exponentially(aiohttp_server, session, sleeps):
    """Two 503s are retried with growing, jittered waits (1*0.5, then 2*0.5 with jitter 0.5)."""
    app = web.Application()
    app.router.add_get(
        "/p",
        sequence(lambda: web.Response(status=503), lambda: web.Response(status=503), lambda: web.json_response([1])),
    )
    server = await aiohttp_server(app)
    resp = await client(session, sleeps, server).get(str(server.make_url("/p")), connector="t")
    assert resp.data == [1]
    assert sleeps.waits == [0.5, 1.0]


async def test_retries_run_out_as_retriable_error(aiohttp_server, session, sleeps):
    """A platform that keeps answering 502 gives RetriableConnectorError naming the status and the path."""
    app = web.Application()
    app.router.add_get("/down", sequence(lambda: web.Response(status=502)))
    server = await aiohttp_server(app)
    http = client(session, sleeps, server, max_retries=2)
    with pytest.raises(RetriableConnectorError, match=r"502 on /down; gave up after 3 attempts") as info:
        await http.get(str(server.make_url("/down")), connector="zoo")
    assert info.value.connector == "zoo"
    assert len(sleeps.waits) == 2


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "refused the credentials"), (403, "lack access"), (404, "check base_url"), (422, "rejected the request")],
)
async def test_4xx_is_fatal_with_a_hint(aiohttp_server, session, sleeps, status, hint):
    """401, 403 and other 4xx stop the run at once, with a message saying what to fix."""
    app = web.Application()
    app.router.add_get("/api/me", sequence(lambda: web.Response(status=status)))
    server = await aiohttp_server(app)
    with pytest.raises(FatalConnectorError, match=rf"{status} on /api/me: .*{hint}"):
        await client(session, sleeps, server).get(str(server.make_url("/api/me")), connector="t")
    assert sleeps.waits == []


async def test_unparseable_json_is_retried(aiohttp_server, session, sleeps):
    """A page whose JSON does not parse is fetched again; the good copy is returned."""
    app = web.Application()
    app.router.add_get(
        "/p",
        sequence(
            lambda: web.Response(body=b'{"projects": [', content_type="application/json"),
            lambda: web.json_response({"projects": []}),
        ),
    )
    server = await aiohttp_server(app)
    resp = await client(session, sleeps, server).get(str(server.make_url("/p")), connector="t")
    assert resp.data == {"projects": []}
    assert len(sleeps.waits) == 1


async def test_truncated_body_is_retried(aiohttp_server, session, sleeps):
    """A body cut short of its Content-Length (connection dropped) is retried."""
    calls = {"n": 0}

    async def handler(request: web.Request) -> web.StreamResponse:
        calls["n"] += 1
        if calls["n"] == 1:
            resp = web.StreamResponse(headers={"Content-Length": "1000", "Content-Type": "application/json"})
            await resp.prepare(request)
            await resp.write(b'{"projects": [{"id": "1"')
            assert request.transport is not None
            request.transport.close()
            return resp
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/p", handler)
    server = await aiohttp_server(app)
    resp = await client(session, sleeps, server).get(str(server.make_url("/p")), connector="t")
    assert resp.data == {"ok": True}
    assert calls["n"] == 2


async def test_conditional_request_304_reads_no_body(aiohttp_server, session, sleeps):
    """The second GET sends If-None-Match from the cache; the 304 comes back as not_modified with no data."""
    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.json_response({"a": 1}, headers={"ETag": '"v1"', "Last-Modified": "Wed, 27 Jan 2016 16:13:39 GMT"})

    app = web.Application()
    app.router.add_get("/p", handler)
    server = await aiohttp_server(app)
    http = client(session, sleeps, server)
    cache = ConditionalCache()
    url = str(server.make_url("/p"))
    first = await http.get(url, connector="t", cache=cache)
    # The cache survives a round trip through a cursor.
    cache = ConditionalCache.from_json(cache.to_json())
    second = await http.get(url, connector="t", cache=cache)
    assert first.data == {"a": 1}
    assert second.not_modified
    assert second.data is None
    assert seen == [None, '"v1"']


async def test_response_over_the_cap_is_fatal(aiohttp_server, session, sleeps):
    """A response larger than max_response_bytes stops the run with a hint to lower page_size."""
    app = web.Application()
    app.router.add_get("/big", sequence(lambda: web.Response(body=b"[" + b"1," * 3000 + b"1]")))
    server = await aiohttp_server(app)
    http = client(session, sleeps, server, max_response_bytes=2048)
    with pytest.raises(FatalConnectorError, match="exceeds max_response_bytes=2048; lower page_size"):
        await http.get(str(server.make_url("/big")), connector="t")


async def test_user_agent_names_the_hub(aiohttp_server, session, sleeps):
    """Every request carries the hub's User-Agent."""
    agents: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        agents.append(request.headers["User-Agent"])
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/p", handler)
    server = await aiohttp_server(app)
    await client(session, sleeps, server).get(str(server.make_url("/p")), connector="t")
    assert agents == [USER_AGENT]
    assert USER_AGENT.startswith("CitSciHub/")


async def test_concurrency_limit_per_host(aiohttp_server, session, sleeps):
    """No more than max_concurrency requests to one host are in flight at once."""
    import asyncio

    state = {"now": 0, "peak": 0}

    async def handler(request: web.Request) -> web.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/p", handler)
    server = await aiohttp_server(app)
    http = client(session, sleeps, server, max_concurrency=2, requests_per_second=1000)
    url = str(server.make_url("/p"))
    await asyncio.gather(*(http.get(url, connector="t") for _ in range(8)))
    assert state["peak"] == 2


def test_retry_after_http_date():
    """Retry-After as an HTTP date gives the seconds until then; garbage gives None."""
    from datetime import UTC, datetime

    now = datetime(2016, 1, 27, 16, 13, 30, tzinfo=UTC)
    assert parse_retry_after("Wed, 27 Jan 2016 16:13:39 GMT", now=now) == 9.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_paginators_follow_each_style(aiohttp_server, session, sleeps):
    """next_href, page/per_page, offset/limit and id cursors each walk three pages and stop at the end."""
    data = [{"id": str(i)} for i in range(1, 6)]

    async def jsonapi(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        nxt = f"/items?page={page + 1}" if page < 3 else None
        # Fake counts, as Panoptes sends on classifications: they must be ignored.
        return web.json_response(
            {
                "items": data[(page - 1) * 2 : page * 2],
                "meta": {"items": {"next_href": nxt, "page_count": 0, "count": 0}},
            }
        )

    async def numbered(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        return web.json_response({"entities": data[(page - 1) * 2 : page * 2], "total": 999})

    async def offset(request: web.Request) -> web.Response:
        start = int(request.query.get("offset", "0"))
        return web.json_response(data[start : start + 2])

    async def by_id(request: web.Request) -> web.Response:
        after = int(request.query.get("last_id", "0"))
        return web.json_response([d for d in data if int(d["id"]) > after][:2])

    app = web.Application()
    app.router.add_get("/api/items", jsonapi)
    app.router.add_get("/numbered", numbered)
    app.router.add_get("/offset", offset)
    app.router.add_get("/byid", by_id)
    server = await aiohttp_server(app)
    http = client(session, sleeps, server, requests_per_second=1000)

    async def ids(first: str, nxt: Any, items: Callable[[Any], list[Any]]) -> list[str]:
        out: list[str] = []
        async for page in paginate(http, str(server.make_url(first)), next_url=nxt, connector="t"):
            out.extend(r["id"] for r in items(page.data))
        return out

    expected = ["1", "2", "3", "4", "5"]
    assert await ids("/api/items", next_href(str(server.make_url("/api")), "items"), lambda d: d["items"]) == expected
    entities = lambda d: d["entities"]  # noqa: E731
    assert await ids("/numbered?page=1", page_number(entities), entities) == expected
    assert await ids("/offset?limit=2", offset_limit(lambda d: d), lambda d: d) == expected
    assert await ids("/byid", id_cursor(lambda d: d, lambda r: r["id"]), lambda d: d) == expected


async def test_paginate_walks_past_304_using_remembered_links(aiohttp_server, session, sleeps):
    """On an unchanged listing every page answers 304 and the walk still reaches the last page."""
    requests: list[tuple[str, str | None]] = []

    async def handler(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        requests.append((request.query.get("page", "1"), request.headers.get("If-None-Match")))
        etag = f'"p{page}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.json_response({"entities": [page] if page <= 2 else []}, headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/list", handler)
    server = await aiohttp_server(app)
    http = client(session, sleeps, server, requests_per_second=1000)
    cache = ConditionalCache()
    nxt = page_number(lambda d: d["entities"])
    first = [
        p async for p in paginate(http, str(server.make_url("/list?page=1")), next_url=nxt, connector="t", cache=cache)
    ]
    second = [
        p async for p in paginate(http, str(server.make_url("/list?page=1")), next_url=nxt, connector="t", cache=cache)
    ]
    assert [p.not_modified for p in first] == [False, False, False]
    assert [p.not_modified for p in second] == [True, True, True]
    assert requests[3:] == [("1", '"p1"'), ("2", '"p2"'), ("3", '"p3"')]


async def test_pagination_loop_is_fatal(aiohttp_server, session, sleeps):
    """A next link that points back to an earlier page stops the walk instead of looping forever."""
    app = web.Application()
    app.router.add_get("/api/items", sequence(lambda: web.json_response({"meta": {"items": {"next_href": "/items"}}})))
    server = await aiohttp_server(app)
    http = client(session, sleeps, server)
    nxt = next_href(str(server.make_url("/api")), "items")
    with pytest.raises(FatalConnectorError, match="loops back"):
        [p async for p in paginate(http, str(server.make_url("/api/items")), next_url=nxt, connector="t")]


async def test_credential_params_stay_out_of_urls_logs_and_errors(aiohttp_server, session, sleeps):
    """A key passed as a secret param reaches the server but not the cache, the response URL or errors."""
    keys: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        keys.append(request.query.get("key"))
        if len(keys) == 1:
            return web.json_response({"page": 1}, headers={"ETag": '"e1"'})
        return web.Response(status=403)

    app = web.Application()
    app.router.add_get("/finder", handler)
    server = await aiohttp_server(app)
    http = client(session, sleeps, server)
    cache = ConditionalCache()
    url = str(server.make_url("/finder?page=1"))
    resp = await http.get(url, connector="t", secret_params={"key": "s3cr3t"}, cache=cache)
    assert resp.url == url
    assert list(cache.to_json()) == [url]
    with pytest.raises(FatalConnectorError) as info:
        await http.get(str(server.make_url("/finder?page=2&key=s3cr3t")), connector="t")
    assert keys == ["s3cr3t", "s3cr3t"]
    assert "s3cr3t" not in str(info.value)
    assert "key=***" in str(info.value)
