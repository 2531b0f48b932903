from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hub.cli import main
from hub.schema.examples import examples

FIXTURES = Path(__file__).parent / "fixtures"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.output


def test_ppsr_document_is_summarised_with_paths():
    """Each problem is printed with its JSON path; the summary counts the statuses."""
    code, output = _run(str(FIXTURES / "ppsr_projects.json"), "--platform", "jrc-inventory", "--missing")
    assert code == 0
    assert "$.Project[0].projectEndDate: placeholder 'Unknown'" in output
    assert "$.Project[2].contactPoint[0].meansOfContact: not a PPSR meansOfContact label" in output
    assert "6 records: 1 complete, 2 partial, 3 invalid" in output
    assert "most frequent problems:" in output


def test_strict_fails_on_invalid_records():
    """--strict turns invalid records into exit code 1."""
    code, _ = _run(str(FIXTURES / "ppsr_projects.json"), "--strict")
    assert code == 1


def test_hub_jsonld_graph_validates(tmp_path):
    """Hub JSON-LD (an @graph of every example) is read back against the models: all complete."""
    nodes = []
    for model in examples().values():
        doc = model.to_jsonld()
        doc.pop("@context")
        nodes.append(doc)
    path = tmp_path / "graph.jsonld"
    path.write_text(json.dumps({"@context": "https://w3id.org/citsci-hub/context/v1.jsonld", "@graph": nodes}))
    code, output = _run(str(path), "--strict")
    assert code == 0, output
    assert f"{len(nodes)} records: {len(nodes)} complete, 0 partial, 0 invalid" in output


def test_hub_record_with_unknown_key_and_bad_value_is_invalid(tmp_path):
    """A key without a term and a wrongly typed value are both reported at their paths."""
    doc = examples()["project"].to_jsonld()
    doc["nickname"] = "x"
    doc["projectStatus"] = "Actve"
    path = tmp_path / "project.jsonld"
    path.write_text(json.dumps(doc))
    code, output = _run(str(path))
    assert code == 0
    assert "$.nickname" in output
    assert "$.projectStatus: not a PPSR projectStatus label (did you mean 'Active'?)" in output
    assert "1 records: 0 complete, 0 partial, 1 invalid" in output


def test_cp1252_file_with_bom_is_read_and_reported(tmp_path):
    """A cp1252 file (as PPSR's own schema file) is decoded with a warning, not a crash."""
    record = {"projectId": "7", "projectName": "Caf\u00e9 \u2013 Wildlife", "projectStatus": "Active"}
    path = tmp_path / "cp1252.json"
    path.write_bytes(json.dumps({"Project": [record]}, ensure_ascii=False).encode("cp1252"))
    code, output = _run(str(path))
    assert code == 0
    assert "not UTF-8" in output
    assert "1 records: 0 complete, 1 partial, 0 invalid" in output


def test_unreadable_or_non_json_files_exit_non_zero(tmp_path):
    """A missing file or a non-JSON file is the only non-strict failure."""
    code, output = _run(str(tmp_path / "missing.json"))
    assert code == 1
    assert "cannot read" in output
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    code, output = _run(str(garbage))
    assert code == 1
    assert "not JSON" in output
