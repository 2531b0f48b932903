"""Cursors: the opaque JSON text a connector yields after each batch and resumes from.

The stream layer stores a cursor verbatim with the batch it follows (one Kafka transaction). Only the connector
that wrote it reads it, through :func:`decode_cursor`; the version key lets a connector change its cursor's shape
and still read the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from hub.errors import FatalConnectorError

__all__ = ["CURSOR_VERSION", "decode_cursor", "encode_cursor"]

CURSOR_VERSION = 1


def encode_cursor(state: Mapping[str, Any]) -> str:
    """Serialise a connector's position as compact JSON text with sorted keys (equal states, equal text)."""
    return orjson.dumps({"v": CURSOR_VERSION, **state}, option=orjson.OPT_SORT_KEYS).decode()


def decode_cursor(cursor: str | None, *, connector: str) -> dict[str, Any]:
    """Read a cursor written by :func:`encode_cursor`; ``None`` gives an empty state (a first sync).

    Raises:
        FatalConnectorError: the cursor is not a JSON object of a known version; the message says how to resync.
    """
    if cursor is None:
        return {}
    try:
        state = orjson.loads(cursor)
    except orjson.JSONDecodeError as exc:
        raise FatalConnectorError(
            f"stored cursor {cursor[:80]!r} does not parse ({exc}); delete it to resync from scratch",
            connector=connector,
        ) from exc
    if not isinstance(state, dict) or state.get("v") != CURSOR_VERSION:
        raise FatalConnectorError(
            f"stored cursor {cursor[:80]!r} is not a version-{CURSOR_VERSION} cursor object; "
            "delete it to resync from scratch",
            connector=connector,
        )
    del state["v"]
    return state
