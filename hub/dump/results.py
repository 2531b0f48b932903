"""SPARQL 1.1 result serialisations: JSON, CSV and TSV for SELECT and ASK; N-Triples and Turtle for graphs.

The hub counts solutions as they come (to enforce its result limit) before it writes any, so it serialises the
collected rows itself rather than through pyoxigraph's one-pass ``QuerySolutions.serialize``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyoxigraph as ox

__all__ = [
    "CSV",
    "GRAPH_MEDIA_TYPES",
    "JSON",
    "NTRIPLES",
    "SOLUTION_MEDIA_TYPES",
    "TSV",
    "TURTLE",
    "Solutions",
    "Term",
    "serialize_boolean",
    "serialize_solutions",
    "serialize_triples",
]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

JSON = "application/sparql-results+json"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"

#: Media types for SELECT and ASK, preferred first.
SOLUTION_MEDIA_TYPES = (JSON, CSV, TSV)
#: Media types for CONSTRUCT and DESCRIBE, preferred first.
GRAPH_MEDIA_TYPES = (TURTLE, NTRIPLES)

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Solutions:
    """The variables of a SELECT and its rows (``None`` for an unbound variable)."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]]


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value not in {_XSD_STRING, _RDF_LANG_STRING}:
            value["datatype"] = term.datatype.value
        return value
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _csv_value(term: Term | None) -> str:
    # CSV results carry values only: IRIs and literals' lexical forms, blank nodes as _:label.
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _tsv_value(term: Term | None) -> str:
    # TSV results carry terms in SPARQL/Turtle syntax; a tab or line break inside a literal must be escaped.
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def serialize_solutions(solutions: Solutions, media_type: str) -> bytes:
    """SELECT results in one of `SOLUTION_MEDIA_TYPES`."""
    if media_type == JSON:
        bindings = [
            {var: _json_term(term) for var, term in zip(solutions.variables, row, strict=True) if term is not None}
            for row in solutions.rows
        ]
        return orjson.dumps({"head": {"vars": solutions.variables}, "results": {"bindings": bindings}})
    if media_type == CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(solutions.variables)
        writer.writerows([_csv_value(term) for term in row] for row in solutions.rows)
        return out.getvalue().encode()
    if media_type == TSV:
        lines = ["\t".join(f"?{var}" for var in solutions.variables)]
        lines.extend("\t".join(_tsv_value(term) for term in row) for row in solutions.rows)
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"no SELECT serialisation for {media_type}")


def serialize_boolean(value: bool, media_type: str) -> bytes:
    """ASK results: JSON per the SPARQL 1.1 JSON format; CSV and TSV as one ``true``/``false`` line."""
    if media_type == JSON:
        return orjson.dumps({"head": {}, "boolean": value})
    if media_type in {CSV, TSV}:
        # SPARQL 1.1 CSV/TSV do not define ASK; a one-line answer is what Jena and Oxigraph's server give.
        return b"true\n" if value else b"false\n"
    raise ValueError(f"no ASK serialisation for {media_type}")


def serialize_triples(triples: Sequence[ox.Triple], media_type: str) -> bytes:
    """CONSTRUCT and DESCRIBE results in one of `GRAPH_MEDIA_TYPES`."""
    formats: dict[str, ox.RdfFormat] = {TURTLE: ox.RdfFormat.TURTLE, NTRIPLES: ox.RdfFormat.N_TRIPLES}
    if media_type not in formats:
        raise ValueError(f"no graph serialisation for {media_type}")
    output = ox.serialize(triples, format=formats[media_type])
    assert output is not None  # noqa: S101 - serialize returns bytes when no output is given
    return output
