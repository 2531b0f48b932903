from __future__ import annotations

import pytest

from hub.dump.sparql_check import check_query
from hub.errors import QueryRefusedError

P = "PREFIX ppsr: <https://w3id.org/citsci-hub/ppsr#>\n"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        (P + "ask { ?s a ppsr:Project }", "ASK"),
        ("BASE <http://example.org/>\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <https://w3id.org/citsci-hub/id/project/scistarter/a>", "DESCRIBE"),
        # The word service as data, an IRI, a variable, a prefixed name or a comment is not the keyword.
        ('SELECT * { ?s ?p "SERVICE <http://evil.example/sparql>" }', "SELECT"),
        ("SELECT ?service { ?service <http://www.w3.org/ns/dcat#service> ?o }", "SELECT"),
        ("PREFIX dcat: <http://www.w3.org/ns/dcat#>\nSELECT * { ?s dcat:service ?o } # SERVICE later", "SELECT"),
    ],
)
def test_allowed_queries_and_their_form(query: str, form: str) -> None:
    """Read-only queries pass with their form, even when 'service' appears outside the keyword position."""
    assert check_query(query).form == form


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
        "select * { service silent ?endpoint { ?s ?p ?o } }",
        "SELECT * { { SELECT ?s { SERVICE <http://evil.example/sparql> { ?s ?p ?o } } } }",
        # rdflib cannot parse this valid query (SERVICE in OPTIONAL beside an aggregate): refused conservatively.
        P + "SELECT ?c (COUNT(*) AS ?n) { ?p a ppsr:Project ; ppsr:projectCountry ?c . "
        "OPTIONAL { SERVICE <http://x.example/s> { ?p ?a ?b } } } GROUP BY ?c",
        # SPARQL decodes \\u escapes before parsing: \\u0053ERVICE is SERVICE.
        "SELECT * { \\u0053ERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
        # A '<' comparison and a comment must not hide the keyword from the check.
        "SELECT * { ?s ?p ?a . FILTER(?a<?b)SERVICE#>\n<http://evil.example/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(query: str) -> None:
    """Every way of writing SERVICE is refused before the query runs."""
    with pytest.raises(QueryRefusedError, match="SERVICE is not allowed") as caught:
        check_query(query)
    assert caught.value.reason == "service"


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a.example/s> <http://a.example/p> 1 }",
        P + "DELETE WHERE { ?s a ppsr:Project }",
        "LOAD <http://evil.example/data.ttl>",
        "DROP ALL",
        "WITH <http://g.example/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused(query: str) -> None:
    """SPARQL Update of any kind is refused with a message saying data changes only through Kafka."""
    with pytest.raises(QueryRefusedError, match=r"SPARQL Update .* is not allowed") as caught:
        check_query(query)
    assert caught.value.reason == "update"


def test_empty_and_formless_text_is_a_syntax_error() -> None:
    """Text with no query form is refused as a syntax error naming what was found."""
    with pytest.raises(QueryRefusedError, match="empty"):
        check_query("   ")
    with pytest.raises(QueryRefusedError, match="found HELLO") as caught:
        check_query("HELLO world")
    assert caught.value.reason == "syntax"
