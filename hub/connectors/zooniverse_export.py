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
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import ClassVar, Literal

import orjson
from pydantic import Field, SecretStr
from typing_extensions import override

from hub.connectors._http import ConditionalCache
from hub.connectors.base import Batch, Connector, ConnectorConfig, RawRecord, unparsed_payload
from hub.connectors.cursor import decode_cursor, encode_cursor
from hub.connectors.zooniverse import PLATFORM
from hub.connectors.zooniverse_classification import (
    EXPORT_COLUMNS,
    ClassificationConnectorConfig,
    contribution_from_payload,
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

    ``feed`` text in any pieces; it returns the physical lines of the records completed so far, each record's
    lines together, ready for :func:`csv.reader`. A record ends at a newline outside quotes, which is exactly when
    the count of ``"`` characters in it is even (an escaped ``""`` adds two).
    """

    def __init__(self, max_record_chars: int = MAX_RECORD_CHARS) -> None:
        self._partial_line = ""
        self._record: list[str] = []
        self._record_chars = 0
        self._quotes = 0
        self._max = max_record_chars
        self.records = 0

    def feed(self, text: str) -> list[str]:
        """Add text; return the lines of every record it completed."""
        out: list[str] = []
        # Split on "\n" only: str.splitlines would also cut at \x0b, \x1c or \u2028, which csv keeps in a cell.
        parts = (self._partial_line + text).split("\n")
        self._partial_line = parts.pop()
        for part in parts:
            self._add(part + "\n", out)
        if self._record_chars + len(self._partial_line) > self._max:
            raise ValueError(f"a CSV record after record {self.records} runs over {self._max} characters")
        return out

    def _add(self, line: str, out: list[str]) -> None:
        self._record.append(line)
        self._record_chars += len(line)
        self._quotes += line.count('"')
        if self._quotes % 2 == 0:
            out.extend(self._record)
            self.records += 1
            self._record, self._record_chars, self._quotes = [], 0, 0

    def close(self) -> list[str]:
        """The lines of the last record (a file need not end with a newline); unterminated quoting is an error."""
        out: list[str] = []
        if self._partial_line:
            self._add(self._partial_line + "\n", out)
            self._partial_line = ""
        if self._record:
            raise ValueError(f"the CSV ends inside a quoted cell (record {self.records + 1})")
        return out


async def iter_csv_rows(chunks: AsyncIterable[bytes]) -> AsyncIterator[list[str]]:
    """Rows of a UTF-8 CSV streamed as byte chunks (header included), parsed a group of records at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    splitter = CsvRecordSplitter()
    async for chunk in chunks:
        lines = splitter.feed(decoder.decode(chunk))
        if lines:
            for row in csv.reader(lines):
                yield row
    lines = splitter.feed(decoder.decode(b"", final=True)) + splitter.close()
    for row in csv.reader(lines):
        yield row


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

    config: ZooniverseExportConfig

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
            async for record in self._records(resp.content.iter_chunked(_CHUNK), url):
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

    async def _records(self, chunks: AsyncIterable[bytes], url: str) -> AsyncIterator[RawRecord]:
        rows = iter_csv_rows(chunks)
        header = await anext(rows, None)
        if header is None:
            return
        if tuple(h.strip() for h in header) != EXPORT_COLUMNS:
            missing = sorted(set(EXPORT_COLUMNS) - set(header))
            raise FatalConnectorError(
                f"{url} is not a classification export: header {header[:16]!r}; missing {missing}",
                connector=self.name,
            )
        line = 1
        async for row in rows:
            line += 1
            yield self.row_record(row, line, url)

    def row_record(self, row: Sequence[str], line: int, url: str) -> RawRecord:
        """One export row as a raw record; a malformed row becomes an unparsed record naming the problem."""
        first = row[0].strip() if row else ""
        native_id = first if first.isdigit() else f"row-{line}"
        if len(row) != len(EXPORT_COLUMNS):
            reason = f"record {line}: {len(row)} fields, expected {len(EXPORT_COLUMNS)}"
            return RawRecord(PLATFORM, "classification", native_id, unparsed_payload(first[:40], reason), url)
        cells = dict(zip(EXPORT_COLUMNS, row, strict=True))
        try:
            payload = scrub_export_row(cells, pseudonymiser=self.pseudonymiser, logged_out=self.config.logged_out)
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

    def map(self, record: RawRecord) -> Sequence[HubModel]:
        """A scrubbed export row -> one Contribution."""
        payload = self.require_parsed(record)
        try:
            return [contribution_from_payload(payload, project_id=self.config.project_id, source_url=record.source_url)]
        except (ValueError, SchemaError) as exc:
            raise self.skip(record, str(exc)) from exc
