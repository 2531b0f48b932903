"""The materialised RDF store: one named graph per record, and the Kafka offsets it reflects, in one pyoxigraph store.

Every batch is one SPARQL Update request, which pyoxigraph applies in one RocksDB transaction: the replaced
graphs, the new triples and the next offsets of each partition are written together or not at all, so a crash
can neither lose a record nor apply one twice.

The store's own bookkeeping lives in the named graph `STATE_GRAPH`:

- ``<offset node> hub:nextOffset n`` (with ``hub:topic`` and ``hub:partition``) for every partition read;
- ``<record graph> hub:sourceTopic "topic"; hub:sourceKey "key"`` for every record, because the Kafka key is not
  always the record IRI (statistics are keyed by their project) and a tombstone carries only the key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from hub.errors import DumpError, StoreLockedError
from hub.schema.iris import BASE, HUB_NS

__all__ = ["STATE_GRAPH", "Change", "HubStore", "TopicPartitionKey", "offsets_from_quads"]

#: The named graph of the materialiser's own state (offsets, which Kafka key made which graph).
STATE_GRAPH = ox.NamedNode(f"{BASE}/graph/materialiser")
_NEXT_OFFSET = ox.NamedNode(f"{HUB_NS}nextOffset")
_TOPIC = ox.NamedNode(f"{HUB_NS}topic")
_PARTITION = ox.NamedNode(f"{HUB_NS}partition")
_SOURCE_TOPIC = ox.NamedNode(f"{HUB_NS}sourceTopic")
_SOURCE_KEY = ox.NamedNode(f"{HUB_NS}sourceKey")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: ``(topic, partition)``.
TopicPartitionKey = tuple[str, int]


@dataclass(frozen=True)
class Change:
    """What one Kafka record does to the store.

    Attributes:
        topic: the topic it came from.
        key: its Kafka key (the record IRI, or the project IRI for statistics).
        iri: the record IRI, which names its graph; ``None`` for a tombstone.
        quads: the record's triples (already in graph ``iri``); empty for a tombstone.
    """

    topic: str
    key: str
    iri: str | None
    quads: Sequence[ox.Quad] = ()


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_XSD_INTEGER)


def _offset_node(topic: str, partition: int) -> ox.NamedNode:
    return ox.NamedNode(f"{STATE_GRAPH.value}/offset/{quote(topic, safe='')}/{partition}")


def offsets_from_quads(quads: Iterable[ox.Quad]) -> dict[TopicPartitionKey, int]:
    """Read the partitions' next offsets from state-graph quads (other quads are ignored)."""
    fields: dict[ox.NamedNode | ox.BlankNode | ox.Triple, dict[ox.NamedNode, str]] = {}
    for quad in quads:
        if quad.predicate in (_TOPIC, _PARTITION, _NEXT_OFFSET) and isinstance(quad.object, ox.Literal):
            fields.setdefault(quad.subject, {})[quad.predicate] = quad.object.value
    return {
        (values[_TOPIC], int(values[_PARTITION])): int(values[_NEXT_OFFSET])
        for values in fields.values()
        if len(values) == 3
    }


class HubStore:
    """A persistent pyoxigraph store holding the materialised topics.

    Only one materialiser may write to a store; any number of readers (SPARQL, dumps) may read it meanwhile and
    see only committed batches.
    """

    def __init__(self, path: Path | None) -> None:
        """Open (or create) the store at ``path``; ``None`` keeps it in memory (tests).

        Raises:
            DumpError: the directory holds no pyoxigraph store, or another process has it open.
        """
        self.path = path
        try:
            self.store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreLockedError(
                    f"the RDF store at {path} is open in another process (hub up or hub materialise): "
                    "ask that one (POST /dump, /sparql)"
                ) from exc
            raise DumpError(f"cannot open the RDF store at {path}: {exc}") from exc
        self._write_lock = threading.Lock()

    def offsets(self) -> dict[TopicPartitionKey, int]:
        """The next offset to read for each partition the store has applied records from."""
        return offsets_from_quads(self.store.quads_for_pattern(None, None, None, STATE_GRAPH))

    def _graphs_of(self, topic: str, key: str) -> list[ox.NamedNode]:
        graphs: list[ox.NamedNode] = []
        for quad in self.store.quads_for_pattern(None, _SOURCE_KEY, ox.Literal(key), STATE_GRAPH):
            subject = quad.subject
            if (
                isinstance(subject, ox.NamedNode)
                and ox.Quad(subject, _SOURCE_TOPIC, ox.Literal(topic), STATE_GRAPH) in self.store
            ):
                graphs.append(subject)
        return graphs

    def apply(self, changes: Sequence[Change], offsets: Mapping[TopicPartitionKey, int]) -> None:
        """Apply a batch and record the partitions' next offsets, in one transaction.

        Each upsert replaces every graph its (topic, key) made before; each tombstone removes them. When a key
        appears several times in the batch, only its last change counts, as after log compaction.

        Raises:
            DumpError: the store refused the write (nothing of the batch was applied).
        """
        last: dict[tuple[str, str], Change] = {}
        for change in changes:
            last.pop((change.topic, change.key), None)
            last[(change.topic, change.key)] = change
        operations: list[str] = []
        removed: list[str] = []
        inserted: list[str] = []
        state = f"GRAPH {STATE_GRAPH}"
        with self._write_lock:
            for change in last.values():
                key, topic = ox.Literal(change.key), ox.Literal(change.topic)
                previous = self._graphs_of(change.topic, change.key)
                for graph in previous:
                    operations.append(f"DROP SILENT GRAPH {graph}")
                    removed.append(f"{graph} {_SOURCE_TOPIC} {topic} . {graph} {_SOURCE_KEY} {key} .")
                if change.iri is None:
                    continue
                try:
                    graph = ox.NamedNode(change.iri)
                except ValueError as exc:
                    raise DumpError(f"record key {change.key!r} on {change.topic}: invalid IRI {change.iri!r}") from exc
                if graph not in previous and self.store.contains_named_graph(graph):
                    # Another key wrote a graph under the same IRI: the latest record wins, and the other key no
                    # longer owns the graph (its tombstone must not remove this record).
                    operations.append(f"DROP SILENT GRAPH {graph}")
                    operations.append(
                        f"DELETE WHERE {{ {state} {{ {graph} {_SOURCE_TOPIC} ?topic . {graph} {_SOURCE_KEY} ?key }} }}"
                    )
                inserted.append(f"{graph} {_SOURCE_TOPIC} {topic} . {graph} {_SOURCE_KEY} {key} .")
                inserted.extend(f"GRAPH {graph} {{ {q.subject} {q.predicate} {q.object} }}" for q in change.quads)
            if removed:
                operations.append(f"DELETE DATA {{ {state} {{ {' '.join(removed)} }} }}")
            for (topic_name, partition), offset in offsets.items():
                node = _offset_node(topic_name, partition)
                operations.append(f"DELETE WHERE {{ {state} {{ {node} {_NEXT_OFFSET} ?offset }} }}")
                inserted.append(
                    f"{node} {_NEXT_OFFSET} {_integer(offset)} ; "
                    f"{_TOPIC} {ox.Literal(topic_name)} ; {_PARTITION} {_integer(partition)} ."
                )
            operations.append(self._insert(inserted))
            try:
                self.store.update(" ;\n".join(operations))
            except (OSError, SyntaxError) as exc:
                raise DumpError(f"the RDF store refused a batch of {len(changes)} records: {exc}") from exc

    @staticmethod
    def _insert(parts: Sequence[str]) -> str:
        # State triples are plain "s p o ." lines; record triples are "GRAPH <g> { ... }" blocks.
        state = [part for part in parts if not part.startswith("GRAPH ")]
        records = [part for part in parts if part.startswith("GRAPH ")]
        body = f"GRAPH {STATE_GRAPH} {{ {' '.join(state)} }}\n" if state else ""
        body += " .\n".join(records)
        return f"INSERT DATA {{ {body} }}"

    def bulk_add(self, changes: Iterable[Change]) -> int:
        """Load upserts of records the store does not hold yet, without a transaction (a rebuild's fast path).

        ``changes`` may be a generator: pyoxigraph's bulk loader streams it, so a whole rebuild is one call and
        is never held in memory as quads. Faster than `apply` on disk, but not atomic and with no offsets: the
        caller (the materialiser's rebuild) writes the offsets with `apply` once everything is in, and treats a
        store holding records but no offsets as an interrupted rebuild to start again.

        Returns:
            How many records were loaded.
        """
        loaded = 0

        def quads() -> Iterator[ox.Quad]:
            nonlocal loaded
            for change in changes:
                if change.iri is None:
                    continue
                graph = ox.NamedNode(change.iri)
                yield ox.Quad(graph, _SOURCE_TOPIC, ox.Literal(change.topic), STATE_GRAPH)
                yield ox.Quad(graph, _SOURCE_KEY, ox.Literal(change.key), STATE_GRAPH)
                yield from change.quads
                loaded += 1

        with self._write_lock:
            try:
                self.store.bulk_extend(quads())
            except OSError as exc:
                raise DumpError(f"the RDF store refused a bulk load after {loaded} records: {exc}") from exc
        return loaded

    def clear(self) -> None:
        """Remove everything, records and offsets (before a rebuild)."""
        with self._write_lock:
            self.store.clear()

    def record_graphs(self) -> Iterator[ox.NamedNode]:
        """The graph of every record (the state graph excluded)."""
        for graph in self.store.named_graphs():
            if isinstance(graph, ox.NamedNode) and graph != STATE_GRAPH:
                yield graph

    def record_quads(self) -> Iterator[ox.Quad]:
        """Every record quad, graph by graph, from one consistent snapshot; the state graph's quads come too.

        The iterator reads one snapshot of the store, so a batch committed meanwhile is either all in or all out.
        """
        return self.store.quads_for_pattern(None, None, None, None)

    def flush(self) -> None:
        """Make sure everything committed is on disk."""
        self.store.flush()
