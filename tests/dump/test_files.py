from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyoxigraph as ox
import pytest
from pyld import jsonld

from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.files import JSONLD_FILE, MANIFEST_FILE, NQUADS_FILE, latest_dump, list_dumps, write_dump
from hub.dump.store import STATE_GRAPH, Change, HubStore
from hub.errors import DumpError
from hub.schema import HubModel
from hub.schema.base import CONTEXT_URL
from hub.schema.jsonld import document_loader

from .records import ECOLOGY, canonical, expected_dataset, link, organisation, platform, project, statistics

PROJECTS = "t.projects.v1"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def _change(record: HubModel) -> Change:
    (result,) = expand_records([record.to_jsonld_bytes()])
    assert isinstance(result, ExpandedRecord)
    return Change(f"t.{record.ENTITY}.v1", record.partition_key(), result.iri, result.quads)


def _records() -> list[HubModel]:
    a = project("scistarter", "a", "Alpha", url="https://alpha.example.org/", science=ECOLOGY, lat=48.1, lon=11.5)
    b = project("eu-citizen-science", "7", "Beta", country="Greece")
    return [
        a,
        b,
        project("zooniverse", "12", "Gamma"),
        platform("zooniverse", "Zooniverse", "https://www.zooniverse.org"),
        organisation("eu-citizen-science", "62", "Institute of Things"),
        statistics("zooniverse", "12", 3, 120),
        link(a.iri, b.iri),
    ]


@pytest.fixture
def filled_store() -> tuple[HubStore, list[HubModel]]:
    store = HubStore(None)
    records = _records()
    store.apply([_change(r) for r in records], {(PROJECTS, 0): 7, ("t.links.v1", 0): 1})
    return store, records


def test_nquads_round_trip_into_a_fresh_store(filled_store: tuple[HubStore, list[HubModel]], tmp_path: Path) -> None:
    """Loading the dump's N-Quads into a fresh store gives the same triples, graph by graph."""
    store, records = filled_store
    summary = write_dump(store, tmp_path, now=lambda: NOW)
    fresh = ox.Store()
    fresh.load(gzip.decompress((summary.directory / NQUADS_FILE).read_bytes()), ox.RdfFormat.N_QUADS)
    assert canonical(fresh) == canonical(q for q in store.record_quads() if q.graph_name != STATE_GRAPH)
    assert canonical(fresh) == expected_dataset(records)
    assert not any(q.graph_name == STATE_GRAPH for q in fresh)


def test_every_jsonld_document_expands_with_the_bundled_context(
    filled_store: tuple[HubStore, list[HubModel]], tmp_path: Path
) -> None:
    """Each line of the JSON-LD dump is one record in the hub context whose RDF equals the record's."""
    store, records = filled_store
    summary = write_dump(store, tmp_path, now=lambda: NOW)
    with gzip.open(summary.directory / JSONLD_FILE, "rb") as handle:
        lines = handle.read().decode().splitlines()
    assert lines[0] == "["
    assert lines[-1] == "]"
    documents = orjson.loads("".join(lines))  # the file as a whole is one JSON array
    assert len(documents) == len(records)
    by_iri = {r.iri: r for r in records}
    for line in lines[1:-1]:
        document = orjson.loads(line.rstrip(","))
        assert document["@context"] == CONTEXT_URL
        record = by_iri[document["id"]]
        if "Project" in document["type"]:
            # PPSR's project names, as on the topics, not compaction's shortest synonyms (programName, created).
            assert document["projectName"] == record.to_jsonld()["projectName"]
            assert "programName" not in document
        nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": document_loader()})
        graph = ox.NamedNode(record.iri)
        quads = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(nquads, ox.RdfFormat.N_QUADS)]
        assert canonical(quads) == expected_dataset([record])


def test_manifest_counts_checksums_offsets_and_citation(
    filled_store: tuple[HubStore, list[HubModel]], tmp_path: Path
) -> None:
    """The manifest counts records and triples per entity type and platform and checks every file."""
    store, records = filled_store
    summary = write_dump(store, tmp_path, now=lambda: NOW)
    manifest = orjson.loads((summary.directory / MANIFEST_FILE).read_bytes())
    assert manifest == summary.manifest
    assert manifest["dumpId"] == "20260301T120000Z"
    assert manifest["generatedAt"] == "2026-03-01T12:00:00Z"
    assert manifest["contextUrl"] == CONTEXT_URL
    assert manifest["contextVersion"] == "v1"
    assert manifest["records"] == len(records)
    assert manifest["triples"] == len(expected_dataset(records))
    counts = {(c["entityType"], c["platform"]): c["records"] for c in manifest["counts"]}
    assert counts == {
        ("project", "scistarter"): 1,
        ("project", "eu-citizen-science"): 1,
        ("project", "zooniverse"): 1,
        ("platform", "zooniverse"): 1,
        ("organisation", "eu-citizen-science"): 1,
        ("statistics", "zooniverse"): 1,
        ("link", "hub"): 1,
    }
    assert sum(c["triples"] for c in manifest["counts"]) == manifest["triples"]
    assert manifest["kafkaOffsets"] == [
        {"topic": "t.links.v1", "partition": 0, "nextOffset": 1},
        {"topic": PROJECTS, "partition": 0, "nextOffset": 7},
    ]
    for entry in manifest["files"]:
        data = (summary.directory / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert "20260301T120000Z" in manifest["citation"]
    assert f"{len(records)} records" in manifest["citation"]


def test_dump_is_one_snapshot_while_the_materialiser_writes(
    filled_store: tuple[HubStore, list[HubModel]], tmp_path: Path
) -> None:
    """A batch committed while the dump is being written is neither in its files nor in its offsets."""
    store, records = filled_store
    late = project("scistarter", "late", "Committed mid-dump")
    written: list[int] = []

    def progress(step: int) -> None:
        written.append(step)
        if len(written) == 1:
            store.apply([_change(late)], {(PROJECTS, 0): 8})

    summary = write_dump(store, tmp_path, progress=progress, now=lambda: NOW)
    assert summary.manifest["records"] == len(records)
    assert {"topic": PROJECTS, "partition": 0, "nextOffset": 7} in summary.manifest["kafkaOffsets"]
    with gzip.open(summary.directory / NQUADS_FILE, "rt") as handle:
        assert late.iri not in handle.read()
    assert late.iri in {g.value for g in store.record_graphs()}


def test_dumps_are_listed_newest_first_and_never_overwritten(
    filled_store: tuple[HubStore, list[HubModel]], tmp_path: Path
) -> None:
    """Each dump gets its own directory; the same second twice is refused; no partial directory is left."""
    store, _ = filled_store
    write_dump(store, tmp_path, now=lambda: NOW)
    later = datetime(2026, 3, 2, tzinfo=UTC)
    write_dump(store, tmp_path, now=lambda: later)
    assert [d.dump_id for d in list_dumps(tmp_path)] == ["20260302T000000Z", "20260301T120000Z"]
    latest = latest_dump(tmp_path)
    assert latest is not None
    assert latest.dump_id == "20260302T000000Z"
    with pytest.raises(DumpError, match="already exists"):
        write_dump(store, tmp_path, now=lambda: NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["20260301T120000Z", "20260302T000000Z"]
