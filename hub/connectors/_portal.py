"""What the portal connectors share: snapshot batching, and names kept for the flag-carrying models.

``hub.schema`` now gives every entity a ``dataQualityFlag`` list (``HubModel.data_quality_flag``), so the
flag-carrying subclasses this module used to define are plain aliases of the schema's models, kept because other
connectors import them by these names.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeAlias

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

FlaggedProject: TypeAlias = Project
FlaggedOrganisation: TypeAlias = Organisation
FlaggedContribution: TypeAlias = Contribution
FlaggedStatistics: TypeAlias = ContributionStatistics


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
