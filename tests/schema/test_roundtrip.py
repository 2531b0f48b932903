"""The fast path is right: pyld's expansion of the fast JSON gives the reference mapping's RDF, nothing is lost."""

from __future__ import annotations

import socket
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from pyld import jsonld as pyld
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from hub.connectors.zooniverse_classification import contribution_from_payload, scrub_export_row
from hub.errors import SchemaError
from hub.schema import HubModel, Node, Project, jsonld, rdf
from hub.schema.anonymise import Pseudonymiser
from hub.schema.examples import examples
from hub.schema.iris import BASE, HUB_NS, PPSR_NS
from hub.schema.ppsr import project_from_ppsr

DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
PPSR = Namespace(PPSR_NS)


def _fixture_models(ppsr_document: dict[str, Any], classification_rows: list[dict[str, str]]) -> list[HubModel]:
    projects = [project_from_ppsr(r, platform="jrc-inventory").project for r in ppsr_document["Project"]]
    pseudonymiser = Pseudonymiser(SecretStr("roundtrip-test-secret-0123"))
    contributions = [
        contribution_from_payload(
            scrub_export_row(row, pseudonymiser=pseudonymiser, logged_out="per_session"), project_id="1"
        )
        for row in classification_rows
    ]
    return [*[p for p in projects if p is not None], *contributions, *examples().values()]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket opened during the test fails it: JSON-LD processing must stay offline."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access during JSON-LD processing")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _pyld_graph(model: HubModel) -> Graph:
    return rdf.from_nquads(jsonld.to_nquads(orjson.loads(model.to_jsonld_bytes())))


def test_fast_output_expands_to_the_reference_rdf(ppsr_document, classification_rows, no_network):
    """For every example and fixture record, pyld(fast JSON) and the reference mapping give the same graph."""
    models = _fixture_models(ppsr_document, classification_rows)
    assert len(models) >= 15
    for model in models:
        reference = rdf.normalise_literals(rdf.to_graph(model))
        expanded = rdf.normalise_literals(_pyld_graph(model))
        assert len(reference) > 2, model.iri
        assert isomorphic(reference, expanded), model.iri


def test_rdf_round_trips_through_nquads_without_loss(ppsr_document, classification_rows):
    """Reference graph -> N-Quads -> rdflib graph is the same graph, for every record."""
    for model in _fixture_models(ppsr_document, classification_rows):
        graph = rdf.to_graph(model)
        again = rdf.from_nquads(rdf.to_nquads(model))
        assert isomorphic(graph, again), model.iri


def test_every_json_key_becomes_a_triple(ppsr_document, classification_rows):
    """No key is dropped: each top-level key of the fast output yields at least one triple with its predicate."""
    terms = jsonld.term_definitions()
    for model in _fixture_models(ppsr_document, classification_rows):
        doc = model.to_jsonld()
        graph = rdf.to_graph(model)
        predicates = {str(p) for p in graph.predicates(URIRef(model.iri))}
        for key in doc:
            if key in {"@context", "id"}:
                continue
            iri = str(RDF.type) if key == "type" else rdf._expand_iri(str(terms[key]["@id"]), vocab=False)
            assert iri in predicates, (model.iri, key)


def test_project_example_gives_the_expected_triples():
    """Spot checks of the mapping: PPSR names land on DCTERMS, PROV and the ppsr: mirror with datatypes."""
    project = examples()["project"]
    graph = _pyld_graph(project)
    subject = URIRef(project.iri)
    assert (subject, RDF.type, PPSR.Project) in graph
    assert (subject, RDF.type, URIRef("http://schema.org/ResearchProject")) in graph
    assert (subject, DCTERMS.identifier, Literal("9b873aa0-0c23-53d5-95ae-c12902e8cae7")) in graph
    assert (subject, PROV.startedAtTime, Literal("2022-06-23T07:00:00Z", datatype=XSD.dateTime)) in graph
    assert (subject, PPSR.projectStatus, Literal("Active")) in graph
    assert (
        subject,
        DCTERMS.title,
        Literal("Tiempo para restaurar: personas, plantas y polinizadores", lang="es"),
    ) in graph
    assert (subject, URIRef(f"{HUB_NS}hostedOn"), URIRef(f"{BASE}/id/platform/scistarter")) in graph


def test_classification_is_a_web_annotation():
    """A classification expands to oa:Annotation motivated by oa:classifying, its answer in rdf:JSON."""
    classification = examples()["classification"]
    graph = _pyld_graph(classification)
    subject = URIRef(classification.iri)
    assert (subject, RDF.type, OA.Annotation) in graph
    assert (subject, OA.motivatedBy, OA.classifying) in graph
    raw = graph.value(subject, URIRef(f"{HUB_NS}rawAnnotation"))
    assert isinstance(raw, Literal)
    assert raw.datatype == RDF.JSON


def test_unknown_key_is_an_error_where_pyld_would_drop_it():
    """pyld silently drops a key with no term; check_terms (used by expand/to_nquads/to_graph) refuses it."""
    doc = {**examples()["organisation"].to_jsonld(), "nickname": "NHM"}
    nested = {**examples()["project"].to_jsonld()}
    nested["contactPoint"] = [{**nested["contactPoint"][0], "fax": "+1"}]
    plain = pyld.to_rdf(doc, {"documentLoader": jsonld.document_loader(), "format": "application/n-quads"})
    assert "NHM" not in plain
    with pytest.raises(SchemaError, match=r"\$\.nickname"):
        jsonld.to_nquads(doc)
    with pytest.raises(SchemaError, match=r"\$\.contactPoint\[0\]\.fax"):
        rdf.to_graph(nested)


def test_loader_refuses_remote_contexts(no_network):
    """Only the bundled context is served; any other URL is refused without touching the network."""
    with pytest.raises(SchemaError, match="never fetches a remote"):
        jsonld.expand({"@context": "https://schema.org/", "name": "x"})
    document = jsonld.document_loader()(jsonld.CONTEXT_URL, {})
    assert document["document"]["@context"]["@protected"] is True


def test_context_is_protected_json_ld_11_on_the_one_base():
    """The bundled context is JSON-LD 1.1, protected, and its hub namespaces come from BASE."""
    ctx = jsonld.context()["@context"]
    assert ctx["@version"] == 1.1
    assert ctx["@protected"] is True
    assert ctx["hub"] == HUB_NS
    assert ctx["ppsr"] == PPSR_NS
    assert jsonld.CONTEXT_URL.startswith(BASE)


def _all_nodes(cls: type[Node]) -> list[type[Node]]:
    out = [cls]
    for sub in cls.__subclasses__():
        out.extend(_all_nodes(sub))
    return out


def test_every_model_key_and_type_has_a_term():
    """Each field, computed key and type of every model is a term of the context, so none can be dropped."""
    terms = jsonld.term_definitions()
    for cls in _all_nodes(Node):
        for name, info in cls.model_fields.items():
            assert (info.alias or name) in terms, (cls.__name__, name)
        for name, computed in cls.model_computed_fields.items():
            assert (computed.alias or name) in terms, (cls.__name__, name)
        for type_term in cls.TYPES:
            assert type_term in terms, (cls.__name__, type_term)


_OPTIONAL_PROJECT_KEYS = sorted(
    set(examples()["project"].to_jsonld()) - {"@context", "id", "type", "projectId", "projectName", "conformance"}
)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(_OPTIONAL_PROJECT_KEYS)))
def test_any_subset_of_project_attributes_gives_the_reference_rdf(keys):
    """Whatever attributes a listing has, pyld(fast JSON) equals the reference mapping."""
    full = examples()["project"].to_jsonld()
    doc = {k: v for k, v in full.items() if k in keys or k in {"id", "projectId", "projectName"}}
    model = Project.from_jsonld(doc)
    reference = rdf.normalise_literals(rdf.to_graph(model))
    assert isomorphic(reference, rdf.normalise_literals(_pyld_graph(model)))
