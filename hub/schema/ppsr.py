"""Import PPSR Core JSON as other systems publish it: one record -> a `Project` plus the problems found.

Published PPSR JSON bends the standard in known ways (the JRC inventory in PPSR's own repository shows most):
"Unknown" in date and duration fields, ``"UTF-8"`` as the language, a single ``contactPoint`` object where the
standard has a list, ``{}`` and ``""`` for absent classes, a string where a list belongs, text decoded with the
wrong code page. The importer repairs what has one safe reading, omits what has none (never inventing a value),
and reports each step with its JSON path, so `hub validate` and the PPSR-feed connector say exactly what happened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from hub.errors import RecordValidationError, SchemaError
from hub.schema.base import validation_problems
from hub.schema.iris import mint_iri
from hub.schema.models import Conformance, Project

__all__ = ["ImportResult", "Problem", "project_from_ppsr", "repair_text"]

Severity = Literal["error", "warning"]
Status = Literal["complete", "partial", "invalid"]

# Placeholders that mean "no value": published instead of leaving the attribute out.
_PLACEHOLDERS = frozenset({"unknown", "n/a", "na", "none", "null", "-", "tbd", "not known"})
_LIST_ATTRIBUTES = frozenset(
    {
        "hasTag",
        "projectScienceType",
        "unRegions",
        "contactPoint",
        "projectMedia",
        "projectGeographicLocation",
        "activity",
        "projectExternalId",
        "projectOriginalRepository",
        "projectIntendedOutcomes",
        "projectOutcome",
        "scientificProcessInvolved",
        "projectCountry",
        "projectExternalLinks",
        "projectScientificCollaborators",
        "projectAssociatedParty",
        "projectFunding",
        "hostedOn",
        "sameAs",
    }
)
_DATE_ATTRIBUTES = frozenset(
    {
        "projectDateCreated",
        "projectLastUpdatedDate",
        "projectStartDate",
        "projectEndDate",
        "projectPlannedStartDate",
        "projectPlannedEndDate",
    }
)
# Signs of UTF-8 text that was decoded as cp1252/latin-1 somewhere upstream ("Ã©" for "é", "â€™" for a right quote).
_MOJIBAKE = re.compile(r"Ã[\x80-\xbf\u0152-\u2122]|â€|Â[\xa0-\xbf]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record: where (JSON path), what, the offending value, and how bad."""

    path: str
    message: str
    value: Any = None
    severity: Severity = "warning"

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"{self.severity}: {self.path}: {self.message} (value {shown})"


@dataclass
class ImportResult:
    """A PPSR record after import: the project (None when none could be built) and every problem found."""

    project: Project | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """``invalid`` (no project, or values that break the standard), ``partial`` or ``complete``."""
        if self.project is None or any(p.severity == "error" for p in self.problems):
            return "invalid"
        if self.project.conformance is Conformance.PARTIAL:
            return "partial"
        return "complete"


def repair_text(text: str) -> str | None:
    """The text re-decoded when it is UTF-8 that was read as cp1252 (mojibake), else None."""
    if not _MOJIBAKE.search(text):
        return None
    try:
        repaired = text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return None
    return repaired if not _MOJIBAKE.search(repaired) else None


class _Importer:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def warn(self, path: str, message: str, value: Any) -> None:
        self.problems.append(Problem(path, message, value, "warning"))

    def error(self, path: str, message: str, value: Any) -> None:
        self.problems.append(Problem(path, message, value, "error"))

    def clean(self, value: Any, path: str) -> Any:
        """Strings repaired and stripped; placeholders and empty values become None; containers recursed."""
        if isinstance(value, str):
            text = value.strip()
            repaired = repair_text(text)
            if repaired is not None:
                self.warn(path, "mis-decoded text (UTF-8 read as cp1252) repaired", value)
                text = repaired
            if not text:
                return None
            if text.lower() in _PLACEHOLDERS:
                self.warn(path, f"placeholder {text!r} omitted: the value is unknown, not {text!r}", value)
                return None
            return text
        if isinstance(value, Mapping):
            cleaned = {k: self.clean(v, f"{path}.{k}") for k, v in value.items()}
            cleaned = {k: v for k, v in cleaned.items() if v is not None}
            return cleaned or None
        if isinstance(value, list):
            items = [self.clean(v, f"{path}[{i}]") for i, v in enumerate(value)]
            items = [v for v in items if v is not None]
            return items or None
        return value

    def shape(self, key: str, value: Any) -> Any:
        path = f"{self.path}.{key}"
        if key in _LIST_ATTRIBUTES and not isinstance(value, list):
            # PPSR's JSON Schema has single objects/strings where the attribute tables say 1:n.
            return [value]
        if key == "keyword" and isinstance(value, str):
            # PPSR defines keyword as one comma-separated string; the hub publishes one keyword per value.
            return [part.strip() for part in value.split(",") if part.strip()]
        if key in _DATE_ATTRIBUTES and isinstance(value, str):
            return self.date(path, value)
        if key == "language" and isinstance(value, str) and value.upper().replace("_", "-").startswith("UTF"):
            self.warn(path, "a character set, not a language: omitted (PPSR conflates the two)", value)
            return None
        if key == "projectResponsiblePartyContactEmail" and isinstance(value, str) and not _EMAIL.match(value):
            self.warn(path, "not an e-mail address (kept as text)", value)
        return value

    def date(self, path: str, value: str) -> str | None:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.error(path, "not an ISO 8601 date-time: omitted", value)
            return None
        if parsed.tzinfo is None:
            self.warn(path, "date-time without a time zone: read as UTC", value)
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.isoformat()


def project_from_ppsr(record: Any, *, platform: str = "ppsr", path: str = "$") -> ImportResult:
    """Turn one PPSR Core project record into a `Project`, repairing and reporting on the way.

    Args:
        record: one element of a PPSR ``Project`` array (any JSON value: bad input is reported, not raised).
        platform: the platform slug the record's IRI is minted under (e.g. ``"jrc-inventory"``).
        path: JSON path of the record in its document, used in the problems.

    Returns:
        The project (bad attributes dropped) and the problems; ``project`` is None when the record has no
        ``projectId`` or ``projectName``.
    """
    importer = _Importer(path)
    if not isinstance(record, Mapping):
        importer.error(path, "a PPSR project record must be a JSON object", record)
        return ImportResult(None, importer.problems)
    known = {info.alias or name for name, info in Project.model_fields.items()} | {"type", "conformance", "@context"}
    known |= {"conformsTo", "id"}
    data: dict[str, Any] = {}
    for key, raw in record.items():
        key_path = f"{path}.{key}"
        if key not in known:
            importer.error(key_path, "not a PPSR Core attribute (dropped)", raw)
            continue
        if key in {"type", "conformance", "@context", "conformsTo", "id"}:
            continue
        value = importer.clean(raw, key_path)
        if value is None:
            continue
        value = importer.shape(key, value)
        if value is not None:
            data[key] = value

    native_id = data.get("projectId")
    if native_id is None or data.get("projectName") is None:
        missing = "projectId" if native_id is None else "projectName"
        importer.error(f"{path}.{missing}", "required to identify the project: record skipped", record.get(missing))
        return ImportResult(None, importer.problems)
    try:
        data["id"] = str(record.get("id") or mint_iri("project", platform, str(native_id)))
    except SchemaError as exc:
        importer.error(f"{path}.projectId", str(exc), native_id)
        return ImportResult(None, importer.problems)
    return ImportResult(_build(data, importer, path), importer.problems)


def _build(data: dict[str, Any], importer: _Importer, path: str) -> Project | None:
    # Each round drops the attributes pydantic refuses and tries again, so one bad value costs one attribute,
    # not the record. Bounded by the number of attributes.
    for _ in range(len(data) + 1):
        try:
            return Project.model_validate(data)
        except RecordValidationError as wrapped:
            # HubModel.__init__ wraps pydantic's error; its cause keeps the raw locations.
            exc = wrapped.__cause__
            if not isinstance(exc, ValidationError):
                raise
            raw = exc.errors(include_url=False)
            # HubModel.__init__ already described them, in pydantic's order; describe again only if it did not.
            problems = wrapped.errors if len(wrapped.errors) == len(raw) else validation_problems(exc)
            bad = {err["loc"][0] for err in raw if err["loc"] and err["loc"][0] in data}
            bad -= {"id", "projectId", "projectName"}
            for err, problem in zip(raw, problems, strict=True):
                suffix = " (attribute dropped)" if err["loc"] and err["loc"][0] in bad else ""
                importer.error(_path(path, tuple(err["loc"])), problem["msg"] + suffix, problem["input"])
            if not bad:
                return None
            for key in bad:
                del data[key]
    return None


def _path(base: str, loc: tuple[Any, ...]) -> str:
    out = base
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith("function-"):
            out += f".{part}"
    return out
