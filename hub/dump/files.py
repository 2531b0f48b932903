"""Dump files: one consistent snapshot of the store as gzipped N-Quads and gzipped JSON-LD, with a manifest.

The snapshot is one pass over one pyoxigraph iterator, which reads a single RocksDB snapshot: the records, their
triples and the Kafka offsets they reflect all come from the same moment, whatever the materialiser commits
meanwhile. Quads arrive graph by graph, so each record is written as soon as its graph is complete and the whole
dataset is never held in memory.

Files of a dump, in ``<output>/<dump id>/``:

- ``hub.nq.gz``: N-Quads, each record's triples in the named graph of its IRI;
- ``hub.jsonld.gz``: a JSON array with one compact JSON-LD document per record and per line (the layout of
  Wikidata's JSON dumps: valid JSON as a whole, and streamable line by line), in the hub context;
- ``manifest.json``: counts per entity type and platform, SHA-256 checksums, the generation time, the context
  version, the Kafka offsets and a suggested citation.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
import pyoxigraph as ox
from pyld import jsonld as pyld

from hub import __version__
from hub.dump.store import STATE_GRAPH, HubStore, offsets_from_quads
from hub.errors import DumpError
from hub.schema.base import CONTEXT_URL, CONTEXT_VERSION
from hub.schema.iris import ID_BASE
from hub.schema.jsonld import document_loader, term_definitions

__all__ = [
    "JSONLD_FILE",
    "MANIFEST_FILE",
    "NQUADS_FILE",
    "DumpSummary",
    "latest_dump",
    "list_dumps",
    "record_document",
    "write_dump",
]

NQUADS_FILE = "hub.nq.gz"
JSONLD_FILE = "hub.jsonld.gz"
MANIFEST_FILE = "manifest.json"
_DUMP_ID = re.compile(r"^\d{8}T\d{6}Z$")

Progress = Callable[[int], None]


@dataclass
class DumpSummary:
    """What a dump holds, as written to its manifest."""

    dump_id: str
    directory: Path
    manifest: dict[str, Any] = field(default_factory=dict)


def _entity_and_platform(iri: str) -> tuple[str, str]:
    # Minted IRIs are {ID_BASE}{class}/{platform}/{native id}; anything else is counted as "other".
    if iri.startswith(ID_BASE):
        parts = iri[len(ID_BASE) :].split("/")
        if len(parts) == 3:
            return parts[0], parts[1]
        if len(parts) == 2 and parts[0] == "platform":  # a platform's own IRI: {ID_BASE}platform/{platform}
            return parts[0], parts[1]
    return "other", "other"


# The record type whose own PPSR names win where the context has synonyms (same IRI, same definition).
_PREFIXES = {"Project": "project", "Dataset": "dataset", "ProgramOrCampaign": "program"}


@functools.cache
def _synonyms() -> dict[str, dict[str, str]]:
    """For each type prefix: term -> the synonym with that prefix (same IRI and definition) to write instead.

    JSON-LD compaction picks the shortest term for an IRI, so a project's ``dcterms:title`` would come back as
    ``programName`` and its ``dcterms:created`` as ``created``; renaming between identical definitions keeps the
    RDF and gives the PPSR names the topics carry.
    """
    groups: dict[str, list[str]] = {}
    for term, definition in term_definitions().items():
        key = orjson.dumps(definition, option=orjson.OPT_SORT_KEYS).decode()
        groups.setdefault(key, []).append(term)
    table: dict[str, dict[str, str]] = {}
    for prefix in _PREFIXES.values():
        renames: dict[str, str] = {}
        for terms in groups.values():
            preferred = sorted(t for t in terms if t.startswith(prefix))
            if preferred:
                renames.update({t: preferred[0] for t in terms if t != preferred[0]})
        table[prefix] = renames
    return table


def _rename(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_rename(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    return {renames.get(key, key): _rename(value, renames) for key, value in node.items()}


def record_document(iri: str, quads: list[ox.Quad]) -> dict[str, Any]:
    """The record's compact JSON-LD in the hub context, rebuilt from its triples (blank nodes embedded).

    Framing on the record IRI embeds the record's blank nodes (locations, contact points) where they belong.
    """
    nquads = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
    expanded = pyld.from_rdf(nquads, {"format": "application/n-quads"})
    framed: dict[str, Any] = pyld.frame(
        expanded, {"@context": CONTEXT_URL, "@id": iri}, {"documentLoader": document_loader()}
    )
    types = framed.get("type", [])
    for type_name in [types] if isinstance(types, str) else types:
        if type_name in _PREFIXES:
            renamed: dict[str, Any] = _rename(framed, _synonyms()[_PREFIXES[type_name]])
            return renamed
    return framed


def _graphs(quads: Iterator[ox.Quad], offsets_out: list[ox.Quad]) -> Iterator[tuple[str, list[ox.Quad]]]:
    """Group the snapshot's quads by record graph; the state graph's quads are set aside."""
    current: str | None = None
    bucket: list[ox.Quad] = []
    for quad in quads:
        graph = quad.graph_name
        if graph == STATE_GRAPH:
            offsets_out.append(quad)
            continue
        if not isinstance(graph, ox.NamedNode):
            continue  # the default graph holds nothing the hub wrote
        if graph.value != current:
            if current is not None:
                yield current, bucket
            current, bucket = graph.value, []
        bucket.append(quad)
    if current is not None:
        yield current, bucket


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _citation(generated: str, records: int, dump_id: str) -> str:
    return (
        f"CitSci Hub contributors ({generated[:4]}). CitSci Hub federated citizen-science catalogue, "
        f"snapshot {dump_id} ({records} records, PPSR Core JSON-LD context {CONTEXT_VERSION}). "
        f"Generated {generated} by citsci-hub {__version__}."
    )


def write_dump(
    store: HubStore,
    output_dir: Path,
    *,
    progress: Progress | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DumpSummary:
    """Write a consistent snapshot of ``store`` into a new directory under ``output_dir``.

    Args:
        store: the materialised store.
        output_dir: parent of the dump directories.
        progress: called with the number of records written since the previous call.
        now: the clock (tests pin it).

    Returns:
        The dump's id, directory and manifest.

    Raises:
        DumpError: the directory cannot be written, or a dump with the same id (same second) exists.
    """
    generated = now().astimezone(UTC)
    dump_id = generated.strftime("%Y%m%dT%H%M%SZ")
    final_dir = output_dir / dump_id
    work_dir = output_dir / f".{dump_id}.partial"
    if final_dir.exists():
        raise DumpError(f"a dump {dump_id} already exists in {output_dir}; wait a second and try again")
    try:
        work_dir.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise DumpError(f"cannot create the dump directory {work_dir}: {exc}") from exc
    try:
        manifest = _write_files(store, work_dir, progress)
        generated_text = generated.isoformat().replace("+00:00", "Z")
        manifest = {
            "dumpId": dump_id,
            "generatedAt": generated_text,
            "hubVersion": __version__,
            "contextUrl": CONTEXT_URL,
            "contextVersion": CONTEXT_VERSION,
            **manifest,
            "citation": _citation(generated_text, manifest["records"], dump_id),
        }
        (work_dir / MANIFEST_FILE).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        os.replace(work_dir, final_dir)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    return DumpSummary(dump_id, final_dir, manifest)


def _write_files(store: HubStore, work_dir: Path, progress: Progress | None) -> dict[str, Any]:
    records: Counter[tuple[str, str]] = Counter()
    triples: Counter[tuple[str, str]] = Counter()
    state_quads: list[ox.Quad] = []
    nquads_path, jsonld_path = work_dir / NQUADS_FILE, work_dir / JSONLD_FILE
    # mtime=0 keeps the gzip header free of the wall clock: the same snapshot gives byte-identical files.
    with (
        gzip.GzipFile(nquads_path, "wb", mtime=0) as nquads,
        gzip.GzipFile(jsonld_path, "wb", mtime=0) as documents,
    ):
        documents.write(b"[")
        first = True
        for iri, quads in _graphs(store.record_quads(), state_quads):
            nquads.write("".join(f"{quad} .\n" for quad in quads).encode())
            documents.write(b"\n" if first else b",\n")
            documents.write(orjson.dumps(record_document(iri, quads)))
            first = False
            key = _entity_and_platform(iri)
            records[key] += 1
            triples[key] += len(quads)
            if progress is not None:
                progress(1)
        documents.write(b"\n]\n")
    offsets = offsets_from_quads(state_quads)
    counts = [
        {"entityType": entity, "platform": platform, "records": records[key], "triples": triples[key]}
        for key in sorted(records)
        for entity, platform in [key]
    ]
    return {
        "records": sum(records.values()),
        "triples": sum(triples.values()),
        "counts": counts,
        "kafkaOffsets": [
            {"topic": topic, "partition": partition, "nextOffset": offset}
            for (topic, partition), offset in sorted(offsets.items())
        ],
        "files": [
            _file_entry(nquads_path, "application/n-quads", "gzip"),
            _file_entry(jsonld_path, "application/ld+json", "gzip"),
        ],
    }


def _file_entry(path: Path, media_type: str, encoding: str) -> dict[str, Any]:
    return {
        "name": path.name,
        "mediaType": media_type,
        "encoding": encoding,
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
    }


def list_dumps(output_dir: Path) -> list[DumpSummary]:
    """The finished dumps under ``output_dir``, newest first."""
    if not output_dir.is_dir():
        return []
    found = []
    for directory in output_dir.iterdir():
        manifest = directory / MANIFEST_FILE
        if _DUMP_ID.match(directory.name) and manifest.is_file():
            found.append(DumpSummary(directory.name, directory, orjson.loads(manifest.read_bytes())))
    return sorted(found, key=lambda summary: summary.dump_id, reverse=True)


def latest_dump(output_dir: Path) -> DumpSummary | None:
    """The newest finished dump, if any."""
    dumps = list_dumps(output_dir)
    return dumps[0] if dumps else None


def open_text(path: Path) -> IO[str]:
    """Open a gzipped dump file for reading as text (for tests and loaders)."""
    return gzip.open(path, "rt", encoding="utf-8")
