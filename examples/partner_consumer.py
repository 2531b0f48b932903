"""A partner's consumer of a CitSci Hub topic: print each record, update and deletion as it arrives.

It needs only ``aiokafka`` (``pip install aiokafka``), not the hub. Run it against your partner topic:

    python examples/partner_consumer.py --bootstrap kafka.example.org:9092 \
        --topic ccs.partner.ecsa.projects.v1 --group ecsa-catalogue

What a partner must know (see docs/stream.md):

- Read with ``isolation_level="read_committed"``: the hub writes in transactions, and only committed records are
  real. A consumer group keeps your position: restart and you continue where you stopped.
- The key is the record's IRI. The value is compact JSON-LD (PPSR Core terms). The headers are CloudEvents 1.0 in
  binary mode: ``ce_type`` says what happened (``org.citsci.hub.project.upserted`` or ``...deleted``),
  ``ce_subject`` is the IRI, ``ce_time`` when, ``ce_dataschema`` the JSON-LD context version.
- A deletion arrives as a ``deleted`` event (its value names the record) followed by a tombstone (a null value)
  on the same key. Per key, records arrive in order; keep the last value per key and drop keys on a tombstone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from typing import Any

from aiokafka import AIOKafkaConsumer


def describe(message: Any) -> str:
    """One line for one record: offset, what happened, the IRI and (for an upsert) the project's name."""
    headers = {name: value.decode() for name, value in message.headers or ()}
    event = headers.get("ce_type", "?")
    iri = message.key.decode() if message.key else "?"
    if message.value is None:
        return f"{message.offset} tombstone {iri}"
    record = json.loads(message.value)
    name = record.get("projectName") or record.get("name") or ""
    return f"{message.offset} {event} {iri} {name}".rstrip()


async def consume(bootstrap: str, topic: str, group: str, from_beginning: bool) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        isolation_level="read_committed",  # never see records of aborted transactions
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=True,
    )
    await consumer.start()
    try:
        async for message in consumer:
            print(describe(message), flush=True)
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a CitSci Hub topic's records as they arrive.")
    parser.add_argument("--bootstrap", required=True, help="host:port of the hub's Kafka cluster")
    parser.add_argument("--topic", required=True, help="e.g. ccs.partner.<you>.projects.v1")
    parser.add_argument("--group", required=True, help="your consumer group: it remembers your position")
    parser.add_argument("--from-beginning", action="store_true", help="a new group starts at the first record")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it; the group has the position
        asyncio.run(consume(args.bootstrap, args.topic, args.group, args.from_beginning))


if __name__ == "__main__":
    main()
