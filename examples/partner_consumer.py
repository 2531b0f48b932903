"""A partner's consumer of a CitSci Hub topic: print each record, update and deletion as it arrives.

It needs only ``aiokafka`` (``pip install aiokafka``), not the hub. Run it against your partner topic:

    export PARTNER_KAFKA_PASSWORD=...   # from `hub partners credentials ecsa` (given once)
    python examples/partner_consumer.py --bootstrap kafka.example.org:9092 --username partner.ecsa \
        --topic ccs.partner.ecsa.projects.v1 --group ccs.partner.ecsa.catalogue

The user may join only consumer groups starting with its topic prefix (``ccs.partner.ecsa.``): the broker
refuses any other group with GROUP_AUTHORIZATION_FAILED.

With ``--username`` it signs in with SASL/SCRAM-SHA-512 (``--tls`` for SASL over TLS), the password read from
``PARTNER_KAFKA_PASSWORD`` so that it never shows in the process list; without, it connects unauthenticated
(a broker with authorisation refuses that).

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
import os
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


def sign_in(username: str | None, tls: bool) -> dict[str, Any]:
    """The consumer's security options: SASL/SCRAM-SHA-512 as ``username`` (password from the environment)."""
    if username is None:
        return {"security_protocol": "SSL"} if tls else {}
    password = os.environ.get("PARTNER_KAFKA_PASSWORD")
    if not password:
        raise SystemExit("--username needs the partner's password in PARTNER_KAFKA_PASSWORD")
    return {
        "security_protocol": "SASL_SSL" if tls else "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": username,
        "sasl_plain_password": password,
    }


async def consume(bootstrap: str, topic: str, group: str, from_beginning: bool, security: dict[str, Any]) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        isolation_level="read_committed",  # never see records of aborted transactions
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=True,
        **security,
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
    parser.add_argument("--username", help="your Kafka user (SASL/SCRAM-SHA-512); password in PARTNER_KAFKA_PASSWORD")
    parser.add_argument("--tls", action="store_true", help="the cluster's listener uses TLS")
    args = parser.parse_args()
    security = sign_in(args.username, args.tls)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it; the group has the position
        asyncio.run(consume(args.bootstrap, args.topic, args.group, args.from_beginning, security))


if __name__ == "__main__":
    main()
