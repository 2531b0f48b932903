"""A Zooniverse classification export row -> an anonymised `Contribution` (a Web Annotation).

The export (``classifications_export`` CSV, 14 columns) carries the volunteer's user name, user id, hashed IP, and
in ``metadata`` the browser session, user agent and viewport. None of them reaches the model: the user id becomes
a keyed-HMAC agent IRI and everything else is dropped here. Logged-out volunteers (``user_id`` empty, user name
``not-logged-in-<hash>``) get no contributor, or one pseudonym per hashed session when asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from hub.errors import SchemaError
from hub.schema.anonymise import Pseudonymiser, strip_personal
from hub.schema.iris import mint_iri
from hub.schema.models import Contribution, ContributionActivity, ContributionType, TextualBody

__all__ = ["EXPORT_COLUMNS", "contribution_from_classification_row"]

PLATFORM = "zooniverse"
#: The columns of a Zooniverse classification export, in order.
EXPORT_COLUMNS = (
    "classification_id",
    "user_name",
    "user_id",
    "user_ip",
    "workflow_id",
    "workflow_name",
    "workflow_version",
    "created_at",
    "gold_standard",
    "expert",
    "metadata",
    "annotations",
    "subject_data",
    "subject_ids",
)


def _json(row: Mapping[str, str], column: str) -> Any:
    text = row.get(column) or ""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{column} of classification {row.get('classification_id')!r} is not JSON: {exc}") from exc


def _flag(text: str | None) -> bool | None:
    value = (text or "").strip().lower()
    if not value:
        return None
    return value in {"true", "t", "1", "yes"}


def _created(text: str) -> datetime:
    # The export writes "2025-01-21 16:08:41 UTC".
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %Z").replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def _bodies(annotations: Any) -> list[TextualBody]:
    """Text answers ("T0: Yes") where the task value is a plain answer; drawings stay in rawAnnotation only."""
    bodies = []
    for task in annotations if isinstance(annotations, list) else []:
        if not isinstance(task, Mapping):
            continue
        value = task.get("value")
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            bodies.append(TextualBody(value=f"{task.get('task', '?')}: {value}", format="text/plain"))
    return bodies


def contribution_from_classification_row(
    row: Mapping[str, str],
    *,
    project_id: str | int,
    pseudonymiser: Pseudonymiser,
    logged_out: Literal["omit", "per_session"] = "omit",
) -> Contribution:
    """Map one export row to a classification `Contribution` with no personal data.

    Args:
        row: a ``csv.DictReader`` row with `EXPORT_COLUMNS`.
        project_id: the Zooniverse project id (the export is per project and has no project column).
        pseudonymiser: turns the user id (or a logged-out session) into an agent IRI.
        logged_out: ``omit`` gives logged-out volunteers no contributor; ``per_session`` one pseudonym per session.

    Raises:
        SchemaError: the row lacks its classification id, or a JSON column does not parse.
    """
    classification_id = (row.get("classification_id") or "").strip()
    if not classification_id:
        raise SchemaError("classification export row without classification_id")
    metadata = _json(row, "metadata") or {}
    annotations = _json(row, "annotations")
    user_id = (row.get("user_id") or "").strip()
    contributor: str | None = None
    if user_id:
        contributor = pseudonymiser.agent_iri(PLATFORM, user_id)
    elif logged_out == "per_session" and isinstance(metadata, Mapping) and metadata.get("session"):
        contributor = pseudonymiser.session_agent_iri(PLATFORM, str(metadata["session"]))
    subject_ids = [part.strip() for part in (row.get("subject_ids") or "").split(";") if part.strip()]
    workflow_id = (row.get("workflow_id") or "").strip()
    started = metadata.get("started_at") if isinstance(metadata, Mapping) else None
    finished = metadata.get("finished_at") if isinstance(metadata, Mapping) else None
    return Contribution(
        iri=mint_iri("contribution", PLATFORM, classification_id),
        contribution_type=ContributionType.CLASSIFICATION,
        project=mint_iri("project", PLATFORM, project_id),
        workflow=mint_iri("workflow", PLATFORM, workflow_id) if workflow_id else None,
        workflow_version=(row.get("workflow_version") or "").strip() or None,
        target=[mint_iri("subject", PLATFORM, subject) for subject in subject_ids],
        body=_bodies(annotations),
        # Annotations are the volunteer's answers; strip_personal guards against personal keys inside them.
        raw_annotation=[strip_personal(a) if isinstance(a, Mapping) else a for a in annotations]
        if isinstance(annotations, list)
        else annotations,
        contributor=contributor,
        created=_created(row.get("created_at") or ""),
        was_generated_by=ContributionActivity(started_at_time=started, ended_at_time=finished)
        if started or finished
        else None,
        gold_standard=_flag(row.get("gold_standard")),
        expert=_flag(row.get("expert")),
    )
