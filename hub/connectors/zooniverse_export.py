"""Zooniverse classifications from a classification export CSV, streamed in constant memory.

An export is one CSV file of any size (a busy project's runs to gigabytes). It is read as a stream of chunks,
decoded incrementally, cut into CSV records by quote parity (a cell may hold newlines inside quotes) and parsed a
group of records at a time, so memory depends on the longest row, not on the file. Each row becomes a scrubbed raw
record (:mod:`hub.connectors.zooniverse_classification`) and maps to one Contribution.

The cursor is the highest classification id committed plus the file's validators: a run that broke off resumes
after the last committed row, and an unchanged export costs one conditional request (304). Exports list
classifications in id order, which the resume relies on.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from functools import cached_property
from typing import Any, ClassVar, Literal

import orjson
from pydantic import Field, SecretStr
from typing_extensions import override

from hub.connectors._http import ConditionalCache
from hub.connectors._portal import FlaggedContribution
from hub.connectors.base import Batch, Connector, ConnectorConfig, Pseudonymiser, RawRecord, unparsed_payload
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.connectors.zooniverse import PLATFORM
from hub.connectors.zooniverse_classification import (
    EXPORT_COLUMNS,
    ClassificationConnectorConfig,
    RememberedAgents,
    contribution_fields,
    scrub_export_row,
)
from hub.errors import FatalConnectorError, SchemaError
from hub.schema import HubModel

__all__ = ["CsvRecordSplitter", "ZooniverseExportConfig", "ZooniverseExportConnector", "iter_csv_rows"]

_CHUNK = 256 * 1024
# A record this long without its closing quote means unbalanced quoting, not a long row: stop instead of
# buffering the rest of the file.
MAX_RECORD_CHARS = 64 * 1024 * 1024
_PERSONAL_COLUMNS = frozenset({"user_name", "user_id", "user_ip", "metadata", "subject_data"})


class CsvRecordSplitter:
    """Cuts decoded CSV text into whole records (a record may span lines inside quotes), in constant memory.

    ``feed`` text in any pieces; it returns the text of the records completed so far, ready for :func:`csv.reader`
    over ``io.StringIO(text, newline="")``. A record ends at a newline outside quotes, which is exactly when the
    count of ``"`` characters before it is even (an escaped ``""`` adds two). The cut is found with ``str.rfind``
    and ``str.count`` over the piece, not line by line, so splitting costs little beside parsing.
    """

    def __init__(self, max_record_chars: int = MAX_RECORD_CHARS) -> None:
        self._pending = ""
        self._max = max_record_chars

    def feed(self, text: str) -> str:
        """Add text; return the text of every record it completed (``""`` when none)."""
        text = self._pending + text
        end = text.rfind("\n")
        # Quotes after the candidate cut; walking back newline by newline keeps the count exact in one pass.
        after = text.count('"', end + 1)
        total = after + text.count('"', 0, end + 1)
        while end >= 0 and (total - after) % 2:
            previous = text.rfind("\n", 0, end)
            after += text.count('"', previous + 1, end + 1)
            end = previous
        self._pending = text[end + 1 :]
        if len(self._pending) > self._max:
            raise ValueError(f"a CSV record runs over {self._max} characters (unbalanced quotes?)")
        return text[: end + 1]

    def close(self) -> str:
        """The last record (a file need not end with a newline); unterminated quoting is an error."""
        text, self._pending = self._pending, ""
        if text.count('"') % 2:
            raise ValueError("the CSV ends inside a quoted cell")
        return text


async def iter_csv_rows(chunks: AsyncIterable[bytes]) -> AsyncIterator[list[list[str]]]:
    """Rows of a UTF-8 CSV streamed as byte chunks (header included), parsed a group of whole records at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    splitter = CsvRecordSplitter()
    async for chunk in chunks:
        text = splitter.feed(decoder.decode(chunk))
        if text:
            yield list(csv.reader(io.StringIO(text, newline="")))
    text = splitter.feed(decoder.decode(b"", final=True)) + splitter.close()
    if text:
        yield list(csv.reader(io.StringIO(text, newline="")))


class ZooniverseExportConfig(ClassificationConnectorConfig):
    """Settings of the ``zooniverse-export`` connector: the export file's URL, its project, ``logged_out``."""

    project_id: str = Field(pattern=r"^\d+$", description="The Zooniverse project of the export (it is not a column).")
    page_size: int = Field(500, ge=1, le=10_000, description="Rows per batch (and per Kafka transaction).")
    token: SecretStr | None = Field(None, description="Bearer token, if the export URL needs one.")


class ZooniverseExportConnector(Connector):
    """Classifications from a Zooniverse classification export CSV (``base_url`` is the file's URL)."""

    name: ClassVar[str] = "zooniverse-export"
    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[ConnectorConfig]] = ZooniverseExportConfig
    sync_mode: ClassVar[Literal["incremental", "snapshot"]] = "incremental"
    maps_in_workers: ClassVar[bool] = True

    config: ZooniverseExportConfig

    @cached_property
    def _agents(self) -> Pseudonymiser | None:
        """The pseudonymiser, remembering recent user ids' agent IRIs (see :class:`RememberedAgents`)."""
        return RememberedAgents(self.pseudonymiser) if self.pseudonymiser is not None else None

    @override
    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:
        """Rows after the cursor's classification id, ``page_size`` per batch; nothing if the file is unchanged."""
        state = decode_cursor(cursor, connector=self.name)
        last_id = state.get("last_id") if isinstance(state.get("last_id"), int) else None
        previous = ConditionalCache.from_json(state.get("etags"))
        # The new validators are kept apart until the whole file is read: a run that breaks off must not leave a
        # cursor that makes the next run answer 304 over rows it never read.
        current = ConditionalCache.from_json(previous.to_json())
        url = str(self.config.base_url)
        headers = {"Authorization": f"Bearer {self.config.token.get_secret_value()}"} if self.config.token else {}
        records: list[RawRecord] = []
        high = last_id
        async with self.http.stream(url, connector=self.name, headers=headers, cache=current) as resp:
            if resp is None:
                return
            async for record in self._records(resp.content.iter_chunked(_CHUNK), url, after=last_id):
                row_id = int(record.native_id) if record.native_id.isdigit() else None
                if row_id is not None and last_id is not None and row_id <= last_id:
                    continue
                records.append(record)
                if row_id is not None:
                    high = row_id if high is None else max(high, row_id)
                if len(records) >= self.config.page_size:
                    yield Batch(records, encode_cursor({"last_id": high, "etags": previous.to_json()}))
                    records = []
        yield Batch(records, encode_cursor({"last_id": high, "etags": current.to_json()}))

    def _fields(self, record: RawRecord) -> dict[str, Any]:
        return contribution_fields(record.payload, project_id=self.config.project_id, source_url=record.source_url)

    async def _records(self, chunks: AsyncIterable[bytes], url: str, *, after: int | None) -> AsyncIterator[RawRecord]:
        line = 0
        async for rows in iter_csv_rows(chunks):
            if line == 0:
                if not rows:
                    continue
                self._check_header(rows[0], url)
                line, rows = 1, rows[1:]
            for row in rows:
                line += 1
                if after is not None and row and row[0].isdigit() and int(row[0]) <= after:
                    continue  # committed by an earlier run: not worth scrubbing again
                yield self.row_record(row, line, url)

    def _check_header(self, header: Sequence[str], url: str) -> None:
        if tuple(h.strip() for h in header) != EXPORT_COLUMNS:
            missing = sorted(set(EXPORT_COLUMNS) - set(header))
            raise FatalConnectorError(
                f"{url} is not a classification export: header {header[:16]!r}; missing {missing}",
                connector=self.name,
            )

    def row_record(self, row: Sequence[str], line: int, url: str) -> RawRecord:
        """One export row as a raw record; a malformed row becomes an unparsed record naming the problem."""
        first = row[0].strip() if row else ""
        native_id = first if first.isdigit() else f"row-{line}"
        if len(row) != len(EXPORT_COLUMNS):
            reason = f"record {line}: {len(row)} fields, expected {len(EXPORT_COLUMNS)}"
            return RawRecord(PLATFORM, "classification", native_id, unparsed_payload(first[:40], reason), url)
        cells = dict(zip(EXPORT_COLUMNS, row, strict=True))
        try:
            payload = scrub_export_row(cells, pseudonymiser=self._agents, logged_out=self.config.logged_out)
        except ValueError as exc:
            # Keep the non-personal columns for whoever reads the dead letter, never the personal ones.
            kept = {k: v for k, v in cells.items() if k not in _PERSONAL_COLUMNS}
            return RawRecord(
                PLATFORM,
                "classification",
                native_id,
                unparsed_payload(orjson.dumps(kept).decode(), f"record {line}: {exc}"),
                url,
            )
        return RawRecord(PLATFORM, "classification", native_id, payload, url)

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        """A scrubbed export row -> one Contribution."""
        self.require_parsed(record)
        try:
            return [FlaggedContribution(**self._fields(record))]
        except (ValueError, SchemaError) as exc:
            raise self.skip(record, str(exc)) from exc
