r"""What a SPARQL request is before it runs: its query form, and whether the hub refuses it.

pyoxigraph evaluates ``SERVICE`` by fetching the given URL, and its Python API has no parser to inspect a query
before running it. The decision therefore rests on rdflib's SPARQL parser: its parse tree says whether there is a
``ServiceGraphPattern`` anywhere (inside OPTIONAL, subqueries, unions...), and which form the query has. rdflib's
grammar rejects a few valid queries (e.g. a SERVICE inside an OPTIONAL next to an aggregate); for a query it
cannot parse the hub is conservative: the word ``SERVICE`` anywhere in the text (after decoding ``\u`` escapes,
SPARQL 1.1 section 19.2) refuses it, and the first keyword after the prologue gives its form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from hub.errors import QueryRefusedError

__all__ = ["CheckedQuery", "QueryForm", "check_query"]

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# One alternative per thing that may hide keyword-looking text, longest quotes first.
_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n\r]*",
    re.DOTALL,
)
# Variables, prefixed names (with dots and colons inside the local part) and bare words, in that order.
_TOKEN = re.compile(r"[?$][\w]+|[\w.-]*:[\w.:%-]*|[A-Za-z_][\w]*")
_SERVICE_WORD = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_FORM_NAMES: dict[str, QueryForm] = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
_UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
_FORMS: frozenset[str] = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
_PROLOGUE = frozenset({"BASE", "PREFIX"})


@dataclass(frozen=True)
class CheckedQuery:
    """A query the hub will run: its text and its form."""

    text: str
    form: QueryForm


def _decode_codepoints(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _CODEPOINT.sub(replace, text)


def _node_names(node: object) -> set[str]:
    names: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            names.add(item.name)
            stack.extend(item.values())
        elif isinstance(item, list | tuple | ParseResults):
            stack.extend(item)
    return names


def _refuse_service() -> QueryRefusedError:
    return QueryRefusedError(
        "SERVICE is not allowed: the hub does not send queries to other endpoints; query them yourself",
        reason="service",
    )


def _refuse_update(keyword: str) -> QueryRefusedError:
    return QueryRefusedError(
        f"SPARQL Update ({keyword}) is not allowed: the hub's data changes only through its Kafka topics",
        reason="update",
    )


def check_query(text: str) -> CheckedQuery:
    """Refuse updates and federated queries; say which query form this is.

    Syntax errors are left to the query engine, which reports them with their position.

    Raises:
        QueryRefusedError: ``reason="update"`` for SPARQL Update, ``"service"`` for ``SERVICE``, ``"syntax"`` when
            no query form (SELECT, ASK, CONSTRUCT, DESCRIBE) can be found.
    """
    if not text.strip():
        raise QueryRefusedError("the query is empty", reason="syntax")
    try:
        tree = parseQuery(text)
    except ParseBaseException:
        tree = None
    if tree is not None:
        if "ServiceGraphPattern" in _node_names(tree):
            raise _refuse_service()
        return CheckedQuery(text, _FORM_NAMES[tree[1].name])
    decoded = _decode_codepoints(text)
    if _SERVICE_WORD.search(decoded):
        raise _refuse_service()
    words = [
        token.upper()
        for token in _TOKEN.findall(_NOISE.sub(" ", decoded))
        if not token.startswith(("?", "$")) and ":" not in token
    ]
    # Skip the prologue: BASE <iri> and PREFIX p: <iri> leave only their keywords once IRIs and names are gone.
    first = next((word for word in words if word not in _PROLOGUE), None)
    if first in _UPDATE_KEYWORDS:
        raise _refuse_update(first or "")
    try:
        parseUpdate(text)
    except ParseBaseException:
        pass
    else:
        raise _refuse_update(first or "update")
    if first not in _FORMS:
        raise QueryRefusedError(
            f"expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prologue, found {first or 'nothing'}",
            reason="syntax",
        )
    return CheckedQuery(text, first)
