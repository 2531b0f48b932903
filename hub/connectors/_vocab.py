"""Vocabulary crosswalks kept as data files, and the data-quality flags a mapping leaves behind.

Each platform has ``hub/connectors/mappings/<platform>.yaml``: named tables from the platform's own terms to
PPSR Core labels, so a portal team can correct a crosswalk without touching code. A table maps a source term
to a list of PPSR labels; an empty list means "known, deliberately maps to nothing" (``Education`` is a topic,
not a field of science), while a term missing from the table is *unmapped* and becomes a data-quality flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hub.errors import ConfigError

__all__ = ["DataQualityFlag", "FlagCollector", "VocabTable", "load_tables", "normalise_term"]

_NON_WORD = re.compile(r"[\s_]+")


def normalise_term(term: str) -> str:
    """The lookup key of a term: case-folded, underscores as spaces, whitespace collapsed, trailing dots dropped."""
    return _NON_WORD.sub(" ", term.casefold()).strip().rstrip(".").strip()


@dataclass(frozen=True)
class DataQualityFlag:
    """Something the connector saw in a record and could not map faithfully.

    Attributes:
        field: the source field (``status``, ``topic``, ``the_geom``...).
        value: the value as received, shortened.
        reason: what went wrong, e.g. ``"no PPSR projectStatus for this value"``.
    """

    field: str
    value: str
    reason: str

    def as_text(self) -> str:
        """One line for logs and for the record's flag list: ``field='value': reason``."""
        return f"{self.field}={self.value!r}: {self.reason}"


@dataclass
class FlagCollector:
    """Gathers the flags of one record while it is being mapped."""

    flags: list[DataQualityFlag] = field(default_factory=list)

    def add(self, field_name: str, value: object, reason: str) -> None:
        """Record one flag; long values are cut to 120 characters."""
        text = value if isinstance(value, str) else repr(value)
        self.flags.append(DataQualityFlag(field_name, text[:120], reason))

    def texts(self) -> list[str]:
        """The flags as sorted, de-duplicated lines (stable, so content hashes do not churn)."""
        return sorted({flag.as_text() for flag in self.flags})


@dataclass(frozen=True)
class VocabTable:
    """One crosswalk: source term to PPSR labels."""

    name: str
    entries: Mapping[str, tuple[str, ...]]

    def lookup(self, term: str) -> tuple[str, ...] | None:
        """The PPSR labels for ``term``, ``()`` when it deliberately maps to nothing, ``None`` when unknown."""
        return self.entries.get(normalise_term(term))

    def map_terms(self, terms: Iterable[str], flags: FlagCollector, *, source_field: str) -> list[str]:
        """Map many terms; unknown ones become flags on ``flags``. The result keeps first-seen order, no repeats."""
        out: dict[str, None] = {}
        for term in terms:
            labels = self.lookup(term)
            if labels is None:
                flags.add(source_field, term, f"no PPSR {self.name} for this value")
                continue
            for label in labels:
                out.setdefault(label, None)
        return list(out)

    def map_one(self, term: str | None, flags: FlagCollector, *, source_field: str) -> str | None:
        """Map a single-valued term (status, difficulty) to its first label, flagging unknown values."""
        if term is None or not term.strip():
            return None
        labels = self.map_terms([term], flags, source_field=source_field)
        return labels[0] if labels else None


def _parse_table(platform: str, name: str, raw: Any) -> VocabTable:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"mappings/{platform}.yaml: table {name!r} must be a mapping of term to label(s)")
    entries: dict[str, tuple[str, ...]] = {}
    for term, labels in raw.items():
        if labels is None:
            values: tuple[str, ...] = ()
        elif isinstance(labels, str):
            values = (labels,)
        elif isinstance(labels, list) and all(isinstance(label, str) for label in labels):
            values = tuple(labels)
        else:
            raise ConfigError(
                f"mappings/{platform}.yaml: table {name!r}, term {term!r}: expected a label, a list of labels "
                f"or null, got {labels!r}"
            )
        entries[normalise_term(str(term))] = values
    return VocabTable(name=name, entries=entries)


@cache
def load_tables(platform: str) -> Mapping[str, VocabTable]:
    """Read ``hub/connectors/mappings/<platform>.yaml`` (bundled package data), once per process.

    Raises:
        ConfigError: the file is missing or a table is malformed.
    """
    resource = resources.files("hub.connectors").joinpath("mappings", f"{platform}.yaml")
    try:
        document = yaml.safe_load(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no vocabulary mapping file mappings/{platform}.yaml") from exc
    if not isinstance(document, Mapping):
        raise ConfigError(f"mappings/{platform}.yaml must hold a mapping of table names to tables")
    return {str(name): _parse_table(platform, str(name), raw) for name, raw in document.items()}
