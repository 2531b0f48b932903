"""Pure parsers for the dirt national portals put in their data.

Loose booleans, HTML, URLs without a scheme, numbers as strings, hex WKB points and dates in several precisions.

Every function is total on its input type: it returns ``None`` (or raises ``ValueError`` with the offending
value, for the strict variants) instead of guessing, so a connector can turn a failure into a data-quality flag.
"""

from __future__ import annotations

import html
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any, Literal

__all__ = [
    "ParsedDate",
    "WkbPoint",
    "as_text",
    "clean_text",
    "decode_wkb_point",
    "is_placeholder",
    "nested_get",
    "normalise_url",
    "parse_bool",
    "parse_date",
    "parse_float",
    "parse_moment",
    "split_list",
    "strip_html",
]

# Truthy and falsy words seen in the CitizenScience.gov export (true/True/TRUE/Yes/yes, "" for unknown).
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "f"})


def nested_get(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or ``None`` where a key is missing or a level is not a mapping."""
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def parse_bool(value: object) -> bool | None:
    r"""Read a loosely written boolean.

    Args:
        value: a bool, a number, or text such as ``"True"``, ``"yes\\n"`` or ``""``.

    Returns:
        ``True`` or ``False``, or ``None`` when the value is empty or not a boolean word (unknown, not false).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def as_text(value: object, *, stringify: bool = False) -> str | None:
    """The trimmed text of a platform field, or ``None`` when it is blank or not text.

    Args:
        value: a field as the platform sent it.
        stringify: also read a number (or any other non-text value but ``None``) as its ``str()``, as a mapping
            file's text transforms do; by default only a string is text, so ``{}`` or ``3`` in a name field
            is left out rather than published as ``"{}"``.
    """
    if isinstance(value, str):
        text = value
    elif stringify and value is not None:
        text = str(value)
    else:
        return None
    return text.strip() or None


class _TextExtractor(HTMLParser):
    """Collects text nodes; block elements become line breaks so paragraphs stay apart."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def clean_text(value: str | None) -> str | None:
    """Collapse runs of spaces, trim each line and the whole text; ``None`` for blank text."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value)
    text = _BLANK_LINES.sub("\n", text).strip()
    return text or None


def strip_html(value: str | None) -> str | None:
    r"""Turn an HTML fragment into plain text: tags dropped, entities decoded, paragraphs kept as line breaks.

    Args:
        value: HTML such as ``"<p>Vespawatch targets&nbsp;beekeepers</p>\\r\\n"``, or plain text.

    Returns:
        The text, or ``None`` when nothing but markup and whitespace was there.
    """
    if value is None:
        return None
    if "<" not in value and "&" not in value:
        return clean_text(value)
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    return clean_text(html.unescape("".join(parser.parts)))


_WHITESPACE = re.compile(r"\s")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOSTLIKE = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:[/?#].*)?$")


def normalise_url(value: str | None) -> str | None:
    """Give a scheme to a URL written without one (``www.cowslips.eu`` becomes ``https://www.cowslips.eu``).

    Returns:
        An absolute http(s) URL, or ``None`` when the value is empty or does not look like a web address
        (for example ``"*Website under construction"``).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _WHITESPACE.search(text):
        # "https://a.org | https://b.org" and "*Website under construction, ..." are not one address.
        return None
    if _SCHEME.match(text):
        return text if text.lower().startswith(("http://", "https://")) else None
    if text.startswith("//"):
        text = text[2:]
    if not _HOSTLIKE.match(text):
        return None
    return "https://" + text


def parse_float(value: object) -> float | None:
    """A number from a number or a string such as ``"50.866595"``; ``None`` for empty or non-numeric text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return float(value.strip().replace(",", "."))
    except ValueError:
        return None


def split_list(value: str | None, separator: str = ",") -> list[str]:
    """Split a delimited cell into trimmed, non-empty, de-duplicated items in their first order.

    ``"geology_earth_science nature_outdoors, Disaster response"`` keeps its first item whole: only
    ``separator`` splits.
    """
    if not value:
        return []
    seen: dict[str, None] = {}
    for item in value.split(separator):
        text = item.strip().rstrip(".").strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


@dataclass(frozen=True)
class WkbPoint:
    """A point decoded from WKB: ``x`` is longitude and ``y`` latitude for SRID 4326."""

    x: float
    y: float
    srid: int | None


_WKB_POINT = 1
_EWKB_SRID_FLAG = 0x20000000
_EWKB_Z_FLAG = 0x80000000
_EWKB_M_FLAG = 0x40000000


def decode_wkb_point(hex_wkb: str) -> WkbPoint:
    """Decode a hex (E)WKB point such as PostGIS and CARTO export (``0101000020E6100000…``).

    Args:
        hex_wkb: hexadecimal text of a WKB or EWKB Point, either byte order, optional SRID, Z or M.

    Raises:
        ValueError: the text is not hexadecimal, is truncated, or holds a geometry other than a point.
    """
    text = hex_wkb.strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise ValueError(f"not hexadecimal WKB: {text[:40]!r}") from exc
    if len(raw) < 21:
        raise ValueError(f"WKB too short for a point ({len(raw)} bytes): {text[:40]!r}")
    order_byte = raw[0]
    if order_byte not in (0, 1):
        raise ValueError(f"WKB byte order must be 0 or 1, got {order_byte}: {text[:40]!r}")
    order: Literal["<", ">"] = "<" if order_byte == 1 else ">"
    (type_word,) = struct.unpack_from(order + "I", raw, 1)
    offset = 5
    srid: int | None = None
    if type_word & _EWKB_SRID_FLAG:
        (srid,) = struct.unpack_from(order + "I", raw, offset)
        offset += 4
    geometry_type = type_word & 0x0FFFFFFF
    # ISO WKB codes Z/M/ZM points as 1001/2001/3001; EWKB uses the high flag bits instead.
    if geometry_type % 1000 != _WKB_POINT:
        raise ValueError(f"WKB geometry type {geometry_type} is not a Point: {text[:40]!r}")
    if len(raw) < offset + 16:
        raise ValueError(f"WKB point truncated ({len(raw)} bytes): {text[:40]!r}")
    x, y = struct.unpack_from(order + "dd", raw, offset)
    return WkbPoint(x=x, y=y, srid=srid)


@dataclass(frozen=True)
class ParsedDate:
    """A date or date-time read from text, with the precision the source actually gave."""

    value: datetime
    precision: Literal["year", "month", "day", "time"]
    #: Whether the source stated the zone (``Z``, ``+02:00``, `` UTC``); a naive one was taken as UTC.
    zoned: bool = False


_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_LOOSE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def parse_date(value: object, *, formats: tuple[str, ...] = ()) -> ParsedDate | None:
    """Read a date in any of the shapes portals use.

    ISO 8601 date or date-time (``2015-09-14 17:01:51+00``), year only (``2008``), year-month, ``2011-10-1``,
    ``dd.mm.yyyy``, or one of ``formats`` (``strptime`` patterns,
    tried first: a US portal passes ``"%m/%d/%Y"`` so that ``5/1/2015`` is read as May 1st).

    Naive date-times are taken as UTC, since none of the portals states a zone for them.

    Returns:
        The UTC date-time with its precision, or ``None`` for empty text, ``"Unknown"`` and anything unreadable.
    """
    if isinstance(value, datetime):
        return ParsedDate(_as_utc(value), "time", zoned=value.tzinfo is not None)
    if isinstance(value, date):
        return ParsedDate(datetime(value.year, value.month, value.day, tzinfo=UTC), "day")
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return ParsedDate(datetime(value, 1, 1, tzinfo=UTC), "year")
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    for pattern in formats:
        try:
            parsed = datetime.strptime(text, pattern)  # naive; _as_utc gives it UTC
        except ValueError:
            continue
        return ParsedDate(_as_utc(parsed), _precision_of(pattern))
    if _YEAR.match(text):
        return ParsedDate(datetime(int(text), 1, 1, tzinfo=UTC), "year")
    if match := _YEAR_MONTH.match(text):
        try:
            return ParsedDate(datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC), "month")
        except ValueError:
            return None
    if match := _LOOSE_YMD.match(text):
        # "2011-10-1": ISO in spirit, one digit short for fromisoformat.
        try:
            return ParsedDate(datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC), "day")
        except ValueError:
            return None
    if match := _DAY_FIRST.match(text):
        try:
            return ParsedDate(datetime(int(match[3]), int(match[2]), int(match[1]), tzinfo=UTC), "day")
        except ValueError:
            return None
    moment = _iso(text)
    if moment is None:
        return None
    precision: Literal["day", "time"] = "day" if len(text) <= 10 else "time"
    return ParsedDate(_as_utc(moment), precision, zoned=moment.tzinfo is not None)


def _iso(text: str) -> datetime | None:
    """An ISO 8601 date or date-time, naive or with its zone (``Z``, ``+02:00``, or Zooniverse's `` UTC``)."""
    if text.endswith(" UTC"):
        # Zooniverse's exports write "2025-01-21 16:08:41 UTC".
        text = text[:-4] + "+00:00"
    try:
        return datetime.fromisoformat(text)  # 3.11: Z, a space as separator, and fractions of any length
    except ValueError:
        return None


def parse_moment(value: object, *, zoned: bool = False) -> datetime | None:
    """The UTC instant :func:`parse_date` reads in ``value``, for a field that holds one date or time.

    Args:
        value: the field as the platform sent it.
        zoned: accept only a date-time that states its zone (an API timestamp such as ``2015-05-18T15:14:41Z``
            or ``2025-01-21 16:08:41 UTC``), refusing a naive one or a bare date rather than guessing UTC.

    Returns:
        The aware UTC date-time, or ``None`` for a blank, unreadable (or, with ``zoned``, zone-less) value.
    """
    if zoned and isinstance(value, str):
        # The fast path of an export's millions of timestamps: of the shapes parse_date reads, only ISO ones
        # can state a zone, so the others need not be tried.
        moment = _iso(value.strip())
        if moment is None or moment.tzinfo is None:
            return None
        return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    parsed = parse_date(value)
    if parsed is None or (zoned and not parsed.zoned):
        return None
    return parsed.value


def _precision_of(pattern: str) -> Literal["year", "month", "day", "time"]:
    if any(code in pattern for code in ("%H", "%M", "%S")):
        return "time"
    if any(code in pattern for code in ("%d", "%j")):
        return "day"
    if any(code in pattern for code in ("%m", "%B", "%b")):
        return "month"
    return "year"


_PLACEHOLDERS = frozenset({"none", "n/a", "na", "null", "tbd", "-", "--", "unknown", "not known"})


def is_placeholder(value: object) -> bool:
    """Whether a cell says "no value" in words (``None``, ``N/A``, ``TBD``, ``-``...) rather than being empty."""
    return isinstance(value, str) and value.strip().lower() in _PLACEHOLDERS


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
