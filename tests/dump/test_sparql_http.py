"""SPARQL 1.1 Protocol conformance of /sparql for the supported forms, and its refusals."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.config import DumpSettings, HubSettings
from hub.dump.expand import ExpandedRecord, expand_records
from hub.dump.http import routes, setup
from hub.dump.sparql import SparqlEngine
from hub.dump.store import Change, HubStore
from hub.errors import QueryRefusedError
from hub.schema import HubModel

from .records import ASTRONOMY, ECOLOGY, link, project, statistics

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
P = "PREFIX ppsr: <https://w3id.org/citsci-hub/ppsr#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
NAMES = P + "SELECT ?name WHERE { ?p a ppsr:Project ; dcterms:title ?name } ORDER BY ?name"


def _records() -> list[HubModel]:
    a = project("scistarter", "a", "Alpha, with a comma", science=ECOLOGY, country="Greece")
    b = project("eu-citizen-science", "7", 'Beta "quoted"\tand tabbed', science=ECOLOGY, country="Greece")
    c = project("zooniverse", "12", "Gamma", science=ASTRONOMY)
    return [a, b, c, statistics("zooniverse", "12", 1, 5), link(a.iri, b.iri)]


def _store() -> HubStore:
    store = HubStore(None)
    records = _records()
    changes = []
    for record, result in zip(records, expand_records([r.to_jsonld_bytes() for r in records]), strict=True):
        assert isinstance(result, ExpandedRecord)
        changes.append(Change(f"t.{record.ENTITY}.v1", record.partition_key(), result.iri, result.quads))
    store.apply(changes, {("t.projects.v1", 0): 3})
    return store


async def _client(aiohttp_client: ClientFactory, tmp_path: Path, **limits: Any) -> TestClient[Any, Any]:
    app = web.Application()
    settings = HubSettings(dump=DumpSettings(output_dir=tmp_path, **limits))
    setup(app, settings, store=_store())
    app.add_routes(routes)
    return await aiohttp_client(app)


async def test_get_post_form_and_post_direct_give_the_same_json(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """The three protocol operations answer the same SPARQL JSON results, over the union of record graphs."""
    client = await _client(aiohttp_client, tmp_path)
    answers = []
    for response in (
        await client.get("/sparql", params={"query": NAMES}),
        await client.post("/sparql", data={"query": NAMES}),
        await client.post("/sparql", data=NAMES.encode(), headers={"Content-Type": "application/sparql-query"}),
    ):
        assert response.status == 200
        assert response.content_type == "application/sparql-results+json"
        answers.append(await response.json())
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["head"] == {"vars": ["name"]}
    names = [b["name"]["value"] for b in answers[0]["results"]["bindings"]]
    assert names == ["Alpha, with a comma", 'Beta "quoted"\tand tabbed', "Gamma"]
    assert answers[0]["results"]["bindings"][2]["name"] == {"type": "literal", "value": "Gamma"}


async def test_csv_and_tsv_results(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """CSV quotes commas and quotes; TSV writes terms in SPARQL syntax with tabs escaped."""
    client = await _client(aiohttp_client, tmp_path)
    response = await client.get("/sparql", params={"query": NAMES}, headers={"Accept": "text/csv"})
    assert response.status == 200
    assert response.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows == [["name"], ["Alpha, with a comma"], ['Beta "quoted"\tand tabbed'], ["Gamma"]]
    response = await client.get("/sparql", params={"query": NAMES, "format": "tsv"})
    assert response.content_type == "text/tab-separated-values"
    lines = (await response.text()).splitlines()
    assert lines[0] == "?name"
    assert lines[2] == '"Beta \\"quoted\\"\\tand tabbed"'
    assert all(line.count("\t") == 0 for line in lines)


async def test_typed_values_in_json(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """IRIs are uris; typed literals carry their datatype; aggregates count across platforms."""
    client = await _client(aiohttp_client, tmp_path)
    query = P + (
        "SELECT ?science (COUNT(?p) AS ?n) WHERE { ?p a ppsr:Project ; ppsr:projectScienceType ?science } "
        "GROUP BY ?science ORDER BY DESC(?n)"
    )
    body = await (await client.get("/sparql", params={"query": query})).json()
    first = body["results"]["bindings"][0]
    assert first["science"] == {"type": "literal", "value": ECOLOGY}
    assert first["n"] == {"type": "literal", "value": "2", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    iri_query = P + "SELECT ?p WHERE { ?p a ppsr:Project } LIMIT 1"
    binding = (await (await client.get("/sparql", params={"query": iri_query})).json())["results"]["bindings"][0]
    assert binding["p"]["type"] == "uri"


async def test_ask_and_construct(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """ASK answers a JSON boolean; CONSTRUCT answers Turtle or N-Triples that parse to the same triples."""
    client = await _client(aiohttp_client, tmp_path)
    ask = await client.get("/sparql", params={"query": P + "ASK { ?p a ppsr:Project }"})
    assert await ask.json() == {"head": {}, "boolean": True}
    construct = P + "CONSTRUCT { ?p dcterms:title ?name } WHERE { ?p a ppsr:Project ; dcterms:title ?name }"
    turtle = await client.get("/sparql", params={"query": construct}, headers={"Accept": "text/turtle"})
    assert turtle.content_type == "text/turtle"
    ntriples = await client.get("/sparql", params={"query": construct}, headers={"Accept": "application/n-triples"})
    assert ntriples.content_type == "application/n-triples"
    from_turtle = set(ox.parse(await turtle.read(), ox.RdfFormat.TURTLE))
    from_ntriples = set(ox.parse(await ntriples.read(), ox.RdfFormat.N_TRIPLES))
    assert from_turtle == from_ntriples
    assert len(from_turtle) == 3


async def test_default_graph_uri_restricts_the_dataset(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """default-graph-uri makes one record graph the default graph."""
    client = await _client(aiohttp_client, tmp_path)
    only = "https://w3id.org/citsci-hub/id/project/zooniverse/12"
    response = await client.get("/sparql", params={"query": NAMES, "default-graph-uri": only})
    names = [b["name"]["value"] for b in (await response.json())["results"]["bindings"]]
    assert names == ["Gamma"]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "error"),
    [
        ({"params": {"query": "SELECT * { SERVICE <http://evil.example/s> { ?s ?p ?o } }"}}, 400, "query_service"),
        ({"params": {"query": "INSERT DATA { <http://a.example/s> <http://a.example/p> 1 }"}}, 400, "query_update"),
        ({"params": {"update": "DROP ALL"}}, 400, "query_update"),
        ({"params": {"query": "SELECT * WHERE { ?s ?p "}}, 400, "query_syntax"),
        ({"params": {"query": NAMES}, "headers": {"Accept": "image/png"}}, 406, "query_format"),
        ({"params": {}}, 400, "missing_query"),
    ],
)
async def test_refusals_are_clear(
    aiohttp_client: ClientFactory, tmp_path: Path, request_kwargs: dict[str, Any], status: int, error: str
) -> None:
    """SERVICE, updates, bad syntax, unacceptable formats and missing queries get a JSON error saying why."""
    client = await _client(aiohttp_client, tmp_path)
    response = await client.get("/sparql", **request_kwargs)
    assert response.status == status
    body = await response.json()
    assert body["error"] == error
    assert body["detail"]


async def test_posted_updates_are_refused(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """An update sent as application/sparql-update or as a form field is refused and changes nothing."""
    client = await _client(aiohttp_client, tmp_path)
    update = "DELETE WHERE { ?s ?p ?o }"
    direct = await client.post("/sparql", data=update, headers={"Content-Type": "application/sparql-update"})
    form = await client.post("/sparql", data={"update": update})
    assert direct.status == form.status == 400
    assert (await direct.json())["error"] == "query_update"
    remaining = await (await client.get("/sparql", params={"query": NAMES})).json()
    assert len(remaining["results"]["bindings"]) == 3


async def test_over_the_result_limit_is_refused(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """A query with more results than the limit is refused with 413, telling the analyst what to do."""
    client = await _client(aiohttp_client, tmp_path, sparql_result_limit=2)
    response = await client.get("/sparql", params={"query": NAMES})
    assert response.status == 413
    body = await response.json()
    assert body["error"] == "query_too_many_results"
    assert "more than 2 results" in body["detail"]
    limited = await client.get("/sparql", params={"query": NAMES + " LIMIT 2"})
    assert limited.status == 200


async def test_over_the_time_limit_is_refused(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """A query still producing results at the time limit is stopped and refused with 503."""
    client = await _client(aiohttp_client, tmp_path, sparql_timeout_s=0.2, sparql_result_limit=10**9)
    # Five-fold cross product of ~70 triples: about 1.7e9 solutions, far more than anyone can stream in 0.2s.
    query = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    response = await client.get("/sparql", params={"query": query})
    assert response.status == 503
    body = await response.json()
    assert body["error"] == "query_timeout"
    assert "longer than 0.2s" in body["detail"]


async def test_a_query_waits_for_a_slot_and_is_refused_when_none_frees() -> None:
    """With every evaluation slot held (by a query still computing), a new query is refused at its time limit."""
    engine = SparqlEngine(_store(), timeout_s=0.1, result_limit=100, max_running=1)
    engine._slots.acquire()  # stands for an aggregate still running after its own refusal
    with pytest.raises(QueryRefusedError, match="every query slot stayed busy") as caught:
        await engine.run(NAMES)
    assert caught.value.reason == "timeout"
    engine._slots.release()
    answer = await engine.run(NAMES)
    assert answer.media_type == "application/sparql-results+json"


async def test_dump_routes_write_list_and_serve_files(aiohttp_client: ClientFactory, tmp_path: Path) -> None:
    """POST /dump writes a dump; GET /dump lists it; its files download byte for byte as the manifest says."""
    client = await _client(aiohttp_client, tmp_path)
    none_yet = await client.get("/dump/latest/manifest.json")
    assert none_yet.status == 404
    made = await client.post("/dump")
    assert made.status == 201
    manifest = await made.json()
    assert manifest["records"] == 5
    listed = await (await client.get("/dump")).json()
    assert [d["dumpId"] for d in listed["dumps"]] == [manifest["dumpId"]]
    assert await (await client.get("/dump/latest/manifest.json")).json() == manifest
    for entry in manifest["files"]:
        response = await client.get(f"/dump/{manifest['dumpId']}/{entry['name']}", auto_decompress=False)
        assert response.status == 200
        assert response.content_type == "application/gzip"
        body = await response.read()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert (await client.get("/dump/latest/..%2Fsecret")).status == 404
    assert (await client.get("/dump/19990101T000000Z/hub.nq.gz")).status == 404
