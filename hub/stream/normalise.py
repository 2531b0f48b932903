"""Turn a batch of verbatim records into the messages of one transaction, publishing only what changed.

For each record: the verbatim bytes go to the raw topic (when they differ from what it holds), ``map`` gives the
hub models, each model whose content hash differs from the live one becomes an upsert, and a record whose mapping
or validation fails becomes a dead letter carrying the reason. Nothing here talks to Kafka: the caller publishes
``BatchPlan.messages`` in one transaction and, once committed, applies ``BatchPlan`` to the indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import structlog

from hub.config import HubSettings, StreamSettings
from hub.stream.changes import HashIndex, IndexEntry, RawIndex
from hub.stream.envelope import EventStamper
from hub.stream.mapped import MAX_VALUE_BYTES, MappedRecord, classify_error, map_and_serialise
from hub.stream.publisher import OutgoingMessage
from hub.stream.records import (
    Publishable,
    RawLike,
    dead_letter_message,
    dead_letter_signature,
    deletion_messages,
    raw_key,
    raw_message,
    raw_tombstone,
    upsert_message,
)
from hub.stream.topics import COMPACTED_ENTITY_TYPES

__all__ = ["MAX_VALUE_BYTES", "BatchPlan", "MapFunction", "Normaliser", "classify_error"]

log = structlog.get_logger(__name__)

R = TypeVar("R", bound=RawLike)
MapFunction = Callable[[R], Sequence[Publishable]]


@dataclass
class BatchPlan:
    """The messages of one transaction and what they change, counted."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    index_updates: dict[str, IndexEntry | None] = field(default_factory=dict)
    raw_updates: dict[str, str | None] = field(default_factory=dict)
    dead_letter_updates: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    failed_raw_keys: set[str] = field(default_factory=set)
    fetched: int = 0
    published: int = 0
    unchanged: int = 0
    deleted: int = 0
    dead_lettered: int = 0

    def commit_to(
        self, index: HashIndex, raw_index: RawIndex | None, dead_letters: dict[str, str] | None = None
    ) -> None:
        """Apply the plan to the indexes once its transaction committed."""
        index.apply(self.index_updates)
        if dead_letters is not None:
            dead_letters.update(self.dead_letter_updates)
        if raw_index is not None:
            for key, value in self.raw_updates.items():
                if value is None:
                    raw_index.hashes.pop(key, None)
                else:
                    raw_index.hashes[key] = value


class Normaliser(Generic[R]):
    """Builds batch plans for one connector (or one re-derivation) against the live indexes.

    Args:
        settings: topic layout.
        connector: the connector's name (dead letters say who failed).
        source: the CloudEvents source of the upserts and deletions.
        map_record: the connector's ``map``.
        index: content hashes of live records.
        raw_index: hashes of verbatim records; None to write no raw records (re-derivation reads them).
        dataschema: the JSON-LD context version the records follow.
        dead_letters: raw key → signature of this connector's dead letters; a record that fails again in the same
            way with the same bytes is counted but not dead-lettered twice. None: always write dead letters.
    """

    def __init__(
        self,
        settings: StreamSettings | HubSettings,
        *,
        connector: str,
        source: str,
        map_record: MapFunction[R],
        index: HashIndex,
        raw_index: RawIndex | None,
        dataschema: str,
        dead_letters: dict[str, str] | None = None,
    ) -> None:
        self._settings = settings
        self._connector = connector
        self._source = source
        self._map = map_record
        self._index = index
        self._raw_index = raw_index
        self._dead_letters = dead_letters
        self._dataschema = dataschema

    def _current_hash(self, plan: BatchPlan, iri: str) -> str | None:
        if iri in plan.index_updates:
            pending = plan.index_updates[iri]
            return None if pending is None else pending.content_hash
        entry = self._index.get(iri)
        return None if entry is None else entry.content_hash

    def map(self, records: Sequence[R]) -> list[MappedRecord]:
        """Map and serialise ``records`` here, in this process (see `plan`)."""
        return [map_and_serialise(self._map, record) for record in records]

    def plan(self, records: Sequence[R], mapped: Sequence[MappedRecord] | None = None) -> BatchPlan:
        """The messages for a batch of verbatim records.

        ``mapped`` is what `map` gives for the same records, computed elsewhere (worker processes,
        `hub.stream.map_pool`); without it the records are mapped here.
        """
        if mapped is None:
            mapped = self.map(records)
        elif len(mapped) != len(records):
            raise ValueError(f"{len(mapped)} mapped results for {len(records)} records")
        plan = BatchPlan()
        # One stamper per batch: the envelope's shared parts are encoded once, not once per message.
        events = EventStamper(self._source)
        for record, result in zip(records, mapped, strict=True):
            plan.fetched += 1
            self._plan_record(plan, record, result, events)
        return plan

    def _plan_record(self, plan: BatchPlan, record: R, mapped: MappedRecord, events: EventStamper) -> None:
        key = raw_key(record.kind, record.native_id)
        data = mapped.data
        if len(data) > MAX_VALUE_BYTES:
            # Too big for Kafka: not kept verbatim, but explained; the mapping still had its chance.
            reason = f"RecordTooLargeError: verbatim record of {len(data)} bytes, more than {MAX_VALUE_BYTES}"
            self._dead_letter(plan, record, key, data[:MAX_VALUE_BYTES], "too_large", reason)
        elif self._raw_index is not None:
            known = plan.raw_updates.get(key, self._raw_index.hashes.get(key))
            if known != mapped.digest:
                plan.messages.append(
                    raw_message(self._settings, record, events=events, data=data, digest=mapped.digest)
                )
                plan.raw_updates[key] = mapped.digest
        if mapped.error_kind is not None:
            message = mapped.error_message or mapped.error_kind
            self._dead_letter(plan, record, key, data[:MAX_VALUE_BYTES], mapped.error_kind, message)
            plan.dead_lettered += 1
            # The record still exists on the platform: a sweep must not delete what it mapped to before.
            plan.failed_raw_keys.add(key)
            return
        for model in mapped.models:
            if self._current_hash(plan, model.iri) == model.content_hash:
                plan.unchanged += 1
            else:
                plan.messages.append(
                    upsert_message(self._settings, model, events=events, dataschema=self._dataschema, raw=key)
                )
                plan.published += 1
            if model.entity in COMPACTED_ENTITY_TYPES:
                plan.seen.add(model.iri)
            plan.index_updates[model.iri] = IndexEntry(model.entity, model.content_hash, self._source, key)

    def _dead_letter(self, plan: BatchPlan, record: R, key: str, data: bytes, kind: str, message: str) -> None:
        """Add a dead letter, unless this connector's last one for the record says the same about the same bytes."""
        log.warning(
            "stream.dead_letter", connector=self._connector, kind=record.kind, native_id=record.native_id, error=kind
        )
        signature = dead_letter_signature(data, message)
        known = plan.dead_letter_updates.get(key) or (self._dead_letters or {}).get(key)
        if self._dead_letters is not None and known == signature:
            return
        plan.messages.append(
            dead_letter_message(
                self._settings, record, connector=self._connector, error_kind=kind, error_message=message, data=data
            )
        )
        plan.dead_letter_updates[key] = signature

    def plan_deletions(self, plan: BatchPlan, iris: Iterable[str], *, platform: str | None) -> None:
        """Add a deleted event and a tombstone for each IRI (and forget its verbatim record)."""
        raw_keys: set[str] = set()
        for iri in sorted(iris):
            entry = self._index.get(iri)
            if entry is None:
                continue
            plan.messages.extend(
                deletion_messages(self._settings, entry.entity, iri, source=self._source, dataschema=self._dataschema)
            )
            plan.index_updates[iri] = None
            plan.deleted += 1
            if entry.raw_key is not None:
                raw_keys.add(entry.raw_key)
        if platform is not None and self._raw_index is not None:
            for key in sorted(raw_keys):
                plan.messages.append(raw_tombstone(self._settings, platform, key))
                plan.raw_updates[key] = None
