from __future__ import annotations

import orjson

from hub.dump.expand import ExpandedRecord, RejectedRecord, expand_records
from hub.schema.base import CONTEXT_URL

from .records import ECOLOGY, canonical, expected_dataset, link, platform, project, statistics


def _records():
    return [
        project(
            "scistarter", "g-1", "Time to Restore", url="https://www.usanpn.org/x", science=ECOLOGY, lat=31.9, lon=-99.2
        ),
        project("eu-citizen-science", "181", "SCENT", country="Greece"),
        platform("zooniverse", "Zooniverse", "https://www.zooniverse.org"),
        statistics("zooniverse", "12", 1, 40),
        link("https://w3id.org/citsci-hub/id/project/a/1", "https://w3id.org/citsci-hub/id/project/b/2"),
    ]


def test_batch_expansion_equals_pyld_per_record() -> None:
    """A batch expanded by pyoxigraph gives, graph by graph, the same canonical RDF as pyld record by record."""
    records = _records()
    results = expand_records([r.to_jsonld_bytes() for r in records])
    assert all(isinstance(r, ExpandedRecord) for r in results)
    assert [r.iri for r in results if isinstance(r, ExpandedRecord)] == [r.iri for r in records]
    quads = [q for r in results if isinstance(r, ExpandedRecord) for q in r.quads]
    assert canonical(quads) == expected_dataset(records)


def test_bad_values_are_rejected_with_their_reason_and_spare_the_rest() -> None:
    """Bad JSON, a foreign context, a missing IRI and a non-object are rejected; the good record still expands."""
    good = project("scistarter", "g-2", "Good one")
    values = [
        b"{not json",
        orjson.dumps({"@context": "https://example.org/other.jsonld", "id": "https://example.org/x"}),
        orjson.dumps({"@context": CONTEXT_URL, "projectName": "no id"}),
        orjson.dumps([1, 2]),
        good.to_jsonld_bytes(),
    ]
    results = expand_records(values)
    assert len(results) == 5
    reasons = [r.reason for r in results[:4] if isinstance(r, RejectedRecord)]
    assert len(reasons) == 4
    assert "not JSON" in reasons[0]
    assert "not the hub context" in reasons[1]
    assert "$.id" in reasons[2]
    assert "JSON list" in reasons[3]
    last = results[4]
    assert isinstance(last, ExpandedRecord)
    assert last.iri == good.iri
    assert canonical(last.quads) == expected_dataset([good])


def test_same_iri_twice_in_a_batch_keeps_each_version_apart() -> None:
    """Two versions of one record in a batch each expand to their own triples."""
    v1 = project("scistarter", "g-3", "First name")
    v2 = project("scistarter", "g-3", "Second name")
    first, second = expand_records([v1.to_jsonld_bytes(), v2.to_jsonld_bytes()])
    assert isinstance(first, ExpandedRecord)
    assert isinstance(second, ExpandedRecord)
    assert canonical(first.quads) == expected_dataset([v1])
    assert canonical(second.quads) == expected_dataset([v2])
