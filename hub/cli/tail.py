"""``hub tail TOPIC``: print a topic's records as they arrive (read_committed), as a partner would consume them."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click
import orjson

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.errors import HubError
from hub.runtime import kafka_cluster
from hub.stream.consume import Message, assign_all, to_message
from hub.stream.topics import ENTITY_TYPES, entity_topic

__all__ = ["format_message", "tail"]


def format_message(message: Message, *, as_json: bool) -> str:
    """One line per record: the event type, key and value (``null`` for a tombstone)."""
    event = message.header("ce_type") or "-"
    if as_json:
        value = orjson.loads(message.value) if message.value is not None else None
        return orjson.dumps(
            {
                "topic": message.topic,
                "partition": message.partition,
                "offset": message.offset,
                "key": message.key_text,
                "type": event,
                "headers": {name: raw.decode(errors="replace") for name, raw in message.headers},
                "value": value,
            }
        ).decode()
    value_text = message.value.decode(errors="replace") if message.value is not None else "null (tombstone)"
    return f"{message.partition}:{message.offset} {event} {message.key_text} {value_text}"


async def _tail(
    settings: HubSettings,
    topic: str,
    *,
    from_beginning: bool,
    limit: int | None,
    idle_exit_s: float | None,
    as_json: bool,
) -> int:
    printed = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with kafka_cluster(settings) as kafka:
        consumer = kafka.committed_consumer()
        await consumer.start()
        try:
            tps = await assign_all(consumer, [topic])
            if not from_beginning:
                await consumer.seek_to_end(*tps)
            idle = 0.0
            while not stop.is_set() and (limit is None or printed < limit):
                batch = await consumer.getmany(timeout_ms=500)
                records = [to_message(r) for rs in batch.values() for r in rs]
                idle = 0.0 if records else idle + 0.5
                for message in records:
                    click.echo(format_message(message, as_json=as_json))
                    printed += 1
                    if limit is not None and printed >= limit:
                        break
                if idle_exit_s is not None and idle >= idle_exit_s:
                    break
        finally:
            await consumer.stop()
    return printed


@click.command()
@click.argument("topic")
@click.option("--from-beginning", is_flag=True, help="Start at the topic's first record, not at its end.")
@click.option("--max", "limit", type=click.IntRange(min=1), help="Stop after this many records.")
@click.option("--idle-exit", "idle_exit_s", type=float, help="Stop after this many seconds without a record.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per record, headers included.")
@pass_settings
def tail(
    settings: HubSettings, topic: str, from_beginning: bool, limit: int | None, idle_exit_s: float | None, as_json: bool
) -> None:
    """Print TOPIC's committed records as they arrive, until Ctrl-C.

    TOPIC is a full topic name (e.g. ccs.partner.ecsa.projects.v1) or an entity type (projects, organisations...).
    """
    name = entity_topic(settings, topic) if topic in ENTITY_TYPES else topic
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(
                _tail(
                    settings, name, from_beginning=from_beginning, limit=limit, idle_exit_s=idle_exit_s, as_json=as_json
                )
            )
        except HubError as exc:
            raise click.ClickException(str(exc)) from exc
