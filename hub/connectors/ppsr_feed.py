"""PPSR Core feed: any portal that already publishes PPSR Core JSON is ingested as it is, validated per record.

The feed is one document, ``{"Project": [...]}`` as PPSR's own JSON Schema has it (or a bare array). Each record
goes through the shared importer (:func:`hub.schema.ppsr.project_from_ppsr`), which repairs what has one safe
reading ("Unknown" dates omitted, "UTF-8" is not a language, mis-decoded text) and reports every problem with
its JSON path; those problems travel on the record as data-quality flags. A record the importer cannot build a
project from (no id or name) is a dead letter carrying the problems.

Contact e-mail addresses in a feed often name a person (``someone@gmail.com``); by default they are withheld
and the record says so. Every run is a full snapshot with mark and sweep.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import orjson
from pydantic import Field, HttpUrl
from typing_extensions import override

from hub.connectors.base import (
    ConnectorConfig,
    RawRecord,
    unparsed_payload,
)
from hub.connectors.snapshot import ListedSnapshotConnector
from hub.errors import FatalConnectorError
from hub.schema import HubModel
from hub.schema.iris import platform_iri
from hub.schema.models import Project
from hub.schema.ppsr import project_from_ppsr

__all__ = ["PpsrFeedConfig", "PpsrFeedConnector", "decode_feed"]

_EMAIL = re.compile(r"[^@\s<>()\"']+@[^@\s<>()\"']+\.[A-Za-z]{2,}")
# Some portals serve the JSON inside an HTML <script> element (the JRC inventory export does).
_SCRIPT = re.compile(rb"<script[^>]*>(.*)</script>", re.DOTALL | re.IGNORECASE)


class PpsrFeedConfig(ConnectorConfig):
    """Settings of one PPSR Core feed."""

    base_url: HttpUrl = Field(description="URL of the PPSR Core JSON document.")
    platform_slug: str = Field(
        pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
        description="The publishing portal's slug in the hub's IRIs, e.g. 'jrc-inventory'.",
    )
    records_key: str = Field("Project", min_length=1, description="Key of the project array in the document.")
    keep_contact_emails: bool = Field(
        False, description="Publish contact e-mail addresses; only for feeds whose addresses are organisational."
    )


def decode_feed(body: bytes, *, records_key: str) -> list[Any]:
    """The project records of a PPSR Core document.

    Accepts a UTF-8 byte-order mark, a ``<script>`` wrapper, ``{records_key: [...]}`` or a bare array.

    Raises:
        ValueError: the body is not JSON, or holds no project array; the message says which.
    """
    text = body.removeprefix(b"\xef\xbb\xbf").strip()
    if text.startswith(b"<"):
        match = _SCRIPT.search(text)
        if match is None:
            raise ValueError("the feed is HTML without a <script> element holding JSON")
        text = match.group(1).strip()
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the feed is not JSON ({exc})") from exc
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping) and isinstance(document.get(records_key), list):
        return list(document[records_key])
    keys = sorted(document) if isinstance(document, Mapping) else type(document).__name__
    raise ValueError(f"the feed has no {records_key!r} array (found {keys})")


class PpsrFeedConnector(ListedSnapshotConnector):
    """Full snapshots of a portal's PPSR Core JSON feed."""

    name: ClassVar[str] = "ppsr-feed"
    platform: ClassVar[str] = "ppsr-feed"
    config_model: ClassVar[type[ConnectorConfig]] = PpsrFeedConfig

    config: PpsrFeedConfig  # narrowed: Connector.__init__ checks it is an instance of config_model

    @classmethod
    def platform_of(cls, config: ConnectorConfig) -> str:
        """The configured ``platform_slug``: one class serves every PPSR-publishing portal."""
        if not isinstance(config, PpsrFeedConfig):
            raise TypeError(f"{cls.__name__} needs a PpsrFeedConfig, got {type(config).__name__}")
        return config.platform_slug

    @override
    async def listing(self) -> list[RawRecord]:
        url = str(self.config.base_url)
        response = await self.http.get(url, connector=self.name, decode_json=False)
        try:
            items = decode_feed(response.body, records_key=self.config.records_key)
        except ValueError as exc:
            raise FatalConnectorError(f"{response.url}: {exc}", connector=self.name) from exc
        records = []
        for index, item in enumerate(items):
            native = item.get("projectId") if isinstance(item, Mapping) else None
            text = str(native).strip() if isinstance(native, str | int) and not isinstance(native, bool) else ""
            if text:
                records.append(RawRecord(self.platform, "project", text, item, response.url))
            else:
                reason = f"$.{self.config.records_key}[{index}] has no projectId"
                payload = unparsed_payload(orjson.dumps(item).decode()[:2000], reason)
                records.append(RawRecord(self.platform, "project", f"index-{index}", payload, response.url))
        return records

    @override
    def map(self, record: RawRecord) -> Sequence[HubModel]:
        payload = self.require_parsed(record)
        if record.kind != "project":
            raise self.skip(record, f"unknown record kind {record.kind!r}")
        flags: list[str] = []
        if not self.config.keep_contact_emails:
            payload = _withhold_emails(payload, flags)
        result = project_from_ppsr(payload, platform=self.platform, path=f"$[projectId={record.native_id}]")
        flags.extend(str(problem) for problem in result.problems)
        if result.project is None:
            raise self.skip(record, "not a usable PPSR project: " + "; ".join(flags))
        data = result.project.model_dump(exclude_defaults=True)
        hosted = platform_iri(self.platform)
        data["hostedOn"] = [*data.get("hostedOn", []), *([hosted] if hosted not in data.get("hostedOn", []) else [])]
        return [Project(**data, data_quality_flag=sorted(set(flags)))]


def _withhold_emails(payload: Mapping[str, Any], flags: list[str]) -> dict[str, Any]:
    """The record with e-mail addresses removed from contact fields, one flag per field touched."""
    out = dict(payload)
    email = out.get("projectResponsiblePartyContactEmail")
    if isinstance(email, str) and _EMAIL.search(email):
        del out["projectResponsiblePartyContactEmail"]
        flags.append("projectResponsiblePartyContactEmail: e-mail address withheld (may name a person)")
    contacts = out.get("contactPoint")
    if isinstance(contacts, Mapping | list):
        items = [contacts] if isinstance(contacts, Mapping) else contacts
        kept = []
        for position, contact in enumerate(items):
            if not isinstance(contact, Mapping):
                kept.append(contact)
                continue
            cleaned = {
                key: value
                for key, value in contact.items()
                if not (key in {"contactName", "contactDetails"} and isinstance(value, str) and _EMAIL.search(value))
            }
            if len(cleaned) != len(contact):
                flags.append(f"contactPoint[{position}]: e-mail address withheld (may name a person)")
            if {"contactName", "contactDetails"} & set(cleaned):
                kept.append(cleaned)
        if kept:
            out["contactPoint"] = kept
        else:
            del out["contactPoint"]
    return out
