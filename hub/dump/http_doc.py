"""The OpenAPI operations of the routes in :mod:`hub.dump.http`, which the API adds to its document when it mounts them.

They are written out here, not generated, because these handlers speak the SPARQL Protocol and serve files rather
than one pydantic model each.
"""

from __future__ import annotations

from typing import Any

from hub.dump.files import JSONLD_FILE, MANIFEST_FILE, NQUADS_FILE

__all__ = ["OPERATIONS"]

_ERROR = {"$ref": "#/components/schemas/ErrorBody"}


def _errors(*statuses: tuple[int, str]) -> dict[str, Any]:
    return {
        str(code): {"description": text, "content": {"application/json": {"schema": _ERROR}}} for code, text in statuses
    }


_AUTH = ((401, "Missing or unknown bearer token"), (403, "Needs an analyst or admin token"))
_LINK_AUTH = ((401, "Missing or unknown bearer token"), (403, "Needs an operator or admin token"))
_SPARQL_RESULTS = {
    media: {"schema": {"type": "string"}}
    for media in (
        "application/sparql-results+json",
        "text/csv",
        "text/tab-separated-values",
        "text/turtle",
        "application/n-triples",
    )
}
_SPARQL_PARAMS: list[dict[str, Any]] = [
    {
        "name": "query",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "The SPARQL 1.1 query (GET; POST sends it in the body).",
    },
    {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["json", "csv", "tsv", "turtle", "ntriples"]},
        "description": "Results format, instead of the Accept header.",
    },
    {
        "name": "default-graph-uri",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "A graph of the default graph (repeatable).",
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "A named graph of the dataset (repeatable).",
    },
]
_SPARQL_ERRORS = _errors(
    (400, "No query, a syntax error, or a refused feature (SERVICE, updates)"),
    *_AUTH,
    (413, "More results than HUB_DUMP__SPARQL_RESULT_LIMIT"),
    (415, "POST body neither a form nor application/sparql-query"),
    (503, "Ran longer than HUB_DUMP__SPARQL_TIMEOUT_S"),
)
_LINK_PARAMS: list[dict[str, Any]] = [
    {
        "name": "link_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "The link's id, from the links topic or SPARQL.",
    }
]
_NOTE_BODY = {
    "required": False,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"note": {"type": "string", "description": "Why (kept with the decision)."}},
                "additionalProperties": False,
            }
        }
    },
}
_LINK_ANSWER = {
    "description": "The decision as stored",
    "content": {"application/json": {"schema": {"type": "object"}}},
}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/sparql"): {
        "summary": "Query the federated store (SPARQL 1.1 Protocol)",
        "description": "Read-only: no SERVICE and no updates; time and result limits apply. Results by Accept "
        "header or format.",
        "tags": ["analysts"],
        "parameters": _SPARQL_PARAMS,
        "responses": {"200": {"description": "The results", "content": _SPARQL_RESULTS}, **_SPARQL_ERRORS},
    },
    ("post", "/sparql"): {
        "summary": "Query the federated store with the query in the body",
        "description": "A form with query= (application/x-www-form-urlencoded) or the query as "
        "application/sparql-query.",
        "tags": ["analysts"],
        "parameters": _SPARQL_PARAMS[1:],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
                },
                "application/sparql-query": {"schema": {"type": "string"}},
            },
        },
        "responses": {"200": {"description": "The results", "content": _SPARQL_RESULTS}, **_SPARQL_ERRORS},
    },
    ("get", "/dump"): {
        "summary": "The finished dumps, newest first, with their manifests",
        "tags": ["analysts"],
        "responses": {
            "200": {
                "description": "{dumps: [manifest, ...]}",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **_errors(*_AUTH),
        },
    },
    ("post", "/dump"): {
        "summary": "Write a consistent dump of the store now",
        "description": "Answers the new dump's manifest once its gzipped N-Quads and JSON-LD files are complete.",
        "tags": ["analysts"],
        "responses": {
            "201": {"description": "The manifest", "content": {"application/json": {"schema": {"type": "object"}}}},
            **_errors(*_AUTH, (409, "A dump is being written, or writing failed")),
        },
    },
    ("get", "/dump/{dump_id}/{name}"): {
        "summary": "One file of a dump (latest names the newest)",
        "description": "e.g. /dump/latest/manifest.json; the data files come as stored (gzip), with their sha256 "
        "in the manifest.",
        "tags": ["analysts"],
        "parameters": [
            {
                "name": "dump_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "A dump id, or latest.",
            },
            {
                "name": "name",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": [MANIFEST_FILE, NQUADS_FILE, JSONLD_FILE]},
                "description": "The file.",
            },
        ],
        "responses": {
            "200": {
                "description": "The file",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            },
            **_errors(*_AUTH, (404, "No such dump or file")),
        },
    },
    ("post", "/links/{link_id}/confirm"): {
        "summary": "Confirm a proposed cross-platform link",
        "description": "The link stays published, marked as confirmed by an operator.",
        "tags": ["links"],
        "parameters": _LINK_PARAMS,
        "requestBody": _NOTE_BODY,
        "responses": {
            "200": _LINK_ANSWER,
            **_errors(
                (400, 'The body is not {"note": ...}'), *_LINK_AUTH, (404, "No such link"), (503, "No Kafka connection")
            ),
        },
    },
    ("post", "/links/{link_id}/reject"): {
        "summary": "Reject a proposed cross-platform link",
        "description": "The link is withdrawn and never proposed again.",
        "tags": ["links"],
        "parameters": _LINK_PARAMS,
        "requestBody": _NOTE_BODY,
        "responses": {
            "200": _LINK_ANSWER,
            **_errors(
                (400, 'The body is not {"note": ...}'), *_LINK_AUTH, (404, "No such link"), (503, "No Kafka connection")
            ),
        },
    },
}
