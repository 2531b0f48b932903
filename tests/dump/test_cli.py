"""``hub query`` and ``hub dump`` on a filled store (no Kafka needed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.config import HubSettings
from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.materialiser import open_store
from hub.dump.store import Change

from .records import ECOLOGY, project

PREFIX = "PREFIX ppsr: <https://w3id.org/citsci-hub/ppsr#> PREFIX dcterms: <http://purl.org/dc/terms/> "


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_LOG_FORMAT", "json")
    records = [
        project("scistarter", "a", "Alpha", science=ECOLOGY),
        project("zooniverse", "b", "Beta", science=ECOLOGY),
    ]
    store = open_store(HubSettings())
    changes = []
    for record, result in zip(records, expand_records([r.to_jsonld_bytes() for r in records]), strict=True):
        assert isinstance(result, ExpandedRecord)
        changes.append(Change("ccs.projects.v1", record.iri, result.iri, result.quads))
    store.apply(changes, {("ccs.projects.v1", 0): 2})
    return tmp_path


def test_query_prints_tsv_by_default_and_other_formats_on_request(state_dir: Path) -> None:
    """A SELECT prints TSV unless --format says otherwise; a CONSTRUCT prints Turtle."""
    runner = CliRunner()
    select = PREFIX + "SELECT ?name { ?p a ppsr:Project ; dcterms:title ?name } ORDER BY ?name"
    result = runner.invoke(main, ["query", select])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["?name", '"Alpha"', '"Beta"']
    result = runner.invoke(main, ["query", "--format", "json", select])
    assert [b["name"]["value"] for b in orjson.loads(result.stdout)["results"]["bindings"]] == ["Alpha", "Beta"]
    construct = PREFIX + "CONSTRUCT { ?p dcterms:title ?name } WHERE { ?p a ppsr:Project ; dcterms:title ?name }"
    result = runner.invoke(main, ["query", construct])
    assert result.exit_code == 0
    assert "<http://purl.org/dc/terms/title>" in result.stdout or "dcterms:title" in result.stdout


def test_query_refusals_exit_non_zero_with_the_reason(state_dir: Path) -> None:
    """SERVICE and updates are refused on the command line too."""
    runner = CliRunner()
    result = runner.invoke(main, ["query", "SELECT * { SERVICE <http://evil.example/> { ?s ?p ?o } }"])
    assert result.exit_code == 1
    assert "query refused (service)" in result.output
    result = runner.invoke(main, ["query", "DROP ALL"])
    assert result.exit_code == 1
    assert "query refused (update)" in result.output
    assert runner.invoke(main, ["query"]).exit_code == 2


def test_dump_writes_the_files_and_reports_them(state_dir: Path, tmp_path: Path) -> None:
    """hub dump writes N-Quads, JSON-LD and a manifest into a new directory and lists them with checksums."""
    result = CliRunner().invoke(main, ["dump", "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    (directory,) = (tmp_path / "out").iterdir()
    assert "2 records" in result.stdout
    assert sorted(p.name for p in directory.iterdir()) == ["hub.jsonld.gz", "hub.nq.gz", "manifest.json"]
    manifest = orjson.loads((directory / "manifest.json").read_bytes())
    assert manifest["records"] == 2
    assert manifest["kafkaOffsets"] == [{"topic": "ccs.projects.v1", "partition": 0, "nextOffset": 2}]
    assert len(orjson.loads(gzip.decompress((directory / "hub.jsonld.gz").read_bytes()))) == 2
