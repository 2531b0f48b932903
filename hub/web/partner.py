"""The partner page: a partner's subscriptions, a preview of what each matches, backfill progress, how to connect."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from hub.api.keys import SETTINGS
from hub.stream.filters import facets_of, matches
from hub.stream.state import PartnerSubscription
from hub.web.apiclient import api_call
from hub.web.directory import page_path
from hub.web.fields import texts
from hub.web.keys import INDEX
from hub.web.render import page
from hub.web.security import web_principal

__all__ = ["routes"]

routes = web.RouteTableDef()
_PREVIEW = 5


def _signed_in(request: web.Request) -> None:
    if web_principal(request) is None:
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe=""))


@routes.get("/partner")
@routes.get("/partner.json")
async def partners(request: web.Request) -> web.Response:
    """The partners this token may see."""
    _signed_in(request)
    answer = await api_call(request, "GET", "/partners")
    names = [p["name"] for p in answer.body.get("partners", [])] if answer.ok else []
    principal = web_principal(request)
    if principal is not None:
        names = sorted(set(names) | set(principal.partners))
    return page(request, "partners.html", {"partners": names})


def _preview(request: web.Request, subscription: dict[str, Any]) -> list[dict[str, Any]]:
    sub = PartnerSubscription.model_validate(
        {
            k: subscription[k]
            for k in ("partner", "name", "entity_types", "platforms", "countries", "science_types", "keywords")
        }
    )
    found: list[dict[str, Any]] = []
    for entity in sub.entity_types or ["projects"]:
        for record in request.app[INDEX].scan(entity):
            iri = str(record.get("id", ""))
            if matches(sub, facets_of(entity, iri, record)):
                name = next(texts(record.get("projectName", record.get("name"))), iri)
                found.append({"iri": iri, "entity": entity, "name": name, "url": page_path(iri)})
                if len(found) >= _PREVIEW:
                    return found
    return found


@routes.get("/partner/{partner}")
async def partner(request: web.Request) -> web.Response:
    """One partner's subscriptions, what they match, their backfill and how to read them."""
    _signed_in(request)
    name = request.match_info["partner"].removesuffix(".json")
    answer = await api_call(request, "GET", f"/partners/{quote(name, safe='')}/subscriptions")
    if not answer.ok:
        return page(request, "not_found.html", {"detail": answer.detail}, status=answer.status)
    settings = request.app[SETTINGS]
    subscriptions = [{**s, "preview": _preview(request, s)} for s in answer.body.get("subscriptions", [])]
    connect = {
        "bootstrap": settings.kafka_bootstrap or "the hub's Kafka bootstrap (hub kafka status --json)",
        "security_protocol": settings.kafka.security_protocol,
        "group": f"{name}-<your consumer>",
        "isolation_level": "read_committed",
    }
    return page(request, "partner.html", {"partner": name, "subscriptions": subscriptions, "connect": connect})
