"""JSON errors for every failure the API reports, and request-body parsing that names the bad fields.

Every error body has one shape, ``{"error": ..., "detail": ..., "fields": [...]}``, whatever raised it: a
handler, aiohttp itself (404, 405, 413) or an unexpected exception (500, whose detail hides the cause).
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import orjson
import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from hub.errors import StreamError

__all__ = ["ApiError", "ErrorBody", "FieldError", "error_middleware", "field_errors", "parse_body", "plain_traceback"]

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def plain_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without frame locals.

    The hub's JSON logs render ``exc_info`` with local variables, and a local may hold a connector config with
    its secrets; the API and the scheduler log this text instead.
    """
    return "".join(traceback.format_exception(exc))


class FieldError(BaseModel):
    """One invalid field of a request: where it is (dotted path) and what is wrong with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    error: str
    detail: str
    fields: list[FieldError] = []


class ApiError(Exception):
    """An error the API reports to its client as JSON with the given status.

    Attributes:
        status: HTTP status code.
        error: short machine-readable code, e.g. ``not_found``.
        detail: one sentence for a human, naming the value at fault.
        fields: per-field problems of a request body.
    """

    def __init__(self, status: int, error: str, detail: str, fields: Sequence[FieldError] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.fields = list(fields)

    def body(self) -> ErrorBody:
        """The JSON body to send."""
        return ErrorBody(error=self.error, detail=self.detail, fields=self.fields)


def field_errors(exc: ValidationError, *, prefix: str = "") -> list[FieldError]:
    """Turn pydantic's errors into field errors; input values are left out since they may be secrets."""
    result = []
    for err in exc.errors(include_input=False, include_url=False):
        path = ".".join(str(part) for part in err["loc"])
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        result.append(FieldError(field=path or "(body)", message=message))
    return result


async def parse_body(request: web.Request, model: type[M]) -> M:
    """Read and validate a JSON request body.

    Raises:
        ApiError: 415 when it is not JSON, 400 when it does not parse, 422 with field errors when it does not
            fit ``model`` (unknown fields are named).
    """
    content_type = request.content_type
    if content_type not in {"application/json", "application/octet-stream", ""} and not content_type.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", f"request body must be application/json, not {content_type}")
    raw = await request.read()
    try:
        data: Any = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "malformed_json", f"request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "invalid_body",
            f"request body must be a JSON object, not {type(data).__name__ if data is not None else 'empty'}",
            [FieldError(field="(body)", message="expected a JSON object")],
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = field_errors(exc)
        names = ", ".join(f.field for f in fields)
        raise ApiError(422, "invalid_body", f"request body is invalid at: {names}", fields) from exc


def error_response(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON error response."""
    return web.Response(
        status=status,
        body=orjson.dumps(body.model_dump(mode="json")),
        content_type="application/json",
        headers=headers,
    )


_AIOHTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure with the one JSON error shape."""
    try:
        return await handler(request)
    except ApiError as exc:
        headers = {"WWW-Authenticate": 'Bearer realm="citsci-hub"'} if exc.status == 401 else None
        return error_response(exc.status, exc.body(), headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _AIOHTTP_CODES.get(exc.status, "http_error")
        detail = exc.reason
        if exc.status == 404:
            detail = f"no route {request.method} {request.path}"
        elif exc.status == 405:
            detail = f"{request.method} is not allowed on {request.path}"
        elif exc.status == 413:
            detail = exc.text or "request body too large"
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return error_response(exc.status, ErrorBody(error=code, detail=detail), headers)
    except StreamError as exc:
        log.warning("api.kafka_unavailable", method=request.method, path=request.path, error=str(exc))
        return error_response(503, ErrorBody(error="kafka_unavailable", detail=str(exc)))
    except Exception as exc:  # noqa: BLE001 - logged below, without locals
        # The traceback goes to the log, never to the client; request bodies and locals are not logged (secrets).
        log.error("api.unhandled_error", method=request.method, path=request.path, traceback=plain_traceback(exc))  # noqa: TRY400 - exc_info logs locals
        return error_response(500, ErrorBody(error="internal_error", detail="the hub failed to answer; see its log"))
