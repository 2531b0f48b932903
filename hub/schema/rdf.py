"""The reference mapping: a model (or its compact JSON-LD) straight to an rdflib graph, and N-Quads.

This reads the bundled context's term definitions and applies them to the hub's compact documents without a
JSON-LD processor: one dict walk per record. It covers exactly the JSON-LD the fast path emits (a string
``@context``, terms with ``@id``/``@type``/``@container: @set``, nested blank nodes, ``@json`` literals); the tests
prove it agrees with pyld's full expansion on every example and fixture, so it is both the fast RDF export and
the oracle for the fast JSON path.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node as RdfNode

from hub.errors import SchemaError
from hub.schema.base import CONTEXT_URL, HubModel
from hub.schema.jsonld import check_terms, context, term_definitions

__all__ = ["from_nquads", "normalise_literals", "to_graph", "to_nquads"]


@functools.cache
def _prefixes() -> dict[str, str]:
    return {
        name: value
        for name, value in context()["@context"].items()
        if isinstance(value, str) and not name.startswith("@") and value.endswith(("/", "#"))
    }


def _expand_iri(value: str, *, vocab: bool) -> str:
    """Expand a term (when ``vocab``) or a compact IRI ``prefix:suffix``; absolute IRIs pass through."""
    if vocab:
        definition = term_definitions().get(value)
        if definition is not None:
            return _expand_iri(str(definition["@id"]), vocab=False)
    prefix, colon, suffix = value.partition(":")
    if colon and not suffix.startswith("//"):
        base = _prefixes().get(prefix)
        if base is not None:
            return base + suffix
    return value


def _literal(value: Any, datatype: str | None) -> Literal:
    if datatype is not None:
        return Literal(value, datatype=URIRef(datatype))
    if isinstance(value, bool):
        return Literal(value, datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        return Literal(value, datatype=XSD.double)
    return Literal(str(value))


def _json_literal(value: Any) -> Literal:
    # JSON-LD 1.1 writes rdf:JSON literals in the JSON Canonicalization Scheme: sorted keys, no spaces.
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return Literal(text, datatype=RDF.JSON)


def _add_node(graph: Graph, node: Mapping[str, Any]) -> RdfNode:
    subject: URIRef | BNode = URIRef(node["id"]) if "id" in node else BNode()
    terms = term_definitions()
    for key, value in node.items():
        if key in {"@context", "id"}:
            continue
        if key == "type":
            for term in value if isinstance(value, list) else [value]:
                graph.add((subject, RDF.type, URIRef(_expand_iri(term, vocab=True))))
            continue
        definition = terms[key]
        predicate = URIRef(_expand_iri(str(definition["@id"]), vocab=False))
        coercion = definition.get("@type")
        if coercion == "@json":
            graph.add((subject, predicate, _json_literal(value)))
            continue
        if definition.get("@container") == "@language":
            # A language map: one language-tagged literal per entry (JSON-LD lower-cases the tags).
            for language, text in value.items():
                for item in text if isinstance(text, list) else [text]:
                    graph.add((subject, predicate, Literal(item, lang=language.lower())))
            continue
        for item in value if isinstance(value, list) else [value]:
            obj: RdfNode
            if isinstance(item, Mapping):
                obj = _add_node(graph, item)
            elif coercion in {"@id", "@vocab"} and isinstance(item, str):
                obj = URIRef(_expand_iri(item, vocab=coercion == "@vocab"))
            else:
                datatype = _expand_iri(coercion, vocab=False) if isinstance(coercion, str) else None
                obj = _literal(item, datatype)
            graph.add((subject, predicate, obj))
    return subject


def to_graph(records: HubModel | Mapping[str, Any] | Iterable[HubModel | Mapping[str, Any]]) -> Graph:
    """The RDF of one record or many (models or their compact JSON-LD) as an rdflib graph.

    Raises:
        SchemaError: a document references another context, or has a key without a term.
    """
    items: Iterable[HubModel | Mapping[str, Any]] = [records] if isinstance(records, HubModel | Mapping) else records
    graph = Graph()
    for record in items:
        document = record.to_jsonld() if isinstance(record, HubModel) else record
        if document.get("@context") != CONTEXT_URL:
            raise SchemaError(f"$.@context: {document.get('@context')!r} is not the hub context {CONTEXT_URL}")
        check_terms(document)
        _add_node(graph, document)
    return graph


def to_nquads(records: HubModel | Mapping[str, Any] | Iterable[HubModel | Mapping[str, Any]]) -> str:
    """N-Quads (default graph) of one record or many, through rdflib."""
    return to_graph(records).serialize(format="nt", encoding="utf-8").decode("utf-8")


def normalise_literals(graph: Graph) -> Graph:
    """A copy whose typed literals are written in one canonical form per value.

    Two correct serialisers may spell one value differently (pyld writes the double 31.9 as ``3.19E1``, rdflib as
    ``31.9``; JSON key order inside rdf:JSON). Comparing graphs by value needs one spelling.
    """
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == RDF.JSON:
            o = _json_literal(orjson.loads(str(o)))
        elif isinstance(o, Literal) and o.datatype is not None and o.value is not None:
            o = Literal(o.value, datatype=o.datatype)
        out.add((s, p, o))
    return out


def from_nquads(text: str) -> Graph:
    """Parse default-graph N-Quads (what `to_nquads` and pyld emit for hub records) into an rdflib graph.

    Default-graph N-Quads are N-Triples, so rdflib's N-Triples parser reads them; a named-graph quad is refused
    by that parser rather than merged silently. (rdflib 7's N-Quads parser warns of its own deprecated API.)
    """
    return Graph().parse(data=text, format="nt")
