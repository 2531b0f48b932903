"""The bundled JSON-LD context v1, a frozen document loader, and typed wrappers around pyld.

Normalising never touches the network: the loader serves the bundled context under its IRI `CONTEXT_URL` and
refuses every other URL. pyld ships no type hints, so this module is the only place that calls it.

JSON-LD processors silently drop a key that has no term in the context; `check_terms` turns that into an error,
so a renamed field or a typo can never vanish from the RDF unnoticed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final, cast

from pyld import jsonld as _pyld
from pyld.documentloader.frozen import FrozenDocumentLoader

from hub.errors import SchemaError
from hub.schema.base import CONTEXT_URL, CONTEXT_VERSION, HubModel

__all__ = [
    "CONTEXT_PATH",
    "CONTEXT_URL",
    "CONTEXT_VERSION",
    "KEYWORDS",
    "TermDefinition",
    "check_terms",
    "compact",
    "context",
    "document_loader",
    "expand",
    "term_definitions",
    "to_nquads",
]

#: The bundled context file inside the installed package.
CONTEXT_PATH: Final = Path(str(resources.files("hub.schema").joinpath("contexts", f"{CONTEXT_VERSION}.jsonld")))
#: JSON-LD keywords a hub document may use as keys.
KEYWORDS: Final = frozenset({"@context", "@id", "@type", "@value", "@language", "@graph", "@list", "@set"})

TermDefinition = Mapping[str, Any]


@functools.cache
def context() -> dict[str, Any]:
    """The bundled context document (``{"@context": {...}}``), parsed once."""
    return cast(dict[str, Any], json.loads(CONTEXT_PATH.read_text(encoding="utf-8")))


@functools.cache
def term_definitions() -> dict[str, TermDefinition]:
    """Each term of the context as an expanded-form definition (``{"@id": ..., "@type": ..., "@container": ...}``).

    Prefix entries (``"dcterms": "http://purl.org/dc/terms/"``) and ``@``-entries are left out.
    """
    terms: dict[str, TermDefinition] = {}
    for term, definition in context()["@context"].items():
        if term.startswith("@"):
            continue
        if isinstance(definition, str):
            if definition.endswith(("/", "#")):  # a prefix, not a property
                continue
            terms[term] = {"@id": definition}
        else:
            terms[term] = definition
    return terms


@functools.cache
def document_loader() -> FrozenDocumentLoader:
    """A pyld document loader that serves only the bundled contexts and raises for every other URL."""
    return FrozenDocumentLoader(documents={CONTEXT_URL: context()})


def _options(**extra: Any) -> dict[str, Any]:
    return {"documentLoader": document_loader(), **extra}


def _as_document(model_or_doc: HubModel | Mapping[str, Any]) -> dict[str, Any]:
    return model_or_doc.to_jsonld() if isinstance(model_or_doc, HubModel) else dict(model_or_doc)


def _walk(node: Any, path: str, json_terms: frozenset[str]) -> Iterator[str]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]", json_terms)
        return
    if not isinstance(node, Mapping):
        return
    terms = term_definitions()
    for key, value in node.items():
        if key in KEYWORDS:
            if key == "@context" and path != "$":
                yield f"{path}.@context (a nested context would bypass the protected hub context)"
            elif key in {"@graph", "@list", "@set"}:
                yield from _walk(value, f"{path}.{key}", json_terms)
            continue
        if key not in terms and key not in {"id", "type"}:
            yield f"{path}.{key}"
            continue
        if key in json_terms:  # an rdf:JSON literal or a language map: its keys are data, not terms
            continue
        yield from _walk(value, f"{path}.{key}", json_terms)


@functools.cache
def _json_terms() -> frozenset[str]:
    return frozenset(
        term
        for term, d in term_definitions().items()
        if d.get("@type") == "@json" or d.get("@container") == "@language"
    )


def check_terms(document: Mapping[str, Any]) -> None:
    """Refuse a document with a key that has no term in the context (a JSON-LD processor would drop it).

    Raises:
        SchemaError: listing the JSON path of each such key.
    """
    unknown = list(_walk(document, "$", _json_terms()))
    if unknown:
        raise SchemaError(f"keys without a term in the hub context {CONTEXT_URL}: {', '.join(unknown)}")


def _pyld_call(operation: str, call: Any) -> Any:
    try:
        return call()
    except _pyld.JsonLdError as exc:
        # JsonLdError's str() is a multi-line dump; its cause chain says which URL was refused.
        details = getattr(exc, "details", None) or {}
        url = details.get("url") if isinstance(details, Mapping) else None
        if url:
            raise SchemaError(
                f"JSON-LD {operation} refused to load {url!r}: the hub serves only its bundled context "
                f"{CONTEXT_URL} and never fetches a remote one"
            ) from exc
        raise SchemaError(f"JSON-LD {operation} failed: {getattr(exc, 'type', '')} {details}".strip()) from exc


def expand(model_or_doc: HubModel | Mapping[str, Any]) -> list[dict[str, Any]]:
    """JSON-LD expansion with the frozen loader, after `check_terms`.

    Raises:
        SchemaError: an unknown key, a remote context, or invalid JSON-LD.
    """
    document = _as_document(model_or_doc)
    check_terms(document)
    return cast(list[dict[str, Any]], _pyld_call("expansion", lambda: _pyld.expand(document, _options())))


def compact(model_or_doc: HubModel | Mapping[str, Any]) -> dict[str, Any]:
    """Per-record JSON-LD compaction against the hub context (the slow path the fast path replaces)."""
    document = _as_document(model_or_doc)
    check_terms(document)
    return cast(
        dict[str, Any],
        _pyld_call("compaction", lambda: _pyld.compact(document, CONTEXT_URL, _options())),
    )


def to_nquads(model_or_doc: HubModel | Mapping[str, Any]) -> str:
    """N-Quads of a record through pyld (expansion + RDF conversion), after `check_terms`.

    Raises:
        SchemaError: an unknown key, a remote context, or invalid JSON-LD.
    """
    document = _as_document(model_or_doc)
    check_terms(document)
    return cast(
        str,
        _pyld_call("to RDF", lambda: _pyld.to_rdf(document, _options(format="application/n-quads"))),
    )
