"""The public pages: the project directory with facets and a map, project pages, platforms, organisations, about.

Everything here is published data read from the `DirectoryIndex`; no page needs a login and none shows personal
data (contributors are never indexed, only projects, organisations, platforms, statistics and links).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import orjson
from aiohttp import web

from hub.api.keys import SETTINGS
from hub.dump.files import list_dumps
from hub.dump.http import dump_dir
from hub.schema.iris import ID_BASE
from hub.web.fields import FACETS, PROVENANCE_FIELDS, platform_of, texts
from hub.web.index import SORTS, DirectoryIndex, SearchQuery
from hub.web.keys import INDEX, WEB_SETTINGS
from hub.web.render import page

__all__ = ["page_path", "routes", "schema_org"]

routes = web.RouteTableDef()
_PROJECT_BASE = f"{ID_BASE}project/"
_ORG_BASE = ID_BASE


def page_path(iri: str) -> str | None:
    """The portal path of a project or organisation IRI, or None for one the hub did not mint."""
    if iri.startswith(_PROJECT_BASE):
        return "/projects/" + quote(iri[len(_PROJECT_BASE) :], safe="/")
    if iri.startswith(_ORG_BASE + "organisation/") or iri.startswith(_ORG_BASE + "network/"):
        return "/organisations/" + quote(iri[len(_ORG_BASE) :], safe="/")
    return None


def _query(request: web.Request) -> SearchQuery:
    params = request.query
    try:
        number = max(1, min(int(params.get("page", "1")), 10_000))
    except ValueError:
        number = 1
    sort = params.get("sort", "relevance")
    filters = {facet: params.getall(facet) for facet in FACETS if params.getall(facet, [])}
    return SearchQuery(
        text=params.get("q", "")[:500],
        filters=filters,
        sort=sort if sort in SORTS else "relevance",
        page=number,
        per_page=request.app[WEB_SETTINGS].page_size,
    )


def _params(query: SearchQuery) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if query.text:
        pairs.append(("q", query.text))
    for facet, values in sorted(query.filters.items()):
        pairs.extend((facet, v) for v in values)
    if query.sort != "relevance":
        pairs.append(("sort", query.sort))
    return pairs


def _href(query: SearchQuery, facet: str, value: str) -> str:
    """The directory URL with ``facet=value`` toggled (and back to page 1)."""
    pairs = _params(query)
    pair = (facet, value)
    pairs = [p for p in pairs if p != pair] if pair in pairs else [*pairs, pair]
    return "/projects?" + urlencode(pairs) if pairs else "/projects"


@routes.get("/")
@routes.get("/projects")
@routes.get("/projects.json")
async def directory(request: web.Request) -> web.Response:
    """The project directory: full-text search, facets with counts, sort, paging."""
    index = request.app[INDEX]
    query = _query(request)
    result = index.search(query)
    projects = [{**p, "url": page_path(p["iri"])} for p in result.projects]
    pages = max(1, -(-result.total // query.per_page))
    facets = {
        name: [
            {
                "value": value,
                "count": count,
                "selected": value in query.filters.get(name, ()),
                "href": _href(query, name, value),
            }
            for value, count in result.facets.get(name, [])[:30]
        ]
        for name in FACETS
    }
    base = _params(query)
    data = {
        "query": {"q": query.text, "filters": query.filters, "sort": query.sort, "page": query.page},
        "total": result.total,
        "pages": pages,
        "projects": projects,
        "facets": {name: [{"value": f["value"], "count": f["count"]} for f in items] for name, items in facets.items()},
    }
    page_href = {
        "prev": "/projects?" + urlencode([*base, ("page", str(query.page - 1))]) if query.page > 1 else None,
        "next": "/projects?" + urlencode([*base, ("page", str(query.page + 1))]) if query.page < pages else None,
    }
    settings = request.app[WEB_SETTINGS]
    return page(
        request,
        "directory.html",
        data,
        facet_links=facets,
        facet_labels={name: label for name, (label, _) in FACETS.items()},
        sorts=SORTS,
        page_href=page_href,
        map_data="/map.json?" + urlencode(base),
        json_href="/projects.json?" + urlencode([*base, ("page", str(query.page))]),
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
    )


@routes.get("/map.json")
async def map_pins(request: web.Request) -> web.Response:
    """The location pins of the projects matching the directory's filters (for the map)."""
    pins = request.app[INDEX].pins(_query(request))
    return web.json_response(
        {"pins": [{**p, "url": page_path(p["iri"])} for p in pins]}, dumps=lambda v: orjson.dumps(v).decode()
    )


def schema_org(iri: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A schema.org ``ResearchProject`` of a project's merged listings, for search engines."""
    first = records[0]
    urls = sorted({u for r in records for u in texts(r.get("sameAs"))})
    description = next(texts(first.get("projectDescription") or first.get("projectAim")), None)
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ResearchProject",
        "@id": iri,
        "name": next(texts(first.get("projectName")), ""),
        "sameAs": urls,
    }
    if description:
        document["description"] = description
    website = next(texts(first.get("projectUrl")), None)
    if website:
        document["url"] = website
    keywords = sorted({k for r in records for k in texts(r.get("keyword"))})
    if keywords:
        document["keywords"] = ", ".join(keywords)
    countries = sorted({c for r in records for c in texts(r.get("projectCountry"))})
    if countries:
        document["areaServed"] = countries
    return document


def _provenance(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key, label in PROVENANCE_FIELDS:
        said = [
            {"platform": listing["platform"], "value": "; ".join(texts(listing["record"].get(key)))}
            for listing in listings
            if any(True for _ in texts(listing["record"].get(key)))
        ]
        if said:
            rows.append({"field": key, "label": label, "values": said, "agree": len({s["value"] for s in said}) == 1})
    return rows


def _listings(index: DirectoryIndex, iri: str) -> list[dict[str, Any]]:
    listings = []
    for member in index.linked_group(iri):
        record = index.record(member)
        if record is None:
            continue
        listings.append(
            {
                "iri": member,
                "platform": platform_of(member),
                "url": page_path(member),
                "record": record,
                "pages": sorted(texts(record.get("sameAs"))),
                "conformance": next(texts(record.get("conformance")), "unknown"),
                "quality_flags": sorted(texts(record.get("dataQualityFlag"))),
            }
        )
    return listings


def _not_found(request: web.Request, what: str) -> web.Response:
    return page(request, "not_found.html", {"error": "not_found", "detail": what}, status=404)


@routes.get("/projects/{path:.+}")
async def project(request: web.Request) -> web.Response:
    """One project merged across its platforms' listings, with provenance, statistics, links and JSON-LD."""
    index = request.app[INDEX]
    path = request.match_info["path"].removesuffix(".json")
    iri = _PROJECT_BASE + quote(path, safe="/%")
    if index.record(iri) is None:
        iri = _PROJECT_BASE + path
    record = index.record(iri)
    if record is None:
        return _not_found(request, f"no project {iri} in the directory")
    listings = _listings(index, iri)
    members = [listing["iri"] for listing in listings]
    links = [
        {
            "id": link["iri"].rsplit("/", 1)[-1],
            "subject": link["subject"],
            "object": link["object"],
            "score": link["score"],
            "status": "confirmed" if link["confirmed"] else "proposed",
            "evidence": list(texts(link["body"].get("evidence"))),
        }
        for link in index.links_of(members)
    ]
    data = {
        "iri": iri,
        "name": next(texts(record.get("projectName")), iri),
        "listings": [dict(listing.items()) for listing in listings],
        "provenance": _provenance(listings),
        "links": links,
        "statistics": index.statistics(members),
        "jsonld": schema_org(iri, [listing["record"] for listing in listings]),
    }
    # Inside <script> a "</script>" in a value would end the element: JSON escapes "<" so no value can.
    script = orjson.dumps(data["jsonld"]).decode().replace("<", "\\u003c").replace(">", "\\u003e")
    return page(request, "project.html", data, jsonld_script=script)


@routes.get("/platforms")
@routes.get("/platforms.json")
async def platforms(request: web.Request) -> web.Response:
    """The platforms the hub harvests, with how many projects each lists."""
    index = request.app[INDEX]
    counts = index.count_by("platform")
    known = {platform_of(str(r.get("id", ""))): r for r in index.records("platforms")}
    names = sorted(set(counts) | set(known))
    rows = [
        {
            "platform": name,
            "name": next(texts((known.get(name) or {}).get("name")), name),
            "url": next(texts((known.get(name) or {}).get("url")), None),
            "projects": counts.get(name, 0),
            "directory": "/projects?" + urlencode({"platform": name}),
        }
        for name in names
        if name
    ]
    return page(request, "platforms.html", {"platforms": rows})


@routes.get("/organisations")
@routes.get("/organisations.json")
async def organisations(request: web.Request) -> web.Response:
    """Organisations and networks behind the projects."""
    rows = [
        {
            "iri": r.get("id"),
            "name": next(texts(r.get("name")), str(r.get("id"))),
            "url": page_path(str(r.get("id"))),
            "homepage": next(texts(r.get("url")), None),
            "platform": platform_of(str(r.get("id", ""))),
        }
        for r in request.app[INDEX].records("organisations", limit=5000)
    ]
    return page(request, "organisations.html", {"organisations": rows})


@routes.get("/organisations/{path:.+}")
async def organisation(request: web.Request) -> web.Response:
    """One organisation and its projects."""
    index = request.app[INDEX]
    iri = _ORG_BASE + request.match_info["path"].removesuffix(".json")
    record = index.record(iri)
    if record is None:
        return _not_found(request, f"no organisation {iri} in the directory")
    projects = [{**p, "url": page_path(p["iri"])} for p in index.projects_of(iri)]
    data = {"iri": iri, "name": next(texts(record.get("name")), iri), "record": record, "projects": projects}
    return page(request, "organisation.html", data)


@routes.get("/about")
@routes.get("/about.json")
async def about(request: web.Request) -> web.Response:
    """What the hub is, the latest dump's manifest and citation, and where SPARQL and the downloads are."""
    dumps = list_dumps(dump_dir(request.app[SETTINGS]))
    manifest = dumps[0].manifest if dumps else None
    data = {
        "projects": request.app[INDEX].project_count(),
        "manifest": manifest,
        "citation": manifest.get("citation") if manifest else None,
        "sparql": "/sparql",
        "downloads": "/dump/latest/manifest.json" if manifest else None,
    }
    return page(request, "about.html", data)
