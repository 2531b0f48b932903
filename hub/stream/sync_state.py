"""A connector's own change-detection state, in its compacted topic ``<prefix>.hub.sync.<connector>``.

Reading every entity topic at each sync start made the start grow with everything every connector ever published;
this topic holds only what one connector needs, so its sync start reads what that connector itself wrote. Its
records go in the same transaction as the batch they describe, so the state never disagrees with the entity
topics after a crash.

Keys and values (compact JSON; a tombstone removes a key):

- ``meta``: ``{"version": 1}``, written with the first batch (or at the end of a rebuild): the state is complete.
- ``e/<IRI>``: ``{"e": entity, "h": content hash, "r": raw key}`` of a live record the connector published.
- ``r/<raw key>``: ``{"h": hash of the verbatim bytes}`` of a record the connector keeps on the raw topic.
- ``d/<raw key>``: ``{"h": signature}`` of the connector's latest dead letter of that record.
- ``m/<batch>/<part>``: ``{"seen": [marks], "failed": [raw keys]}``: the sweep marks (``sweep_mark``) one batch of a
  snapshot sweep under way added; every such key is tombstoned in the transaction that completes the sweep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog

from hub.config import HubSettings
from hub.errors import StreamError
from hub.stream.changes import HashIndex, IndexEntry, RawIndex, iter_topics, load_dead_letters
from hub.stream.kafka import KafkaClients
from hub.stream.normalise import BatchPlan
from hub.stream.publisher import OutgoingMessage
from hub.stream.topics import dlq_topic, raw_topic

__all__ = [
    "MARKS_PART_BYTES",
    "SyncState",
    "load_sync_state",
    "mark_messages",
    "rebuild_sync_state",
    "state_messages",
    "sweep_mark",
]

log = structlog.get_logger(__name__)

_META = "meta"
_VERSION = 1
# One marks record stays far below Kafka's 1 MB message limit, whatever the batch size.
MARKS_PART_BYTES = 256 * 1024


def sweep_mark(iri: str) -> str:
    """The short mark a sweep in progress keeps for a record it saw.

    48 bits of SHA-256 keep a mark at 12 characters; a collision (odds about 1e-5 for a hundred thousand records)
    could only spare one record from a deletion, never delete one.
    """
    return hashlib.sha256(iri.encode()).hexdigest()[:12]


@dataclass
class SyncState:
    """What one connector's sync needs to know of its own past, read from its state topic.

    Attributes:
        topic: the state topic.
        source: the connector's CloudEvents source (that of every entry).
        index: the connector's live records.
        raw: hashes of the connector's verbatim records.
        dead_letters: raw key → signature of the connector's latest dead letter of it.
        seen: marks of a sweep under way (records seen so far).
        failed: raw keys dead-lettered in that sweep.
        marks: the marks records of that sweep by key (tombstoned when the sweep completes).
        complete: the ``meta`` record is there (the state was written by this hub, or rebuilt).
        read: messages read to load it (the evidence that a start reads this topic only).
    """

    topic: str
    source: str
    index: HashIndex = field(default_factory=HashIndex)
    raw: RawIndex = field(default_factory=RawIndex)
    dead_letters: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    marks: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)
    complete: bool = False
    read: int = 0

    @property
    def empty(self) -> bool:
        """Nothing at all is stored (a new connector, or a hub upgraded from before the state topic)."""
        return not (self.complete or self.index.entries or self.raw.hashes or self.dead_letters or self.marks)

    @property
    def mark_keys(self) -> set[str]:
        """The keys of the marks records of the sweep under way."""
        return set(self.marks)

    def add_marks(self, key: str, seen: Iterable[str], failed: Iterable[str]) -> None:
        """Keep one marks record (as read, or as just committed)."""
        record = (frozenset(seen), frozenset(failed))
        self.marks[key] = record
        self.seen |= record[0]
        self.failed |= record[1]

    def clear_marks(self) -> None:
        """The sweep completed: its marks are tombstoned."""
        self.marks.clear()
        self.seen, self.failed = set(), set()

    def observe(self, key: str, value: bytes | None) -> None:
        """Fold one state-topic record into the state.

        Raises:
            StreamError: the value is not what its key's kind holds.
        """
        kind, _, name = key.partition("/")
        if value is None:
            self._forget(kind, name, key)
            return
        data = _decode(value, where=f"{self.topic}/{key}")
        if kind == "e":
            raw_key = data.get("r")
            self.index.entries[name] = IndexEntry(
                entity=str(data["e"]), content_hash=str(data["h"]), source=self.source, raw_key=raw_key
            )
        elif kind == "r":
            self.raw.hashes[name] = str(data["h"])
        elif kind == "d":
            self.dead_letters[name] = str(data["h"])
        elif kind == "m":
            # Only the dict is updated while reading: partitions interleave, so a sweep's marks can be read after
            # the next sweep's; ``settle_marks`` derives the sets from the latest record of each key at the end.
            self.marks[key] = (frozenset(data.get("seen", ())), frozenset(data.get("failed", ())))
        elif key == _META:
            self.complete = True
        else:
            log.warning("sync_state.unknown_key", topic=self.topic, key=key)

    def settle_marks(self) -> None:
        """Derive the sweep's marks from the marks records, once every record was read."""
        self.seen = set().union(*(seen for seen, _ in self.marks.values()))
        self.failed = set().union(*(failed for _, failed in self.marks.values()))

    def _forget(self, kind: str, name: str, key: str) -> None:
        if kind == "e":
            self.index.entries.pop(name, None)
        elif kind == "r":
            self.raw.hashes.pop(name, None)
        elif kind == "d":
            self.dead_letters.pop(name, None)
        elif kind == "m":
            self.marks.pop(key, None)
        elif key == _META:
            self.complete = False


def _decode(value: bytes, *, where: str) -> dict[str, Any]:
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise StreamError(f"invalid sync state record at {where}: {exc}") from exc
    if not isinstance(data, dict):
        raise StreamError(f"invalid sync state record at {where}: expected a JSON object, got {type(data).__name__}")
    return data


def _json(value: Mapping[str, Any]) -> bytes:
    return orjson.dumps(value)


def _put(topic: str, key: str, value: Mapping[str, Any] | None) -> OutgoingMessage:
    return OutgoingMessage(topic, key.encode(), None if value is None else _json(value))


def _entry_value(entry: IndexEntry) -> dict[str, Any]:
    value: dict[str, Any] = {"e": entry.entity, "h": entry.content_hash}
    if entry.raw_key is not None:
        value["r"] = entry.raw_key
    return value


def meta_message(topic: str) -> OutgoingMessage:
    """The record that says the state is complete."""
    return _put(topic, _META, {"version": _VERSION})


def state_messages(
    topic: str,
    plan: BatchPlan,
    index: HashIndex,
    raw: RawIndex | None,
    dead_letters: Mapping[str, str] | None,
) -> list[OutgoingMessage]:
    """The state records of what ``plan`` changes, compared with the state before it (unchanged keys: nothing)."""
    messages: list[OutgoingMessage] = []
    for iri, entry in plan.index_updates.items():
        current = index.get(iri)
        if entry is None:
            if current is not None:
                messages.append(_put(topic, f"e/{iri}", None))
        elif current is None or (current.entity, current.content_hash, current.raw_key) != (
            entry.entity,
            entry.content_hash,
            entry.raw_key,
        ):
            messages.append(_put(topic, f"e/{iri}", _entry_value(entry)))
    if raw is not None:
        for key, digest in plan.raw_updates.items():
            if raw.hashes.get(key) != digest:
                messages.append(_put(topic, f"r/{key}", None if digest is None else {"h": digest}))
    known = dead_letters or {}
    for key, signature in plan.dead_letter_updates.items():
        if known.get(key) != signature:
            messages.append(_put(topic, f"d/{key}", {"h": signature}))
    return messages


def _parts(values: list[str], budget: int) -> Iterator[list[str]]:
    part: list[str] = []
    size = 0
    for value in values:
        cost = len(value.encode()) + 3  # quotes and comma in JSON
        if part and size + cost > budget:
            yield part
            part, size = [], 0
        part.append(value)
        size += cost
    if part:
        yield part


def mark_messages(
    topic: str, batch: int, seen: Iterable[str], failed: Iterable[str], *, part_bytes: int = MARKS_PART_BYTES
) -> list[OutgoingMessage]:
    """The records holding one batch's new sweep marks, split so that none nears the message size limit."""
    messages: list[OutgoingMessage] = []
    seen_parts = list(_parts(sorted(seen), part_bytes))
    failed_parts = list(_parts(sorted(failed), part_bytes))
    for number in range(max(len(seen_parts), len(failed_parts))):
        value = {
            "seen": seen_parts[number] if number < len(seen_parts) else [],
            "failed": failed_parts[number] if number < len(failed_parts) else [],
        }
        messages.append(_put(topic, f"m/{batch}/{number}", value))
    return messages


def mark_tombstones(topic: str, keys: Iterable[str]) -> list[OutgoingMessage]:
    """Tombstones for the marks of a sweep that completed."""
    return [_put(topic, key, None) for key in sorted(keys)]


async def load_sync_state(kafka: KafkaClients, topic: str, source: str) -> SyncState:
    """Read a connector's state topic from the beginning to its end (read_committed, settling open transactions).

    Call it after the connector's transactional producer started, so a crashed predecessor's transaction is
    resolved and what is read is exactly what was committed.
    """
    state = SyncState(topic=topic, source=source)
    async for message in iter_topics(kafka, [topic]):
        state.read += 1
        state.observe(message.key_text, message.value)
    state.settle_marks()
    return state


async def rebuild_sync_state(
    kafka: KafkaClients, settings: HubSettings, stored: SyncState, *, connector: str, platform: str
) -> tuple[SyncState, list[OutgoingMessage]]:
    """Rebuild a connector's state from the entity, raw and dead-letter topics; also return the records storing it.

    For a hub upgraded from before the state topic (or a state topic lost): this reads every entity topic once, as
    every sync start used to. The records end with ``meta``, so a rebuild cut short is done again next time; keys of
    ``stored`` (what a cut-short rebuild left) that the rebuild does not have are tombstoned, and its marks kept.
    """
    topic, source = stored.topic, stored.source
    everything = await HashIndex.load(kafka, settings)
    state = SyncState(
        topic=topic, source=source, seen=stored.seen, failed=stored.failed, marks=stored.marks, complete=True
    )
    state.index.entries = {iri: entry for iri, entry in everything.entries.items() if entry.source == source}
    async for message in iter_topics(kafka, [raw_topic(settings, platform)]):
        if message.value is None:
            state.raw.hashes.pop(message.key_text, None)
        elif message.header("ce_source") == source:
            state.raw.hashes[message.key_text] = message.header("ce_contenthash") or ""
    state.dead_letters = await load_dead_letters(kafka, dlq_topic(settings), connector)
    messages = [_put(topic, f"e/{iri}", _entry_value(entry)) for iri, entry in sorted(state.index.entries.items())]
    messages.extend(_put(topic, f"r/{key}", {"h": digest}) for key, digest in sorted(state.raw.hashes.items()))
    messages.extend(_put(topic, f"d/{key}", {"h": sig}) for key, sig in sorted(state.dead_letters.items()))
    stale = [
        *(f"e/{iri}" for iri in stored.index.entries if iri not in state.index.entries),
        *(f"r/{key}" for key in stored.raw.hashes if key not in state.raw.hashes),
        *(f"d/{key}" for key in stored.dead_letters if key not in state.dead_letters),
    ]
    messages.extend(_put(topic, key, None) for key in sorted(stale))
    messages.append(meta_message(topic))
    return state, messages
