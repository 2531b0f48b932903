"""Publishing the matcher's links, and operators' decisions on them, on Kafka.

The links topic (compacted, keyed by link IRI) carries `hub.schema.Link` records. Operators' decisions live in
their own compacted topic, ``{prefix}.hub.link-decisions``, keyed by link IRI, so they outlive any matcher run:

- a **rejected** link is withdrawn (tombstone on the links topic) in the same transaction as the decision, and
  every later matcher run skips it, so it stays rejected;
- a **confirmed** link is republished with score 1 and the operator's confirmation added to its evidence, and
  later runs leave it as it is.

A matcher run publishes only what changed: new links, links whose score or evidence moved, and tombstones for
links it proposed before and no longer does (never for confirmed ones).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
import structlog

from hub.config import HubSettings
from hub.dump.listings import read_listings
from hub.dump.matching import METHOD, Proposal, propose_links
from hub.dump.store import HubStore
from hub.errors import DumpError, RecordValidationError
from hub.schema import Link
from hub.schema.iris import ID_BASE
from hub.stream.consume import assign_all, read_to_end
from hub.stream.kafka import KafkaClients
from hub.stream.topics import TopicSpec, entity_topic

__all__ = [
    "DECISIONS",
    "Decision",
    "LinkService",
    "SyncReport",
    "decisions_topic",
    "decisions_topic_spec",
    "match_and_publish",
    "read_table",
]

log = structlog.get_logger(__name__)

Decision = Literal["confirmed", "rejected"]
DECISIONS: tuple[Decision, ...] = ("confirmed", "rejected")
_LINK_PREFIX = f"{ID_BASE}link/hub/"


def decisions_topic(settings: HubSettings) -> str:
    """The compacted topic of operators' link decisions."""
    return f"{settings.stream.topic_prefix}.hub.link-decisions"


def decisions_topic_spec(settings: HubSettings) -> TopicSpec:
    """The decisions topic and its configs, for `hub.stream.topics.ensure_topics`."""
    return TopicSpec(
        decisions_topic(settings),
        {"cleanup.policy": "compact", "min.insync.replicas": str(settings.stream.min_insync_replicas)},
    )


async def read_table(kafka: KafkaClients, topic: str) -> dict[str, bytes]:
    """The latest committed value of every key of a compacted topic (tombstoned keys left out)."""
    consumer = kafka.committed_consumer()
    await consumer.start()
    table: dict[str, bytes] = {}
    try:
        partitions = await assign_all(consumer, [topic], paused=True)
        async for message in read_to_end(consumer, partitions):
            if message.value is None:
                table.pop(message.key_text, None)
            else:
                table[message.key_text] = message.value
    finally:
        await consumer.stop()
    return table


@dataclass(frozen=True)
class SyncReport:
    """What one matcher run changed on the links topic."""

    published: int
    unchanged: int
    withdrawn: int
    kept_rejected: int


def _link_iri(link_id: str) -> str:
    iri = link_id if link_id.startswith(_LINK_PREFIX) else _LINK_PREFIX + link_id
    if not iri[len(_LINK_PREFIX) :].isalnum():
        raise DumpError(f"{link_id!r} is not a link id: use the last segment of a link IRI ({_LINK_PREFIX}...)")
    return iri


def _confirmed(link: Link, note: str | None) -> Link:
    reason = "confirmed by an operator" + (f": {note}" if note else "")
    evidence = [e for e in link.evidence if not e.startswith("confirmed by an operator")] + [reason]
    return Link.between(link.subject, link.object, score=1.0, evidence=evidence, method=link.method)


class LinkService:
    """Publishes links and decisions with one transactional producer (exactly once, ``acks=all``)."""

    def __init__(self, settings: HubSettings, kafka: KafkaClients, *, transactional_id: str | None = None) -> None:
        self.settings = settings
        self.kafka = kafka
        self.links_topic = entity_topic(settings, "links")
        self.decisions_topic = decisions_topic(settings)
        self._producer = kafka.transactional_producer(
            # One id per instance by default: the API's decisions and a `hub materialise` matcher elsewhere must
            # not fence each other; pass a fixed id for a role that should fence its own zombies.
            transactional_id or f"{settings.stream.topic_prefix}.hub.links.{uuid.uuid4().hex[:12]}",
        )
        self._started = False

    async def start(self) -> None:
        """Connect the producer (fencing an older producer with the same transactional id)."""
        if not self._started:
            await self._producer.start()
            self._started = True

    async def stop(self) -> None:
        """Disconnect."""
        if self._started:
            self._started = False
            await self._producer.stop()

    async def __aenter__(self) -> LinkService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _send(self, messages: Sequence[tuple[str, str, bytes | None]]) -> None:
        if not messages:
            return
        async with self._producer.transaction():
            for topic, key, value in messages:
                await self._producer.send(topic, key=key.encode(), value=value)

    async def decisions(self) -> dict[str, dict[str, Any]]:
        """Every decision so far, by link IRI."""
        table = await read_table(self.kafka, self.decisions_topic)
        return {key: orjson.loads(value) for key, value in table.items()}

    async def sync(self, proposals: Sequence[Proposal]) -> SyncReport:
        """Publish a matcher run's proposals, honouring operators' decisions, in one transaction."""
        current = await read_table(self.kafka, self.links_topic)
        decided = await self.decisions()
        messages: list[tuple[str, str, bytes | None]] = []
        wanted: set[str] = set()
        unchanged = kept_rejected = 0
        for proposal in proposals:
            link = Link.between(
                proposal.subject, proposal.object, score=proposal.score, evidence=proposal.evidence, method=METHOD
            )
            decision = decided.get(link.iri, {}).get("decision")
            if decision == "rejected":
                kept_rejected += 1
                continue
            wanted.add(link.iri)
            if decision == "confirmed" and link.iri in current:
                unchanged += 1  # an operator's confirmation is not overwritten by a new score
                continue
            value = link.to_jsonld_bytes()
            if current.get(link.iri) == value:
                unchanged += 1
                continue
            messages.append((self.links_topic, link.iri, value))
        withdrawn = 0
        for iri, value in current.items():
            if iri in wanted or decided.get(iri, {}).get("decision") == "confirmed":
                continue
            if orjson.loads(value).get("method") == METHOD:  # only the matcher's own links are its to withdraw
                messages.append((self.links_topic, iri, None))
                withdrawn += 1
        await self._send(messages)
        report = SyncReport(len(messages) - withdrawn, unchanged, withdrawn, kept_rejected)
        log.info("matcher.synced", **report.__dict__)
        return report

    async def decide(self, link_id: str, decision: str, note: str | None = None) -> dict[str, Any]:
        """Record an operator's decision on a published link, and apply it to the links topic atomically.

        Args:
            link_id: the link IRI or its last segment.
            decision: ``confirmed`` or ``rejected``.
            note: why, for the record.

        Returns:
            The decision record.

        Raises:
            DumpError: unknown decision, malformed id, or no such link (never published, or already withdrawn
                and not rejected).
        """
        if decision not in DECISIONS:
            raise DumpError(f"decision {decision!r} is not one of {list(DECISIONS)}")
        iri = _link_iri(link_id)
        current = await read_table(self.kafka, self.links_topic)
        decided = await self.decisions()
        if iri not in current and iri not in decided:
            raise DumpError(f"no link {iri} on {self.links_topic}")
        record = {
            "link": iri,
            "decision": decision,
            "note": note,
            "decidedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        messages: list[tuple[str, str, bytes | None]] = [(self.decisions_topic, iri, orjson.dumps(record))]
        if decision == "rejected":
            if iri in current:
                messages.append((self.links_topic, iri, None))
        elif iri in current:
            messages.append((self.links_topic, iri, _confirmed(_parse_link(current[iri]), note).to_jsonld_bytes()))
        else:
            raise DumpError(f"link {iri} was rejected and withdrawn; it cannot be confirmed any more")
        await self._send(messages)
        log.info("matcher.decision", link=iri, decision=decision)
        return record


def _parse_link(value: bytes) -> Link:
    try:
        document: Mapping[str, Any] = orjson.loads(value)
        return Link.from_jsonld(document)
    except (orjson.JSONDecodeError, RecordValidationError) as exc:
        raise DumpError(f"the links topic holds a record that is not a Link: {exc}") from exc


async def match_and_publish(store: HubStore, service: LinkService) -> SyncReport:
    """One matcher run: read the listings from the store, propose links, publish what changed."""
    listings = await asyncio.to_thread(read_listings, store)
    proposals = await asyncio.to_thread(propose_links, listings)
    log.info("matcher.proposed", listings=len(listings), proposals=len(proposals))
    return await service.sync(proposals)
