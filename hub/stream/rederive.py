"""Re-derivation: run verbatim records kept on Kafka (a raw topic, or dead letters) through the current mapping.

Nothing is fetched from the platform. The records go through the same ``Normaliser`` as a sync, so only what the
new mapping changes is published, and what still fails is dead-lettered again with the new reason. What it
publishes under a connector's name also goes to that connector's state topic (``hub.stream.sync_state``), in the
same transaction, so the connector's next sync compares against it and does not publish it again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
import structlog

from hub.config import HubSettings
from hub.connectors import Connector, RawRecord
from hub.errors import StreamError
from hub.schema.base import CONTEXT_URL
from hub.stream.changes import HashIndex, read_topics
from hub.stream.consume import Message
from hub.stream.kafka import KafkaClients
from hub.stream.normalise import BatchPlan, Normaliser
from hub.stream.publisher import OutgoingMessage, TransactionalPublisher, TransactionOutcome, Verify
from hub.stream.records import connector_source
from hub.stream.sync_state import state_messages
from hub.stream.topics import ensure_topics, hub_topics, raw_topic, sync_state_topic, sync_state_topic_spec

__all__ = ["RederiveSummary", "raw_record_from_message", "rederive_platform", "rederive_records"]

log = structlog.get_logger(__name__)

_RECORDS_PER_TRANSACTION = 500


@dataclass
class RederiveSummary:
    """What a re-derivation did."""

    records: int = 0
    published: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    duration: float = 0.0

    def add(self, plan: BatchPlan) -> None:
        """Count a committed plan."""
        self.records += plan.fetched
        self.published += plan.published
        self.unchanged += plan.unchanged
        self.dead_lettered += plan.dead_lettered


def _verifier(kafka: KafkaClients, settings: HubSettings, index: HashIndex, plan: BatchPlan) -> Verify:
    """Tells whether a failed try committed after all: every upsert it carried is then live on the topics."""
    changed = {
        iri: entry.content_hash
        for iri, entry in plan.index_updates.items()
        if entry is not None and not index.is_unchanged(iri, entry.content_hash)
    }

    async def verify() -> TransactionOutcome:
        if not changed:
            return TransactionOutcome.NOT_COMMITTED
        fresh = await HashIndex.load(kafka, settings)
        if all(fresh.is_unchanged(iri, digest) for iri, digest in changed.items()):
            return TransactionOutcome.COMMITTED
        return TransactionOutcome.NOT_COMMITTED

    return verify


def raw_record_from_message(message: Message) -> RawRecord:
    """The verbatim record a raw-topic message or a dead letter carries.

    Raises:
        StreamError: the message lacks the ``ce_platform``/``ce_kind``/``ce_nativeid`` headers or its value is
            not JSON; the message says which topic and offset.
    """
    where = f"{message.topic}[{message.partition}]@{message.offset}"
    platform, kind, native_id = (message.header(f"ce_{name}") for name in ("platform", "kind", "nativeid"))
    if platform is None or kind is None or native_id is None or message.value is None:
        raise StreamError(f"{where} is not a verbatim record: it lacks ce_platform, ce_kind or ce_nativeid, or a value")
    try:
        payload = orjson.loads(message.value)
    except orjson.JSONDecodeError as exc:
        raise StreamError(f"{where}: the verbatim payload is not JSON: {exc}") from exc
    return RawRecord(platform, kind, native_id, payload, message.header("ce_sourceurl") or "")


async def rederive_records(
    records: Sequence[RawRecord],
    connector_name: str,
    connector: Connector,
    *,
    kafka: KafkaClients,
    settings: HubSettings,
    extra_messages: Sequence[OutgoingMessage] = (),
) -> RederiveSummary:
    """Map ``records`` with the connector's current mapping and publish what changed, in transactions.

    Args:
        records: verbatim records (from a raw topic or the dead-letter topic).
        connector_name: whose records they are (source of the events, name on new dead letters).
        connector: supplies ``map``.
        kafka: the cluster.
        settings: topic layout.
        extra_messages: written with the last transaction (e.g. marks that dead letters were replayed).
    """
    started = time.monotonic()
    state_topic = sync_state_topic(settings, connector_name)
    await ensure_topics(kafka, [*hub_topics(settings), sync_state_topic_spec(settings, connector_name)], settings)
    summary = RederiveSummary()
    publisher = TransactionalPublisher(
        kafka, f"{settings.stream.topic_prefix}.rederive.{connector_name}", max_batch_size=262144
    )
    async with publisher:
        index = await HashIndex.load(kafka, settings)
        normaliser = Normaliser(
            settings,
            connector=connector_name,
            source=connector_source(connector_name),
            map_record=connector.map,
            index=index,
            raw_index=None,
            dataschema=CONTEXT_URL,
        )
        chunks = [records[i : i + _RECORDS_PER_TRANSACTION] for i in range(0, len(records), _RECORDS_PER_TRANSACTION)]
        for number, chunk in enumerate(chunks or [[]], start=1):
            plan = normaliser.plan(chunk)
            tail = list(extra_messages) if number == max(len(chunks), 1) else []
            state = state_messages(state_topic, plan, index, None, None)
            await publisher.publish([*plan.messages, *state, *tail], verify=_verifier(kafka, settings, index, plan))
            plan.commit_to(index, None)
            summary.add(plan)
    summary.duration = time.monotonic() - started
    log.info("rederive.finished", connector=connector_name, **summary.__dict__)
    return summary


async def rederive_platform(
    platform: str, connector_name: str, connector: Connector, *, kafka: KafkaClients, settings: HubSettings
) -> RederiveSummary:
    """Re-normalise a platform's whole raw topic through the connector's current mapping.

    Raises:
        StreamError: the platform has no raw topic (it never synced), or a raw message is malformed.
    """
    messages = await read_topics(kafka, [raw_topic(settings, platform)])
    latest: dict[str, Message] = {}
    for message in messages:
        if message.value is None:
            latest.pop(message.key_text, None)
        else:
            latest[message.key_text] = message
    records = [raw_record_from_message(m) for m in latest.values()]
    return await rederive_records(records, connector_name, connector, kafka=kafka, settings=settings)
