"""The partner router: copies matching records, updates and deletions into ``<prefix>.partner.<partner>.<entity>.v1``.

It is a consumer group over the entity topics, so it scales out by partition (``hub route`` runs one more member);
each partition's output of a poll and the group's offset for it are written in one transaction
(consume-transform-produce), by a producer whose transactional id is that partition's (`hub.stream.router_producers`),
so a crash neither loses nor repeats a routed record for read_committed readers, two routers never fence each
other, and a router that lost a partition but still runs is fenced by the one that took it over. What each partner
topic holds (key → content hash) is rebuilt from the partner topics themselves after each rebalance, which lets the
router skip unchanged records, forward deletions only where the record was sent, and delete a record from a partner
topic when an update makes it stop matching.

A new or changed subscription is backfilled from the compacted entity topics: each router instance backfills the
partitions it owns, up to its current position (later records are routed live), and marks each partition done in
the same transaction as the last backfilled records.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError

from hub.config import HubSettings
from hub.errors import StreamError
from hub.schema.base import CONTEXT_URL
from hub.stream.consume import Message, read_to_end, to_message
from hub.stream.envelope import CloudEvent, entity_of_event_type, event_type, header_map
from hub.stream.filters import facets_of, matches
from hub.stream.kafka import KafkaClients
from hub.stream.publisher import OutgoingMessage, TransactionalPublisher
from hub.stream.router_producers import PartitionPublishers
from hub.stream.state import BackfillMark, PartnerSubscription, StateTable, encode_state
from hub.stream.topics import (
    ENTITY_TYPES,
    ensure_topics,
    entity_topic,
    hub_topics,
    internal_topic,
    partner_topic,
    partner_topic_spec,
)

__all__ = ["MARK_PREFIX", "PartnerRouter", "fingerprint", "router_group_id"]

log = structlog.get_logger(__name__)

MARK_PREFIX = "router/"
ROUTER_SOURCE = "/router"
_CHUNK = 1000


def router_group_id(settings: HubSettings) -> str:
    """The router's consumer group: every router instance of one hub joins it."""
    return f"{settings.stream.topic_prefix}.router"


def fingerprint(subscription: PartnerSubscription) -> str:
    """A hash of what a subscription selects (not of its timestamps)."""
    selected = subscription.model_dump(
        mode="json", include={"entity_types", "platforms", "countries", "science_types", "keywords"}
    )
    return hashlib.sha256(orjson.dumps(selected, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def _mark_key(subscription: PartnerSubscription, tp: TopicPartition) -> str:
    return f"{MARK_PREFIX}{subscription.key}/{tp.topic}/{tp.partition}"


def _entities(subscription: PartnerSubscription) -> list[str]:
    return [e for e in (subscription.entity_types or ENTITY_TYPES) if e in ENTITY_TYPES]


class _Assignments(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """Notes that the group gave this instance new partitions, for the loop to rebuild and backfill."""

    def __init__(self) -> None:
        self.changed = True

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.changed = True

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.changed = True


@dataclass
class _Output:
    """The messages of one transaction and the partner-topic contents they change."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    changes: dict[tuple[str, str], str | None] = field(default_factory=dict)


class PartnerRouter:
    """Routes entity-topic records to partner topics according to the subscriptions in the partners topic.

    Args:
        kafka: the cluster.
        settings: topic layout.
        refresh_interval_s: how often the subscriptions are re-read.
        poll_timeout_ms: longest wait for new records per poll.
    """

    def __init__(
        self,
        kafka: KafkaClients,
        settings: HubSettings,
        *,
        refresh_interval_s: float = 2.0,
        poll_timeout_ms: int = 500,
    ) -> None:
        self._kafka = kafka
        self._settings = settings
        self._refresh_s = refresh_interval_s
        self._poll_ms = poll_timeout_ms
        self._group = router_group_id(settings)
        self._topics = {entity_topic(settings, e): e for e in ENTITY_TYPES}
        # partner topic -> key -> content hash of what it holds
        self._held: dict[str, dict[str, str]] = {}
        self._known: dict[str, str] = {}
        self.routed = 0
        #: Per owned partition, the offset this router has routed up to (the next one it reads), set once it has taken
        #: the partition over and backfilled what needed it. Probes and tests wait on it rather than on time.
        self.routed_up_to: dict[TopicPartition, int] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Route until ``stop`` is set; a Kafka failure restarts the session from the committed offsets."""
        while not stop.is_set():
            try:
                await self._session(stop)
            except (StreamError, KafkaError) as exc:
                log.warning("router.session_failed", error=repr(exc))
                with contextlib.suppress(TimeoutError):  # asyncio.timeout never swallows a cancellation
                    async with asyncio.timeout(2.0):
                        await stop.wait()

    async def _session(self, stop: asyncio.Event) -> None:
        await ensure_topics(self._kafka, hub_topics(self._settings), self._settings)
        listener = _Assignments()
        consumer = self._kafka.committed_consumer(group_id=self._group)
        consumer.subscribe(list(self._topics), listener=listener)
        publishers = PartitionPublishers(self._kafka, self._group, max_attempts=1, max_batch_size=262144)
        subscriptions = StateTable(self._kafka, internal_topic(self._settings, "partners"), PartnerSubscription)
        marks = StateTable(
            self._kafka,
            internal_topic(self._settings, "router-marks"),
            BackfillMark,
            key_filter=lambda key: key.startswith(MARK_PREFIX),
        )
        async with subscriptions, marks:
            await consumer.start()
            try:
                refreshed = asyncio.get_running_loop().time()
                while not stop.is_set():
                    now = asyncio.get_running_loop().time()
                    if now - refreshed >= self._refresh_s:
                        await subscriptions.refresh()
                        refreshed = now
                    current = {key: fingerprint(sub) for key, sub in subscriptions.items()}
                    try:
                        if listener.changed:
                            listener.changed = False
                            await self._take_over(consumer, publishers)
                            await self._prepare(consumer, publishers, subscriptions, marks)
                            self._known = current
                            self.routed_up_to = {tp: await consumer.position(tp) for tp in publishers.owned}
                        elif current != self._known:
                            await self._prepare(consumer, publishers, subscriptions, marks)
                            self._known = current
                    except (IllegalStateError, StreamError):
                        # The group rebalanced meanwhile (a seek on a partition no longer assigned, or a backfill
                        # fenced by the partition's new owner): the listener has noted it, so the next round takes
                        # over the new assignment. Failing the session instead would leave and rejoin the group,
                        # which rebalances it once more.
                        if not listener.changed:
                            raise
                        continue
                    batch = await consumer.getmany(timeout_ms=self._poll_ms)
                    # A rebalance during the poll may have handed back records read from positions fetched before
                    # this router fenced the partitions' previous owners: drop them, _take_over seeks again.
                    if batch and not listener.changed:
                        await self._route_batch(consumer, publishers, subscriptions, batch, listener)
            finally:
                await publishers.close()
                await consumer.stop()

    @property
    def prepared(self) -> Mapping[str, str]:
        """Subscription key -> fingerprint of each subscription as this router last backfilled it."""
        return dict(self._known)

    async def _take_over(self, consumer: Any, publishers: PartitionPublishers) -> None:
        """After a rebalance: own exactly the assigned partitions, then go on from their committed offsets.

        The committed offsets are read again after the producers have started, that is after the previous owner of
        each partition has been fenced and its open transaction settled; offsets the consumer fetched during the
        rebalance could predate that owner's last commit.
        """
        assigned = set(consumer.assignment())
        await publishers.own(assigned)
        for tp in sorted(assigned):
            committed = await consumer.committed(tp)
            if committed is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)
        log.info("router.assigned", partitions=[f"{t.topic}/{t.partition}" for t in sorted(assigned)])

    async def _prepare(
        self,
        consumer: Any,
        publishers: PartitionPublishers,
        subscriptions: StateTable[PartnerSubscription],
        marks: StateTable[BackfillMark],
    ) -> None:
        """Create partner topics, rebuild what they hold, and backfill what new or changed filters select."""
        subs = [sub for _, sub in subscriptions.items()]
        specs = {
            spec.name: spec
            for sub in subs
            for spec in (partner_topic_spec(self._settings, sub.partner, e) for e in _entities(sub))
        }
        if specs:
            await ensure_topics(self._kafka, list(specs.values()), self._settings)
        await self._rebuild_held(list(specs))
        await marks.refresh()
        for tp in sorted(publishers.owned, key=lambda t: (t.topic, t.partition)):
            stale = [s for s in subs if (m := marks.get(_mark_key(s, tp))) is None or m.fingerprint != fingerprint(s)]
            if stale:
                await self._backfill(tp, await consumer.position(tp), subs, stale, publishers.get(tp))

    async def _rebuild_held(self, topics: Iterable[str]) -> None:
        held: dict[str, dict[str, str]] = {topic: {} for topic in topics}
        if held:
            consumer = self._kafka.committed_consumer()
            await consumer.start()
            try:
                tps = [TopicPartition(t, p) for t in held for p in (await _partitions(consumer, t))]
                consumer.assign(tps)
                await consumer.seek_to_beginning(*tps)
                async for message in read_to_end(consumer, tps):
                    contents = held[message.topic]
                    parsed = entity_of_event_type(message.header("ce_type") or "")
                    if message.value is None or (parsed is not None and parsed[1] == "deleted"):
                        contents.pop(message.key_text, None)
                    else:
                        contents[message.key_text] = message.header("ce_contenthash") or ""
            finally:
                await consumer.stop()
        self._held = held

    async def _backfill(
        self,
        tp: TopicPartition,
        position: int,
        subs: list[PartnerSubscription],
        stale: list[PartnerSubscription],
        publisher: TransactionalPublisher,
    ) -> None:
        """Bring the partner topics of the stale subscriptions' partners in line with one partition's records."""
        partners = {s.partner for s in stale}
        entity = self._topics[tp.topic]
        relevant = [s for s in subs if s.partner in partners and entity in _entities(s)]
        # A partition no stale partner subscribes to has nothing to backfill: it only gets its marks.
        latest = await self._latest(tp, position) if relevant else {}
        output = _Output()
        for message in latest.values():
            self._route(message, entity, relevant, output, backfill=True)
        marks = [
            OutgoingMessage(
                internal_topic(self._settings, "router-marks"),
                _mark_key(s, tp).encode(),
                encode_state(BackfillMark(fingerprint=fingerprint(s))),
            )
            for s in stale
        ]
        chunks = [output.messages[i : i + _CHUNK] for i in range(0, len(output.messages), _CHUNK)] or [[]]
        chunks[-1] = [*chunks[-1], *marks]
        for chunk in chunks:
            await publisher.publish(chunk)
        self._apply(output)
        log.info("router.backfilled", partition=f"{tp.topic}/{tp.partition}", messages=len(output.messages))

    async def _latest(self, tp: TopicPartition, position: int) -> dict[str, Message]:
        """The last message per key of one partition, before ``position``."""
        latest: dict[str, Message] = {}
        reader = self._kafka.committed_consumer()
        await reader.start()
        try:
            reader.assign([tp])
            await reader.seek_to_beginning(tp)
            while await reader.position(tp) < position:
                batch = await reader.getmany(tp, timeout_ms=self._poll_ms)
                for record in batch.get(tp, []):
                    if record.offset < position:
                        latest[record.key.decode() if record.key else ""] = to_message(record)
        finally:
            await reader.stop()
        return latest

    def _delete_from(self, topic: str, entity: str, key: str, output: _Output) -> None:
        event = CloudEvent(
            source=ROUTER_SOURCE, type=event_type(entity, "deleted"), subject=key, dataschema=CONTEXT_URL
        )
        output.messages.append(
            OutgoingMessage(topic, key.encode(), orjson.dumps({"@context": CONTEXT_URL, "id": key}), event.to_headers())
        )
        output.messages.append(OutgoingMessage(topic, key.encode(), None, event.to_headers()))
        output.changes[(topic, key)] = None

    def _holds(self, topic: str, key: str, output: _Output) -> str | None:
        if (topic, key) in output.changes:
            return output.changes[(topic, key)]
        return self._held.get(topic, {}).get(key)

    def _route(
        self,
        message: Message,
        entity: str,
        subs: list[PartnerSubscription],
        output: _Output,
        *,
        backfill: bool = False,
    ) -> None:
        """Add what one entity-topic message means for each partner with a subscription on its entity type."""
        by_partner: dict[str, list[PartnerSubscription]] = defaultdict(list)
        for sub in subs:
            if entity in _entities(sub):
                by_partner[sub.partner].append(sub)
        if not by_partner:
            return
        headers = header_map(message.headers)
        key = message.key_text
        parsed = entity_of_event_type(headers.get("ce_type", ""))
        deleted = message.value is None or (parsed is not None and parsed[1] == "deleted")
        document: Mapping[str, Any] = {}
        if not deleted and message.value is not None:
            try:
                document = orjson.loads(message.value)
            except orjson.JSONDecodeError:
                log.warning("router.unreadable_record", topic=message.topic, key=key, offset=message.offset)
                return
        facets = facets_of(entity, headers.get("ce_subject") or key, document)
        for partner, partner_subs in sorted(by_partner.items()):
            topic = partner_topic(self._settings, partner, entity)
            held = self._holds(topic, key, output)
            if deleted:
                if held is None:
                    continue
                if backfill:
                    self._delete_from(topic, entity, key, output)
                else:
                    # The deleted event and the tombstone are forwarded as they are, in their order.
                    output.messages.append(OutgoingMessage(topic, message.key, message.value, message.headers))
                    if message.value is None:
                        output.changes[(topic, key)] = None
                continue
            if any(matches(sub, facets) for sub in partner_subs):
                digest = headers.get("ce_contenthash", "")
                if held != digest or not digest:
                    output.messages.append(OutgoingMessage(topic, message.key, message.value, message.headers))
                    output.changes[(topic, key)] = digest
            elif held is not None:
                self._delete_from(topic, entity, key, output)

    def _apply(self, output: _Output) -> None:
        for (topic, key), digest in output.changes.items():
            contents = self._held.setdefault(topic, {})
            if digest is None:
                contents.pop(key, None)
            else:
                contents[key] = digest
        self.routed += sum(1 for m in output.messages if m.value is not None)

    async def _route_batch(
        self,
        consumer: Any,
        publishers: PartitionPublishers,
        subscriptions: StateTable[PartnerSubscription],
        batch: Mapping[TopicPartition, list[Any]],
        listener: _Assignments,
    ) -> None:
        """One transaction per partition: its output and its offset, by the producer that fences its zombies."""
        subs = [sub for _, sub in subscriptions.items()]
        for tp, records in sorted(batch.items()):
            if not records or tp not in publishers.owned:
                continue
            entity = self._topics[tp.topic]
            output = _Output()
            for record in records:
                self._route(to_message(record), entity, subs, output)
            offsets = {tp: records[-1].offset + 1}
            try:
                await publishers.get(tp).publish(output.messages, offsets=offsets, group_id=self._group)
            except StreamError:
                if listener.changed:
                    # Fenced by the partition's new owner after a rebalance: its transaction is not committed, and
                    # the take-over seeks every partition still assigned to its committed offset.
                    return
                # Nothing of this partition's poll is committed: go back to its committed offset and route it again.
                committed = await consumer.committed(tp)
                if committed is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, committed)
                raise
            self._apply(output)
            self.routed_up_to[tp] = records[-1].offset + 1


async def _partitions(consumer: Any, topic: str) -> list[int]:
    cluster = await consumer._client.fetch_all_metadata()
    return sorted(cluster.partitions_for_topic(topic) or [])
