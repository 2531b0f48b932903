"""Read the matcher's view of every project listing out of the materialised store."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from hub.dump.matching import Listing
from hub.dump.store import HubStore
from hub.errors import SchemaError
from hub.schema.iris import HUB_NS, PPSR_NS, parse_iri

__all__ = ["read_listings"]

_PROPERTIES = {
    "http://purl.org/dc/terms/title": "name",
    "http://xmlns.com/foaf/0.1/homepage": "homepage",
    "http://schema.org/sameAs": "pages",
    f"{PPSR_NS}projectResponsiblePartyName": "organisations",
    f"{HUB_NS}responsibleParty": "organisations",
    f"{PPSR_NS}projectExternalId": "external_ids",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": "external_links",
}

_FIELDS_QUERY = f"""
SELECT ?project ?property ?value WHERE {{
  ?project a <{PPSR_NS}Project> ; ?property ?value .
  VALUES ?property {{ {" ".join(f"<{iri}>" for iri in _PROPERTIES)} }}
}}"""

_PIN_QUERY = f"""
SELECT ?project ?lat ?lon WHERE {{
  ?project a <{PPSR_NS}Project> ; <{PPSR_NS}projectGeographicLocation> ?location .
  ?location <{PPSR_NS}projectPinLatitude> ?lat ; <{PPSR_NS}projectPinLongitude> ?lon .
}}"""


def _select(store: HubStore, query: str) -> ox.QuerySolutions:
    solutions = store.store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)  # noqa: S101 - the queries above are SELECTs
    return solutions


def _term_text(term: Any) -> str:
    return str(term.value) if isinstance(term, ox.NamedNode | ox.Literal) else str(term)


def read_listings(store: HubStore) -> list[Listing]:
    """Every project listing in the store with the fields the matcher compares.

    Listings whose IRI was not minted by the hub (no platform in it) are left out: the matcher links listings
    of different platforms and needs to know each one's platform.
    """
    fields: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for solution in _select(store, _FIELDS_QUERY):
        project, prop, value = solution["project"], solution["property"], solution["value"]
        fields[_term_text(project)][_PROPERTIES[_term_text(prop)]].append(_term_text(value))
    pins: dict[str, tuple[float, float]] = {}
    for solution in _select(store, _PIN_QUERY):
        try:
            pins[_term_text(solution["project"])] = (
                float(_term_text(solution["lat"])),
                float(_term_text(solution["lon"])),
            )
        except ValueError:
            continue  # a pin that is not a number cannot be compared
    listings = []
    for iri, values in sorted(fields.items()):
        try:
            _, platform, native_id = parse_iri(iri)
        except SchemaError:
            continue
        names = sorted(values.get("name", []))
        listings.append(
            Listing(
                iri=iri,
                platform=platform,
                native_id=unquote(native_id),
                name=names[0] if names else "",
                homepage=min(values["homepage"]) if values.get("homepage") else None,
                pages=frozenset(values.get("pages", [])),
                organisations=frozenset(values.get("organisations", [])),
                point=pins.get(iri),
                external_ids=frozenset(values.get("external_ids", [])),
                external_links=frozenset(values.get("external_links", [])),
            )
        )
    return listings
