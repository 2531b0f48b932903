"""The HTTP toolkit every connector uses: one shared aiohttp session, limits per host, retries, conditional GETs.

What it does for a connector, so that the platform module does not:

- a total timeout per request, a per-host concurrency limit and request budget (aiolimiter's leaky bucket);
- retries with jittered exponential backoff on 429, 5xx, timeouts, broken connections, truncated bodies and
  bodies that do not decode, honouring ``Retry-After`` (seconds or an HTTP date);
- conditional requests: :class:`ConditionalCache` remembers ``ETag``/``Last-Modified`` per URL, the connector keeps
  it inside its cursor, and a ``304`` returns without reading or parsing a body;
- a cap on the size of a response read into memory;
- a ``User-Agent`` that names the hub;
- classification of failures into :class:`~hub.errors.RetriableConnectorError` and
  :class:`~hub.errors.FatalConnectorError` with a message that says what to do.

Pagination helpers for the styles the platforms use (:func:`paginate` with :func:`next_href`, :func:`page_number`,
:func:`offset_limit` or :func:`id_cursor`) are at the end of this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import orjson
import structlog
from aiolimiter import AsyncLimiter
from multidict import CIMultiDict
from yarl import URL

from hub import __version__
from hub.connectors._parsing import nested_get
from hub.errors import FatalConnectorError, RetriableConnectorError

__all__ = [
    "RETRY_STATUSES",
    "USER_AGENT",
    "ConditionalCache",
    "HostPolicy",
    "HttpClient",
    "Items",
    "NextUrl",
    "Page",
    "Response",
    "Validators",
    "id_cursor",
    "loggable",
    "next_href",
    "offset_limit",
    "page_number",
    "paginate",
    "parse_retry_after",
    "redact_url",
]

log = structlog.get_logger(__name__)

USER_AGENT = f"CitSciHub/{__version__} (+https://github.com/citsci-hub/citsci-hub; citizen-science federation hub)"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """Limits and retry knobs for one host (built from a connector's config)."""

    requests_per_second: float = 4.0
    max_concurrency: int = 4
    timeout_s: float = 30.0
    max_retries: int = 5
    backoff_base_s: float = 0.5
    backoff_max_s: float = 60.0
    max_response_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said to identify a representation, plus the next page it pointed to.

    ``next_url`` lets a paginator walk on past a ``304`` without the body it would have read the link from.
    """

    etag: str | None = None
    last_modified: str | None = None
    next_url: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers these validators allow."""
        out: dict[str, str] = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass
class ConditionalCache:
    """ETag/Last-Modified per URL, small enough to live inside a connector's cursor."""

    entries: dict[str, Validators] = field(default_factory=dict)

    def get(self, url: str) -> Validators | None:
        """The validators stored for ``url``."""
        return self.entries.get(url)

    def put(self, url: str, validators: Validators) -> None:
        """Remember ``validators`` for ``url`` (nothing is stored when the server gave none)."""
        if validators.etag or validators.last_modified:
            self.entries[url] = validators

    def set_next(self, url: str, next_url: str | None) -> None:
        """Record the page after ``url``, for walking past a later ``304``."""
        if url in self.entries:
            current = self.entries[url]
            self.entries[url] = Validators(current.etag, current.last_modified, next_url)

    def to_json(self) -> dict[str, list[str | None]]:
        """A JSON-able form, for a cursor."""
        return {url: [v.etag, v.last_modified, v.next_url] for url, v in self.entries.items()}

    @classmethod
    def from_json(cls, data: object) -> ConditionalCache:
        """Read :meth:`to_json` output back; anything malformed is ignored (the cost is one full fetch)."""
        cache = cls()
        if isinstance(data, Mapping):
            for url, value in data.items():
                if isinstance(url, str) and isinstance(value, list) and len(value) == 3:
                    etag, modified, next_url = (v if isinstance(v, str) else None for v in value)
                    cache.entries[url] = Validators(etag, modified, next_url)
        return cache


@dataclass(frozen=True, slots=True)
class Response:
    """A completed response: either ``not_modified`` (a 304, no body) or a body within the size cap."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    data: Any = None

    @property
    def not_modified(self) -> bool:
        """Whether the server answered ``304 Not Modified``."""
        return self.status == 304


class _RetryableFailureError(Exception):
    """Internal: this attempt failed in a way that a later attempt may not."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass
class _Host:
    policy: HostPolicy
    semaphore: asyncio.Semaphore
    limiter: AsyncLimiter


def _limiter(requests_per_second: float) -> AsyncLimiter:
    # aiolimiter refuses to acquire more than max_rate at once, so a budget under 1/s is 1 per 1/rate seconds.
    if requests_per_second < 1:
        return AsyncLimiter(1, 1 / requests_per_second)
    return AsyncLimiter(requests_per_second, 1)


#: Query parameters that carry credentials; their values never reach a log, an error or a record's source_url.
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "access_token", "auth", "signature", "sig"})


def redact_url(url: str) -> str:
    """``url`` with the values of credential parameters (``key``, ``token``, ...) replaced by ``***``."""
    parsed = URL(url)
    if not any(name.lower() in SECRET_PARAMS for name in parsed.query):
        return url
    query = [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in parsed.query.items()]
    return str(parsed.with_query(query))


def loggable(url: str) -> str:
    """The path and query of ``url`` for logs and error messages, credentials redacted."""
    return URL(redact_url(url)).path_qs


def _host_key(url: str) -> str:
    parsed = URL(url)
    return f"{parsed.host}:{parsed.port}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _fatal_message(status: int, path: str) -> str:
    if status == 401:
        return f"401 on {path}: the platform refused the credentials; set a valid token in the connector config"
    if status == 403:
        return f"403 on {path}: the credentials lack access to this resource; ask the platform for the scope"
    if status == 404:
        return f"404 on {path}: no such resource; check base_url and the ids in the connector config"
    if status == 410:
        return f"410 on {path}: the platform removed this endpoint; the connector needs updating"
    return f"{status} on {path}: the platform rejected the request; check the connector config"


class HttpClient:
    """Requests on one shared :class:`aiohttp.ClientSession`, with limits per host and retries.

    Args:
        session: the process's one session (the caller owns and closes it); None for a connector that only maps
            (a worker process of ``hub.stream.map_pool``), which then fails on any request.
        user_agent: sent with every request.
        sleep: awaited for each backoff (injectable so tests need not wait).
        jitter: returns a float in [0, 1); scales each backoff (full jitter).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        *,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._session = session
        self.user_agent = user_agent
        self._sleep = sleep
        self._jitter = jitter
        self._hosts: dict[str, _Host] = {}
        self.requests_sent = 0
        #: Requests answered ``304 Not Modified`` (a conditional request that cost no read).
        self.not_modified = 0

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session requests go through."""
        if self._session is None:
            raise RuntimeError("this HTTP client has no session: it belongs to a connector that only maps records")
        return self._session

    def configure_host(self, url: str, policy: HostPolicy) -> None:
        """Set the limits for the host of ``url``; the first connector to configure a host decides its limits."""
        key = _host_key(url)
        if key not in self._hosts:
            self._hosts[key] = _Host(
                policy, asyncio.Semaphore(policy.max_concurrency), _limiter(policy.requests_per_second)
            )

    def policy_for(self, url: str) -> HostPolicy:
        """The policy in force for the host of ``url`` (the defaults if none was configured)."""
        return self._host(url).policy

    def _host(self, url: str) -> _Host:
        key = _host_key(url)
        if key not in self._hosts:
            self.configure_host(url, HostPolicy())
        return self._hosts[key]

    def _backoff(self, policy: HostPolicy, attempt: int, retry_after_s: float | None) -> float:
        exponential = min(policy.backoff_max_s, policy.backoff_base_s * 2.0**attempt)
        jittered = exponential * self._jitter()
        if retry_after_s is not None:
            # The server said when; add a little jitter on top so that many workers do not return at once.
            return min(policy.backoff_max_s, retry_after_s) + jittered * 0.1
        return jittered

    async def get(
        self,
        url: str,
        *,
        connector: str,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        cache: ConditionalCache | None = None,
        decode_json: bool = True,
        secret_params: Mapping[str, str | int] | None = None,
    ) -> Response:
        """GET ``url`` with retries; decode the body as JSON unless told not to.

        Args:
            url: absolute URL.
            connector: the connector's name, for errors and logs.
            params: query parameters added to ``url`` (part of the resource's URL, as if written in it).
            headers: extra request headers (e.g. ``Accept``, ``Authorization``).
            cache: when given, send the stored validators and store the new ones; a 304 comes back as
                ``Response.not_modified`` with no body read.
            secret_params: query parameters for this request only, such as an API key: they stay out of the cache
                key, ``Response.url``, logs and errors.
            decode_json: parse the body with orjson into ``Response.data``; a body that does not parse is
                retried like a 5xx (proxies truncate), then reported as retriable.

        Raises:
            RetriableConnectorError: retries ran out on 429/5xx/timeouts/broken or undecodable bodies.
            FatalConnectorError: 401, 403 or another 4xx, or a body over the size cap.
        """
        if params:
            url = str(URL(url).update_query(params))
        request_url = str(URL(url).update_query(secret_params)) if secret_params else url
        path = loggable(url)
        host = self._host(url)
        policy = host.policy
        last_reason = ""
        for attempt in range(policy.max_retries + 1):
            try:
                return await self._attempt(url, request_url, path, host, connector, headers, cache, decode_json)
            except _RetryableFailureError as failure:
                last_reason = failure.reason
                if attempt == policy.max_retries:
                    break
                wait = self._backoff(policy, attempt, failure.retry_after_s)
                log.info("http.retry", connector=connector, path=path, reason=failure.reason, wait_s=round(wait, 3))
                await self._sleep(wait)
        raise RetriableConnectorError(
            f"{last_reason}; gave up after {policy.max_retries + 1} attempts, will resume from the last cursor",
            connector=connector,
        )

    async def _attempt(
        self,
        url: str,
        request_url: str,
        path: str,
        host: _Host,
        connector: str,
        headers: Mapping[str, str] | None,
        cache: ConditionalCache | None,
        decode_json: bool,
    ) -> Response:
        policy = host.policy
        request_headers = {"User-Agent": self.user_agent, **(headers or {})}
        validators = cache.get(url) if cache else None
        if validators:
            request_headers.update(validators.headers())
        async with host.semaphore:
            await host.limiter.acquire()
            self.requests_sent += 1
            try:
                async with self.session.get(
                    request_url, headers=request_headers, timeout=aiohttp.ClientTimeout(total=policy.timeout_s)
                ) as resp:
                    self._check_status(resp, path, connector)
                    response_headers = CIMultiDict(resp.headers)
                    if resp.status == 304:
                        self.not_modified += 1
                        return Response(url, 304, response_headers)
                    body = await self._read_capped(resp, path, connector, policy.max_response_bytes)
            except TimeoutError as exc:
                raise _RetryableFailureError(f"timeout after {policy.timeout_s}s on {path}") from exc
            except aiohttp.ClientPayloadError as exc:
                raise _RetryableFailureError(f"truncated body on {path} ({exc})") from exc
            except aiohttp.ClientConnectionError as exc:
                raise _RetryableFailureError(f"connection failed on {path} ({exc})") from exc
        data: Any = None
        if decode_json:
            try:
                data = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise _RetryableFailureError(f"JSON on {path} does not parse ({exc})") from exc
        if cache is not None:
            cache.put(url, Validators(response_headers.get("ETag"), response_headers.get("Last-Modified")))
        return Response(url, resp.status, response_headers, body, data)

    @staticmethod
    def _check_status(resp: aiohttp.ClientResponse, path: str, connector: str) -> None:
        status = resp.status
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            raise _RetryableFailureError(f"{status} on {path}", retry_after)
        if 400 <= status < 600:
            raise FatalConnectorError(_fatal_message(status, path), connector=connector)

    @staticmethod
    async def _read_capped(resp: aiohttp.ClientResponse, path: str, connector: str, limit: int) -> bytes:
        too_big = (
            f"response on {path} exceeds max_response_bytes={limit}; lower page_size or raise the limit in the config"
        )
        if resp.content_length is not None and resp.content_length > limit:
            raise FatalConnectorError(too_big, connector=connector)
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_READ_CHUNK):
            size += len(chunk)
            if size > limit:
                raise FatalConnectorError(too_big, connector=connector)
            chunks.append(chunk)
        return b"".join(chunks)

    @contextlib.asynccontextmanager
    async def stream(
        self,
        url: str,
        *,
        connector: str,
        headers: Mapping[str, str] | None = None,
        cache: ConditionalCache | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse | None]:
        """Open ``url`` for streaming a body of any size (no size cap); yields ``None`` on a 304.

        Connecting and the status are retried as in :meth:`get`; a failure while the body streams raises
        :class:`RetriableConnectorError` (the connector resumes from the cursor of the last committed batch).
        The validators are stored in ``cache`` as soon as the status is known.
        """
        path = loggable(url)
        host = self._host(url)
        policy = host.policy
        request_headers = {"User-Agent": self.user_agent, **(headers or {})}
        validators = cache.get(url) if cache else None
        if validators:
            request_headers.update(validators.headers())
        resp: aiohttp.ClientResponse | None = None
        last_reason = ""
        for attempt in range(policy.max_retries + 1):
            try:
                async with host.semaphore:
                    await host.limiter.acquire()
                    self.requests_sent += 1
                    resp = await self.session.get(
                        url,
                        headers=request_headers,
                        # No total limit for a whole file; connecting, or any read, stalling past timeout_s fails.
                        timeout=aiohttp.ClientTimeout(
                            total=None, sock_connect=policy.timeout_s, sock_read=policy.timeout_s
                        ),
                    )
                try:
                    self._check_status(resp, path, connector)
                except BaseException:
                    resp.release()
                    raise
                break
            except _RetryableFailureError as failure:
                last_reason = failure.reason
                retry_after = failure.retry_after_s
            except TimeoutError:
                last_reason, retry_after = f"timeout after {policy.timeout_s}s on {path}", None
            except aiohttp.ClientConnectionError as exc:
                last_reason, retry_after = f"connection failed on {path} ({exc})", None
            resp = None
            if attempt < policy.max_retries:
                wait = self._backoff(policy, attempt, retry_after)
                log.info("http.retry", connector=connector, path=path, reason=last_reason, wait_s=round(wait, 3))
                await self._sleep(wait)
        if resp is None:
            raise RetriableConnectorError(
                f"{last_reason}; gave up after {policy.max_retries + 1} attempts, will resume from the last cursor",
                connector=connector,
            )
        try:
            if resp.status == 304:
                yield None
                return
            if cache is not None:
                cache.put(url, Validators(resp.headers.get("ETag"), resp.headers.get("Last-Modified")))
            try:
                yield resp
            except (TimeoutError, aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
                raise RetriableConnectorError(
                    f"stream of {path} broke off ({exc!r}); will resume from the last cursor", connector=connector
                ) from exc
        finally:
            resp.release()


# ---------------------------------------------------------------------------------------------------------------
# Pagination. A paginator walks pages by asking a ``NextUrl`` function for the page after each one. Totals and page
# counts are never trusted (Panoptes reports fake ones): a walk ends when the platform gives no next link or an
# empty page.

NextUrl = Callable[[str, Any], "str | None"]
"""Given a page's URL and its decoded body, the URL of the next page, or ``None`` at the end."""

Items = Callable[[Any], "list[Any]"]
"""Given a decoded page body, its list of records."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: its decoded body, or ``not_modified`` with no body after a 304."""

    url: str
    data: Any
    not_modified: bool
    next_url: str | None


async def paginate(
    http: HttpClient,
    first_url: str,
    *,
    next_url: NextUrl,
    connector: str,
    headers: Mapping[str, str] | None = None,
    secret_params: Mapping[str, str | int] | None = None,
    cache: ConditionalCache | None = None,
) -> AsyncIterator[Page]:
    """Yield the pages of a listing from ``first_url`` on.

    With a ``cache``, each page is requested conditionally; past a 304 the walk goes on to the next URL remembered
    from the last time that page was read, so an unchanged listing costs one conditional request per page and no
    parsing.

    Raises:
        FatalConnectorError: the platform's next links loop back to a page already read in this walk.
        RetriableConnectorError, FatalConnectorError: from :meth:`HttpClient.get`.
    """
    url: str | None = first_url
    visited: set[str] = set()
    while url is not None:
        if url in visited:
            raise FatalConnectorError(
                f"pagination loops back to {loggable(url)}; the platform's links are broken", connector=connector
            )
        visited.add(url)
        resp = await http.get(url, connector=connector, headers=headers, secret_params=secret_params, cache=cache)
        if resp.not_modified:
            stored = cache.get(url) if cache else None
            page = Page(url, None, True, stored.next_url if stored else None)
        else:
            page = Page(url, resp.data, False, next_url(url, resp.data))
            if cache is not None:
                cache.set_next(url, page.next_url)
        yield page
        url = page.next_url


def next_href(api_root: str, resource: str) -> NextUrl:
    """JSON-API paging as Panoptes does it: follow ``meta.<resource>.next_href``, relative to ``api_root``."""
    root = api_root.rstrip("/")

    def _next(_url: str, data: Any) -> str | None:
        href = nested_get(data, "meta", resource, "next_href")
        if not isinstance(href, str) or not href:
            return None
        return href if href.startswith(("http://", "https://")) else root + "/" + href.lstrip("/")

    return _next


def page_number(items: Items, *, page_param: str = "page", first_page: int = 1) -> NextUrl:
    """``?page=N`` paging: the next page number until a page comes back empty (totals are not trusted)."""

    def _next(url: str, data: Any) -> str | None:
        if not items(data):
            return None
        current = URL(url).query.get(page_param)
        number = int(current) if current and current.isdigit() else first_page
        return str(URL(url).update_query({page_param: number + 1}))

    return _next


def offset_limit(items: Items, *, offset_param: str = "offset") -> NextUrl:
    """``?offset=N&limit=M`` paging: advance by the number of records received until a page is empty."""

    def _next(url: str, data: Any) -> str | None:
        received = len(items(data))
        if not received:
            return None
        current = URL(url).query.get(offset_param)
        offset = int(current) if current and current.isdigit() else 0
        return str(URL(url).update_query({offset_param: offset + received}))

    return _next


def id_cursor(items: Items, id_of: Callable[[Any], str], *, param: str = "last_id") -> NextUrl:
    """Id-cursor paging (``?last_id=<id of the last record>``) until a page is empty."""

    def _next(url: str, data: Any) -> str | None:
        records = items(data)
        if not records:
            return None
        return str(URL(url).update_query({param: id_of(records[-1])}))

    return _next
