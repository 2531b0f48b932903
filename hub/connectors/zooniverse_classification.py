"""One Zooniverse classification -> an anonymised `Contribution`, from either shape Panoptes gives it in.

Two shapes reach the hub: a row of the classification export CSV (14 columns, ``metadata``, ``annotations`` and
``subject_data`` are JSON inside cells) and the API / event-stream object (``/classifications/project`` items, the
``data`` of a Kinesis event). ``scrub_*`` turn either into the raw-topic payload: the record as sent, minus
everything personal (user name, IP, session, user agent, viewport, subject data, which can name people), with the
user id replaced by its pseudonymous agent IRI. ``contribution_from_payload`` maps that payload to the model, so an
export row, an API page and a future push intake share one mapping.

Logged-out volunteers (no user id; the export names them ``not-logged-in-<hash>``) get no contributor by default
(``logged_out="omit"``), or with ``logged_out="per_session"`` one pseudonym per hashed browser session
(``Pseudonymiser.session_agent_iri``, a separate HMAC domain), so two sessions of one person are never joined. The
choice is made while scrubbing, because the session itself never reaches the raw topic; both classification
connectors expose it as their ``logged_out`` setting (:class:`ClassificationConnectorConfig`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

import orjson
from pydantic import Field

from hub.connectors._parsing import nested_get, parse_moment
from hub.connectors._portal import FlaggedContribution
from hub.connectors._vocab import FlagCollector
from hub.connectors.base import ConnectorConfig, Pseudonymiser, RawRecord
from hub.connectors.zooniverse import PLATFORM
from hub.schema import ContributionType
from hub.schema.iris import mint_iri

__all__ = [
    "EXPORT_COLUMNS",
    "METADATA_PERSONAL_KEYS",
    "ClassificationConnectorConfig",
    "LoggedOut",
    "RememberedAgents",
    "contribution_fields",
    "contribution_from_payload",
    "raw_record_from_event",
    "scrub_api_classification",
    "scrub_export_row",
]

#: The columns of a classification export, in order.
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
#: Keys of ``metadata`` that identify or fingerprint a volunteer (docs/design STANDARD §6.8).
METADATA_PERSONAL_KEYS = frozenset(
    {"session", "user_agent", "viewport", "user_language", "utc_offset", "user_group_ids"}
)
# A project's and a workflow's IRIs repeat on every row of an export: mint each once (bounded, so memory stays flat).
_shared_iri = lru_cache(maxsize=4096)(mint_iri)
_TRUE = frozenset({"true", "t", "1", "yes"})
_FALSE = frozenset({"false", "f", "0", "no"})

#: How a logged-out volunteer is credited: ``omit`` (no contributor) or ``per_session`` (one pseudonym per session).
LoggedOut = Literal["omit", "per_session"]


class ClassificationConnectorConfig(ConnectorConfig):
    """The settings every classification connector shares (``zooniverse-export``, ``zooniverse-classifications``)."""

    logged_out: LoggedOut = Field(
        "omit",
        description=(
            "Logged-out volunteers (no user id): 'omit' gives them no contributor; 'per_session' one pseudonymous "
            "agent per hashed browser session, so two sessions are never joined."
        ),
    )


class RememberedAgents:
    """A :class:`Pseudonymiser` that remembers the agent IRIs of the most recent user ids.

    A volunteer classifies many times, so an export asks for the same user id's HMAC over and over; the answer
    never changes, and a bounded cache keeps memory flat however long the export is. Session pseudonyms are not
    kept: a logged-out session rarely repeats.
    """

    def __init__(self, pseudonymiser: Pseudonymiser, maxsize: int = 32_768) -> None:
        self._pseudonymiser = pseudonymiser
        self._agent_iri = lru_cache(maxsize=maxsize)(pseudonymiser.agent_iri)

    def agent_iri(self, platform: str, user_id: str) -> str:
        """The contributor IRI for ``user_id`` on ``platform`` (remembered)."""
        return self._agent_iri(platform, user_id)

    def session_agent_iri(self, platform: str, session_id: str) -> str:
        """The contributor IRI of one logged-out session on ``platform``."""
        return self._pseudonymiser.session_agent_iri(platform, session_id)

    def cached(self) -> int:
        """How many user ids are remembered now (never more than ``maxsize``)."""
        return self._agent_iri.cache_info().currsize


def _agent(pseudonymiser: Pseudonymiser | None, user_id: object, metadata: object, logged_out: LoggedOut) -> str | None:
    if pseudonymiser is None:
        return None
    text = str(user_id).strip() if user_id is not None else ""
    if text:
        return pseudonymiser.agent_iri(PLATFORM, text)
    # Logged-out volunteers have no user id: no contributor rather than a guess, or on request their session's own
    # pseudonym (computed here, before the session is scrubbed from the metadata).
    session = metadata.get("session") if logged_out == "per_session" and isinstance(metadata, Mapping) else None
    if session and str(session).strip():
        return pseudonymiser.session_agent_iri(PLATFORM, str(session))
    return None


def _scrub_metadata(metadata: object) -> dict[str, Any]:
    if not isinstance(metadata, Mapping):
        return {}
    return {k: v for k, v in metadata.items() if k not in METADATA_PERSONAL_KEYS}


def _json_cell(row: Mapping[str, str], column: str) -> Any:
    text = row.get(column) or ""
    if not text.strip():
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"column {column!r}: JSON does not parse ({exc})") from exc


def scrub_export_row(
    row: Mapping[str, str], *, pseudonymiser: Pseudonymiser | None, logged_out: LoggedOut = "omit"
) -> dict[str, Any]:
    """The raw-topic payload of one export row: JSON cells decoded, personal columns dropped.

    Args:
        row: a ``csv.DictReader``-style row with `EXPORT_COLUMNS`.
        pseudonymiser: turns the user id (or a logged-out session) into an agent IRI; ``None`` gives no contributor.
        logged_out: ``omit`` gives logged-out volunteers no contributor; ``per_session`` one pseudonym per session.

    Raises:
        ValueError: the row is malformed (no integer classification id, or a JSON cell that does not parse);
            the message names the column.
    """
    classification_id = (row.get("classification_id") or "").strip()
    if not classification_id.isdigit():
        raise ValueError(f"column 'classification_id': {classification_id[:40]!r} is not a classification id")
    subject_ids = [s for s in (row.get("subject_ids") or "").replace(",", ";").split(";") if s.strip()]
    metadata = _json_cell(row, "metadata")
    return {
        "classification_id": classification_id,
        "contributor": _agent(pseudonymiser, row.get("user_id"), metadata, logged_out),
        "workflow_id": row.get("workflow_id") or None,
        "workflow_name": row.get("workflow_name") or None,
        "workflow_version": row.get("workflow_version") or None,
        "created_at": row.get("created_at") or None,
        "gold_standard": row.get("gold_standard") or None,
        "expert": row.get("expert") or None,
        "metadata": _scrub_metadata(metadata),
        "annotations": _json_cell(row, "annotations"),
        "subject_ids": [s.strip() for s in subject_ids],
    }


def scrub_api_classification(
    data: Mapping[str, Any], *, pseudonymiser: Pseudonymiser | None, logged_out: LoggedOut = "omit"
) -> dict[str, Any]:
    """The raw-topic payload of one API or event-stream classification: ``links.user`` becomes ``contributor``.

    ``logged_out`` as for :func:`scrub_export_row` (the session is ``metadata.session`` in this shape too).
    """
    raw_links = data.get("links")
    links: Mapping[str, Any] = raw_links if isinstance(raw_links, Mapping) else {}
    scrubbed: dict[str, Any] = {k: v for k, v in data.items() if k not in {"user_ip", "links", "metadata"}}
    scrubbed["metadata"] = _scrub_metadata(data.get("metadata"))
    scrubbed["links"] = {k: v for k, v in links.items() if k not in {"user", "user_group"}}
    scrubbed["contributor"] = _agent(pseudonymiser, links.get("user"), data.get("metadata"), logged_out)
    return scrubbed


def _bool(value: object, field: str, flags: FlagCollector) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE or not text:
        return None if not text else False
    flags.add(field, value, "not a boolean")
    return None


def _bodies(annotations: Any) -> list[dict[str, str]]:
    """Plain answers as text ("T0: Yes"); drawings and other structured values stay in rawAnnotation only."""
    bodies: list[dict[str, str]] = []
    for annotation in annotations if isinstance(annotations, list) else []:
        if not isinstance(annotation, Mapping):
            continue
        value = annotation.get("value")
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            bodies.append({"value": f"{annotation.get('task', '?')}: {value}", "format": "text/plain"})
    return bodies


def contribution_from_payload(
    payload: Mapping[str, Any], *, project_id: str | None, source_url: str | None = None
) -> FlaggedContribution:
    """Map a scrubbed classification payload (either shape) to a `Contribution`.

    Args:
        payload: from :func:`scrub_export_row` or :func:`scrub_api_classification`.
        project_id: the project, for export rows (the export does not say); API payloads carry their own.
        source_url: where the record was read, kept as ``wasDerivedFrom`` when it is an http(s) URL.

    Raises:
        ValueError: the payload lacks what a contribution needs (its id, its project); the message says which.
        SchemaError: the contribution does not validate.
    """
    return FlaggedContribution(**contribution_fields(payload, project_id=project_id, source_url=source_url))


def contribution_fields(
    payload: Mapping[str, Any], *, project_id: str | None, source_url: str | None = None
) -> dict[str, Any]:
    """The fields of a scrubbed payload's `Contribution`, not yet validated (see :func:`contribution_from_payload`).

    Nested nodes are plain dicts, validated with the contribution in one pass rather than built as models first.

    Raises:
        ValueError: as :func:`contribution_from_payload`.
    """
    flags = FlagCollector()
    api_shape = "links" in payload
    links = payload.get("links") if api_shape else None
    if isinstance(links, Mapping):
        classification_id = str(payload.get("id") or "")
        project = links.get("project") or project_id
        workflow_id = links.get("workflow")
        subjects = links.get("subjects") or []
        workflow_version = payload.get("workflow_version") or nested_get(payload, "metadata", "workflow_version")
        gold, expert = payload.get("gold_standard"), payload.get("expert_classifier")
    else:
        classification_id = str(payload.get("classification_id") or "")
        project = project_id
        workflow_id = payload.get("workflow_id")
        subjects = payload.get("subject_ids") or []
        workflow_version = payload.get("workflow_version")
        gold, expert = payload.get("gold_standard"), payload.get("expert")
    if not classification_id:
        raise ValueError("no classification id")
    if not project:
        raise ValueError("no project id: configure project_id for an export")
    raw_metadata = payload.get("metadata")
    metadata: Mapping[str, Any] = raw_metadata if isinstance(raw_metadata, Mapping) else {}
    started, finished = (
        parse_moment(metadata.get("started_at"), zoned=True),
        parse_moment(metadata.get("finished_at"), zoned=True),
    )
    created = parse_moment(payload.get("created_at"), zoned=True)
    if created is None and payload.get("created_at"):
        flags.add("created_at", payload.get("created_at"), "not a timestamp")
    return {
        "iri": mint_iri("contribution", PLATFORM, classification_id),
        "contribution_type": ContributionType.CLASSIFICATION,
        "project": _shared_iri("project", PLATFORM, str(project)),
        "created": created,
        "contributor": payload.get("contributor"),
        "was_derived_from": source_url if source_url and source_url.startswith(("http://", "https://")) else None,
        "was_generated_by": {"started_at_time": started, "ended_at_time": finished} if started or finished else None,
        "workflow": _shared_iri("workflow", PLATFORM, str(workflow_id)) if workflow_id else None,
        "workflow_version": str(workflow_version) if workflow_version else None,
        "target": [mint_iri("subject", PLATFORM, str(s)) for s in subjects] if isinstance(subjects, list) else [],
        "body": _bodies(payload.get("annotations")),
        "raw_annotation": payload.get("annotations"),
        "gold_standard": _bool(gold, "gold_standard", flags),
        "expert": _bool(expert, "expert", flags),
        "data_quality_flag": flags.texts(),
    }


def raw_record_from_event(
    event: Mapping[str, Any], *, pseudonymiser: Pseudonymiser | None, logged_out: LoggedOut = "omit"
) -> RawRecord:
    """A Panoptes event-stream classification message as a scrubbed raw record, for a push intake.

    The message is ``{"source": "panoptes", "type": "classification", "data": ..., "linked": ...}``; only ``data``
    is kept (``linked`` names users), scrubbed like an API classification (``logged_out`` as there).

    Raises:
        ValueError: the message is not a Panoptes classification event.
    """
    data = event.get("data")
    if event.get("source") != "panoptes" or event.get("type") != "classification" or not isinstance(data, Mapping):
        raise ValueError(
            f"not a Panoptes classification event: source={event.get('source')!r}, type={event.get('type')!r}"
        )
    payload = scrub_api_classification(data, pseudonymiser=pseudonymiser, logged_out=logged_out)
    href = data.get("href")
    source = f"https://www.zooniverse.org/api{href}" if isinstance(href, str) and href.startswith("/") else "panoptes"
    return RawRecord(PLATFORM, "classification", str(data.get("id", "")), payload, source)
