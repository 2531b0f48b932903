"""Check a JSON or JSON-LD document against the hub's models and context; the engine of ``hub validate``.

Accepted shapes: a hub JSON-LD record, a hub ``@graph`` of records, a PPSR Core ``{"Project": [...]}`` document,
a bare array of either, or one PPSR project record. Bad input never raises: each problem is reported with its JSON
path, and each record gets a status (``complete``, ``partial`` or ``invalid``).
"""

from __future__ import annotations

import codecs
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.errors import RecordValidationError, SchemaError
from hub.schema.base import CONTEXT_URL, HubModel
from hub.schema.jsonld import check_terms
from hub.schema.models import (
    Conformance,
    Contribution,
    ContributionStatistics,
    Contributor,
    Dataset,
    Link,
    Network,
    Organisation,
    Platform,
    Project,
    ProjectRecord,
)
from hub.schema.ppsr import Problem, Status, project_from_ppsr

__all__ = ["DocumentReport", "RecordReport", "decode", "validate_bytes", "validate_document"]

# The first ``type`` term of each entity picks its model.
_MODELS_BY_TYPE: dict[str, type[HubModel]] = {
    "Project": Project,
    "ProjectRecord": ProjectRecord,
    "Organization": Organisation,
    "Network": Network,
    "Platform": Platform,
    "Contribution": Contribution,
    "Contributor": Contributor,
    "ContributionStatistics": ContributionStatistics,
    "Dataset": Dataset,
    "Link": Link,
}


@dataclass
class RecordReport:
    """What the validator found in one record."""

    path: str
    kind: str
    status: Status
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass
class DocumentReport:
    """What the validator found in one document: file-level problems and one report per record."""

    problems: list[Problem] = field(default_factory=list)
    records: list[RecordReport] = field(default_factory=list)
    readable: bool = True

    def counts(self) -> Counter[str]:
        """Records per status."""
        return Counter(record.status for record in self.records)

    def common_problems(self, limit: int = 10) -> list[tuple[str, int]]:
        """The most frequent problems over all records, as ``attribute: message`` with their count."""
        counter: Counter[str] = Counter()
        for record in self.records:
            for problem in record.problems:
                attribute = problem.path.removeprefix(record.path).lstrip(".") or "(record)"
                counter[f"{problem.severity}: {attribute}: {problem.message}"] += 1
            for name in record.missing:
                counter[f"missing: {name} (PPSR Mandatory)"] += 1
        return counter.most_common(limit)


def decode(raw: bytes) -> tuple[str, list[Problem]]:
    """Bytes -> text: UTF-8 (BOM dropped), else cp1252, as PPSR's own JSON Schema file is encoded."""
    problems = []
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
        problems.append(Problem("$", "UTF-8 byte order mark ignored", None, "warning"))
    try:
        return raw.decode("utf-8"), problems
    except UnicodeDecodeError as exc:
        problems.append(Problem("$", f"not UTF-8 ({exc.reason} at byte {exc.start}); read as cp1252", None))
        return raw.decode("cp1252", errors="replace"), problems


def validate_bytes(raw: bytes, *, platform: str = "ppsr") -> DocumentReport:
    """Decode, parse and validate a document; never raises on bad input."""
    text, problems = decode(raw)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem("$", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", None, "error"))
        return DocumentReport(problems=problems, readable=False)
    report = validate_document(document, platform=platform)
    report.problems[:0] = problems
    return report


def validate_document(document: Any, *, platform: str = "ppsr") -> DocumentReport:
    """Validate a parsed JSON document (see the module docstring for the shapes accepted)."""
    report = DocumentReport()
    if isinstance(document, Mapping) and "Project" in document and "@context" not in document:
        projects = document["Project"]
        if not isinstance(projects, list):
            projects = [projects]
            report.problems.append(Problem("$.Project", "PPSR's Project must be an array", None, "warning"))
        for key in document:
            if key != "Project":
                report.problems.append(Problem(f"$.{key}", "not part of a PPSR Core document (ignored)", None))
        for index, record in enumerate(projects):
            report.records.append(_ppsr_record(record, f"$.Project[{index}]", platform))
    elif isinstance(document, Mapping) and "@context" in document:
        context = document["@context"]
        if context != CONTEXT_URL:
            report.problems.append(
                Problem("$.@context", f"not the hub context {CONTEXT_URL}: checked against it anyway", context)
            )
        if "@graph" in document:
            graph = document["@graph"]
            for index, node in enumerate(graph if isinstance(graph, list) else [graph]):
                report.records.append(_hub_record(node, f"$.@graph[{index}]"))
        else:
            report.records.append(_hub_record({k: v for k, v in document.items() if k != "@context"}, "$"))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            path = f"$[{index}]"
            if isinstance(item, Mapping) and "@context" in item:
                report.records.append(_hub_record({k: v for k, v in item.items() if k != "@context"}, path))
            else:
                report.records.append(_ppsr_record(item, path, platform))
    elif isinstance(document, Mapping):
        report.records.append(_ppsr_record(document, "$", platform))
    else:
        report.problems.append(Problem("$", "neither a hub JSON-LD document nor PPSR Core JSON", document, "error"))
    return report


def _ppsr_record(record: Any, path: str, platform: str) -> RecordReport:
    result = project_from_ppsr(record, platform=platform, path=path)
    missing = result.project.missing_mandatory() if result.project is not None else []
    return RecordReport(path, "PPSR Project", result.status, result.problems, missing)


def _hub_record(node: Any, path: str) -> RecordReport:
    if not isinstance(node, Mapping):
        return RecordReport(path, "?", "invalid", [Problem(path, "a record must be a JSON object", node, "error")])
    types = node.get("type")
    first = types[0] if isinstance(types, list) and types else types
    model = _MODELS_BY_TYPE.get(first) if isinstance(first, str) else None
    if model is None:
        problem = Problem(f"{path}.type", f"not a hub entity type (one of {sorted(_MODELS_BY_TYPE)})", types, "error")
        return RecordReport(path, str(first), "invalid", [problem])
    problems: list[Problem] = []
    try:
        check_terms({"@context": CONTEXT_URL, **node})
    except SchemaError as exc:
        problems.append(Problem(path, str(exc), None, "error"))
    expected = list(model.TYPES) if model is not Contribution else None
    if expected is not None and (types if isinstance(types, list) else [types]) != expected:
        problems.append(Problem(f"{path}.type", f"{model.__name__} has type {expected}", types, "warning"))
    try:
        record = model.from_jsonld({k: v for k, v in node.items() if k not in {"@context", "type"}})
    except RecordValidationError as exc:
        for error in exc.errors:
            loc = str(error["loc"]).removeprefix("$")
            problems.append(Problem(path + loc, str(error["msg"]), error.get("input"), "error"))
        return RecordReport(path, model.__name__, "invalid", problems)
    missing: list[str] = []
    conformance = getattr(record, "conformance", Conformance.COMPLETE)
    if isinstance(record, Project | Dataset):
        missing = record.missing_mandatory()
    if any(p.severity == "error" for p in problems):
        status: Status = "invalid"
    elif conformance is Conformance.PARTIAL:
        status = "partial"
    else:
        status = "complete"
    return RecordReport(path, model.__name__, status, problems, missing)
