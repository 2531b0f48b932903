"""What the portal connectors share: models that carry data-quality flags, and snapshot batching.

The hub's models (``hub.schema``) have no place for "what the connector could not map", which the connectors
issue asks to keep on the record. Until ``hub.schema`` grows one, these subclasses add a ``dataQualityFlag`` list
(one line per flag, ``field='value': reason``) to the entities the portal connectors publish. They are
otherwise the hub's models unchanged: same entity topic, IRI, types and JSON keys.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from pydantic import Field

from hub.connectors.base import Batch, RawRecord
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.schema.models import Contribution, ContributionStatistics, Organisation, Project

__all__ = [
    "FLAG_KEY",
    "FlaggedContribution",
    "FlaggedOrganisation",
    "FlaggedProject",
    "FlaggedStatistics",
    "snapshot_batches",
    "snapshot_offset",
]

#: JSON key of the flag list on a published record.
FLAG_KEY = "dataQualityFlag"

_Flags = Annotated[
    list[Annotated[str, Field(min_length=1)]],
    Field(default_factory=list, alias=FLAG_KEY, description="What the connector could not map, one line each."),
]


class FlaggedProject(Project):
    """A `Project` with the connector's data-quality flags."""

    data_quality_flag: _Flags


class FlaggedOrganisation(Organisation):
    """An `Organisation` with the connector's data-quality flags."""

    data_quality_flag: _Flags


class FlaggedContribution(Contribution):
    """A `Contribution` with the connector's data-quality flags."""

    data_quality_flag: _Flags


class FlaggedStatistics(ContributionStatistics):
    """`ContributionStatistics` with the connector's data-quality flags."""

    data_quality_flag: _Flags


def snapshot_offset(cursor: str | None, *, connector: str) -> int:
    """Where a snapshot run that stopped part-way resumes: the number of records already committed."""
    state = decode_cursor(cursor, connector=connector)
    offset = state.get("snapshot_offset", 0)
    return offset if isinstance(offset, int) and offset >= 0 else 0


def snapshot_batches(records: Sequence[RawRecord], *, page_size: int, start: int = 0) -> Iterator[Batch]:
    """Cut a complete platform listing into batches; the last says ``snapshot_complete``.

    Each cursor counts the records committed so far, so a run that crashes resumes after them (the stream layer
    keeps what it saw before the crash for the sweep). The last cursor is ``None``: the next run is a fresh snapshot.
    An empty listing still yields one (empty, complete) batch, so that a platform that lost everything is noticed
    by the sweep, whose share limit then refuses it.
    """
    total = len(records)
    offset = min(start, total)
    if offset >= total:
        yield Batch(records=(), cursor=None, snapshot_complete=True)
        return
    while offset < total:
        chunk = records[offset : offset + page_size]
        offset += len(chunk)
        last = offset >= total
        cursor = None if last else encode_cursor({"snapshot_offset": offset})
        yield Batch(records=tuple(chunk), cursor=cursor, snapshot_complete=last)
