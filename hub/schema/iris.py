"""Stable IRIs: ``{BASE}/id/{class}/{platform}/{immutable native id}``.

An IRI is the Kafka key of its record, so it must never change while the record lives: it is built from the
platform's immutable identifier (Zooniverse numeric id, SciStarter ``guid``, EU-CS ``id``...), never from a slug, a
name or personal data, which can change or identify someone.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

from hub.errors import SchemaError

__all__ = [
    "BASE",
    "ENTITY_CLASSES",
    "HUB_NS",
    "ID_BASE",
    "PPSR_NS",
    "VOCAB_BASE",
    "mint_iri",
    "parse_iri",
    "platform_iri",
]

#: The one namespace base of everything the hub mints. Change it here and in ``contexts/v1.jsonld`` only.
BASE: Final = "https://w3id.org/citsci-hub"
#: Minted record IRIs live under this prefix.
ID_BASE: Final = f"{BASE}/id/"
#: The hub's own classes and properties (Platform, Contribution, hostedOn, ...).
HUB_NS: Final = f"{BASE}/ns#"
#: Unofficial mirror of PPSR Core 2020.0 attribute names that have no real synonym elsewhere.
PPSR_NS: Final = f"{BASE}/ppsr#"
#: SKOS concept schemes of the PPSR vocabularies.
VOCAB_BASE: Final = f"{BASE}/vocab/"

#: The ``{class}`` segment of a minted IRI.
ENTITY_CLASSES: Final = frozenset(
    {
        "project",
        "record",
        "organisation",
        "network",
        "platform",
        "service",
        "dataset",
        "contribution",
        "subject",
        "workflow",
        "agent",
        "harvest",
        "statistics",
        "link",
    }
)

_PLATFORM = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
# Everything outside RFC 3986 unreserved characters is percent-encoded, "/" included, so a native id can never
# add a path segment and the mapping IRI <-> (class, platform, id) stays one-to-one.
_SAFE = "-._~"
# Native ids are mostly digits or ASCII slugs, which need no encoding: `quote` is skipped for them (it costs more
# than the rest of minting, and an export mints several IRIs per row).
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")
# Slugs already checked: a sync mints millions of IRIs on its one or two platforms.
_checked_platforms: set[str] = set()


def _check_platform(platform: str) -> None:
    if platform in _checked_platforms:
        return
    if not _PLATFORM.match(platform):
        raise SchemaError(
            f"platform slug {platform!r} is not valid: use lower-case letters, digits and '-' (e.g. 'zooniverse')"
        )
    if len(_checked_platforms) < 1024:
        _checked_platforms.add(platform)


def mint_iri(entity_class: str, platform: str, native_id: str | int) -> str:
    """The stable IRI of a record.

    Args:
        entity_class: one of `ENTITY_CLASSES`, e.g. ``"project"``.
        platform: the platform's fixed slug, e.g. ``"zooniverse"``; ``"hub"`` for records the hub itself owns.
        native_id: the platform's immutable identifier of the record; percent-encoded into one path segment.

    Returns:
        ``{BASE}/id/{entity_class}/{platform}/{native_id}``.

    Raises:
        SchemaError: the class is unknown, the platform slug is malformed, or the native id is empty.
    """
    if entity_class not in ENTITY_CLASSES:
        raise SchemaError(f"entity class {entity_class!r} is not one of {sorted(ENTITY_CLASSES)}")
    _check_platform(platform)
    if isinstance(native_id, bool) or not isinstance(native_id, str | int):
        raise SchemaError(f"native id for {entity_class}/{platform} must be a string or an integer, got {native_id!r}")
    text = str(native_id).strip()
    if not text:
        raise SchemaError(f"native id for {entity_class}/{platform} is empty: an IRI needs the platform's own id")
    segment = text if _UNRESERVED.fullmatch(text) else quote(text, safe=_SAFE)
    return f"{ID_BASE}{entity_class}/{platform}/{segment}"


def platform_iri(platform: str) -> str:
    """The IRI of a platform itself: ``{BASE}/id/platform/{platform}``."""
    _check_platform(platform)
    return f"{ID_BASE}platform/{platform}"


def parse_iri(iri: str) -> tuple[str, str, str]:
    """Split a minted IRI back into ``(class, platform, percent-encoded native id)``.

    Raises:
        SchemaError: the IRI was not minted by `mint_iri`.
    """
    if not iri.startswith(ID_BASE):
        raise SchemaError(f"IRI {iri!r} is not under the hub's base {ID_BASE}")
    parts = iri[len(ID_BASE) :].split("/")
    if len(parts) != 3 or parts[0] not in ENTITY_CLASSES or not _PLATFORM.match(parts[1]) or not parts[2]:
        raise SchemaError(f"IRI {iri!r} does not have the form {ID_BASE}{{class}}/{{platform}}/{{native id}}")
    return parts[0], parts[1], parts[2]
