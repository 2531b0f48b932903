"""Change detection: the content hash of every published record, rebuilt from the topics themselves.

Nothing is stored besides Kafka: each upsert carries its content hash in a ``ce_contenthash`` header, so reading
the compacted entity topics (read_committed) from the beginning gives the hash of every live record, and the
raw topics give the hash of every verbatim record. A record whose hash did not change is not published again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass

from hub.config import HubSettings, StreamSettings
from hub.stream.consume import Message, Offsets, assign_all, open_transaction_ends, read_to_end
from hub.stream.envelope import entity_of_event_type, header_map
from hub.stream.kafka import KafkaClients
from hub.stream.topics import ENTITY_TYPES, entity_topic

__all__ = ["HashIndex", "IndexEntry", "RawIndex", "iter_topics", "load_dead_letters", "read_topics"]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the hub knows of one live record without reading its value."""

    entity: str
    content_hash: str
    source: str
    raw_key: str | None = None


async def iter_topics(
    kafka: KafkaClients,
    topics: Iterable[str],
    *,
    timeout_s: float = 300.0,
    written: Offsets | None = None,
    settle: bool = True,
) -> AsyncIterator[Message]:
    """Every committed message of the topics, from the beginning to their end, one at a time.

    Args:
        kafka: the cluster.
        topics: what to read.
        timeout_s: longest the whole read may take.
        written: offsets a publisher returned; the read includes those records (read your own writes).
        settle: also wait (briefly, see ``read_to_end``) for transactions open when the read starts, so a batch
            that another process committed a moment ago is not missed because its marker had not landed yet.
    """
    consumer = kafka.committed_consumer()
    await consumer.start()
    try:
        tps = await assign_all(consumer, topics, paused=True)
        ends = await open_transaction_ends(kafka, tps) if settle else None
        async with asyncio.timeout(timeout_s):
            async for message in read_to_end(consumer, tps, written=written, settle=ends):
                yield message
    finally:
        await consumer.stop()


async def read_topics(
    kafka: KafkaClients,
    topics: Iterable[str],
    *,
    timeout_s: float = 120.0,
    written: Offsets | None = None,
    settle: bool = True,
) -> list[Message]:
    """Every committed message of the topics, from the beginning to their end, as a list (see ``iter_topics``)."""
    return [m async for m in iter_topics(kafka, topics, timeout_s=timeout_s, written=written, settle=settle)]


class HashIndex:
    """IRI → (entity, content hash, source, raw key) of every live record on the entity topics."""

    def __init__(self, entries: Mapping[str, IndexEntry] | None = None) -> None:
        self.entries: dict[str, IndexEntry] = dict(entries or {})

    @classmethod
    async def load(
        cls, kafka: KafkaClients, settings: StreamSettings | HubSettings, entities: Iterable[str] = ENTITY_TYPES
    ) -> HashIndex:
        """Rebuild the index from the entity topics."""
        index = cls()
        by_topic = {entity_topic(settings, entity): entity for entity in entities}
        async for message in iter_topics(kafka, by_topic):
            index.observe(by_topic[message.topic], message)
        return index

    def observe(self, entity: str, message: Message) -> None:
        """Fold one entity-topic message into the index."""
        headers = header_map(message.headers)
        iri = headers.get("ce_subject") or message.key_text
        if message.value is None:
            self.entries.pop(iri, None)
            return
        parsed = entity_of_event_type(headers.get("ce_type", ""))
        if parsed is not None and parsed[1] == "deleted":
            # The tombstone that follows removes the entry; until then the record counts as gone already.
            self.entries.pop(iri, None)
            return
        self.entries[iri] = IndexEntry(
            entity=entity,
            content_hash=headers.get("ce_contenthash", ""),
            source=headers.get("ce_source", ""),
            raw_key=headers.get("ce_rawkey"),
        )

    def get(self, iri: str) -> IndexEntry | None:
        """The entry of a live record."""
        return self.entries.get(iri)

    def is_unchanged(self, iri: str, content_hash: str) -> bool:
        """True when the record is live with exactly this content."""
        entry = self.entries.get(iri)
        return entry is not None and entry.content_hash == content_hash

    def apply(self, updates: Mapping[str, IndexEntry | None]) -> None:
        """Apply what a committed transaction wrote (None: the record was deleted)."""
        for iri, entry in updates.items():
            if entry is None:
                self.entries.pop(iri, None)
            else:
                self.entries[iri] = entry

    def live_from(self, source: str, entities: Iterable[str]) -> set[str]:
        """IRIs of live records that ``source`` published, among the given entity types."""
        wanted = set(entities)
        return {iri for iri, entry in self.entries.items() if entry.source == source and entry.entity in wanted}


class RawIndex:
    """Raw-topic key → hash of the verbatim bytes, so unchanged verbatim records are not written again."""

    def __init__(self, hashes: Mapping[str, str] | None = None) -> None:
        self.hashes: dict[str, str] = dict(hashes or {})

    @classmethod
    async def load(cls, kafka: KafkaClients, topic: str) -> RawIndex:
        """Rebuild from a platform's raw topic."""
        index = cls()
        async for message in iter_topics(kafka, [topic]):
            if message.value is None:
                index.hashes.pop(message.key_text, None)
            else:
                index.hashes[message.key_text] = message.header("ce_contenthash") or ""
        return index


async def load_dead_letters(kafka: KafkaClients, topic: str, connector: str) -> dict[str, str]:
    """Raw key → signature (``ce_contenthash``) of the latest dead letter of each record ``connector`` wrote."""
    latest: dict[str, str] = {}
    async for message in iter_topics(kafka, [topic]):
        if message.header("ce_connector") == connector:
            latest[message.key_text] = message.header("ce_contenthash") or ""
    return latest
