"""The dead-letter topic for operators: list, show and replay records that failed mapping or validation.

A dead letter is identified by ``partition:offset``. Replaying runs the verbatim payload through the connector's
current mapping (after a fix) and publishes what now maps; a mark under ``dlq/<partition>:<offset>`` in the
status topic, written in the same transaction, records that it was replayed, so ``list`` can hide it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.config import HubSettings
from hub.connectors import Connector
from hub.errors import StreamError
from hub.stream.changes import read_topics
from hub.stream.consume import Message
from hub.stream.kafka import KafkaClients
from hub.stream.publisher import OutgoingMessage
from hub.stream.rederive import RederiveSummary, raw_record_from_message, rederive_records
from hub.stream.state import DlqReplayed, StateTable, encode_state
from hub.stream.topics import dlq_topic, ensure_topics, hub_topics, internal_topic

__all__ = ["DeadLetter", "find_dead_letter", "list_dead_letters", "replay_dead_letters"]

_MARK_PREFIX = "dlq/"


@dataclass(frozen=True)
class DeadLetter:
    """One record on the dead-letter topic, with why it failed."""

    id: str
    connector: str
    error_kind: str
    error_message: str
    source_url: str
    platform: str
    kind: str
    native_id: str
    time: str
    payload: bytes
    message: Message
    replayed: bool = False


def _dead_letter(message: Message, replayed: set[str]) -> DeadLetter:
    ident = f"{message.partition}:{message.offset}"

    def header(name: str) -> str:
        return message.header(f"ce_{name}") or ""

    return DeadLetter(
        id=ident,
        connector=header("connector"),
        error_kind=header("errorkind"),
        error_message=header("errormessage"),
        source_url=header("sourceurl"),
        platform=header("platform"),
        kind=header("kind"),
        native_id=header("nativeid"),
        time=header("time"),
        payload=message.value or b"",
        message=message,
        replayed=ident in replayed,
    )


async def list_dead_letters(
    kafka: KafkaClients, settings: HubSettings, *, connector: str | None = None, include_replayed: bool = False
) -> list[DeadLetter]:
    """Dead letters, oldest first, optionally only one connector's, by default without those already replayed."""
    await ensure_topics(kafka, hub_topics(settings), settings)
    async with StateTable(
        kafka,
        internal_topic(settings, "dlq-notes"),
        DlqReplayed,
        key_filter=lambda key: key.startswith(_MARK_PREFIX),
    ) as marks:
        replayed = {key.removeprefix(_MARK_PREFIX) for key, _ in marks.items()}
    letters = [_dead_letter(m, replayed) for m in await read_topics(kafka, [dlq_topic(settings)])]
    return [
        letter
        for letter in letters
        if (connector is None or letter.connector == connector) and (include_replayed or not letter.replayed)
    ]


def find_dead_letter(letters: Sequence[DeadLetter], ident: str) -> DeadLetter:
    """The dead letter with id ``partition:offset``.

    Raises:
        StreamError: no such dead letter.
    """
    for letter in letters:
        if letter.id == ident:
            return letter
    raise StreamError(f"no dead letter {ident!r} (ids are partition:offset, as `hub dlq list --all` shows)")


async def replay_dead_letters(
    letters: Sequence[DeadLetter],
    connector_name: str,
    connector: Connector,
    *,
    kafka: KafkaClients,
    settings: HubSettings,
) -> RederiveSummary:
    """Re-map dead letters with the connector's current mapping; what maps is published, what fails is dead-lettered.

    Raises:
        StreamError: a dead letter belongs to another connector.
    """
    foreign = [letter.id for letter in letters if letter.connector != connector_name]
    if foreign:
        raise StreamError(f"dead letters {foreign} were not written by connector {connector_name!r}")
    records = [raw_record_from_message(letter.message) for letter in letters]
    marks = [
        OutgoingMessage(
            internal_topic(settings, "dlq-notes"),
            f"{_MARK_PREFIX}{letter.id}".encode(),
            encode_state(DlqReplayed(connector=connector_name)),
        )
        for letter in letters
    ]
    return await rederive_records(
        records, connector_name, connector, kafka=kafka, settings=settings, extra_messages=marks
    )
