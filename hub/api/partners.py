"""``/partners``: partner associations and their subscriptions (filters feeding the partner's topics)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import structlog
from aiohttp import web
from pydantic import ValidationError

from hub.api.auth import Principal
from hub.api.keys import BACKFILL, CLOCK, CONNECTOR_TYPES, PRINCIPAL, REGISTRY, SETTINGS
from hub.api.models import (
    NAME_PATTERN,
    BackfillView,
    PartnerList,
    PartnerView,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionPut,
    SubscriptionView,
)
from hub.api.problems import ApiError, FieldError, parse_body
from hub.api.routing import ApiRoutes, json_response
from hub.connectors.base import Connector
from hub.connectors.registry import load_connector_types
from hub.stream.filter_values import UnknownFilterValue, country_label, platform_slug, science_type
from hub.stream.state import PartnerSubscription
from hub.stream.topics import partner_topic

__all__ = ["routes"]

log = structlog.get_logger(__name__)
routes = ApiRoutes()


def _partner(request: web.Request) -> str:
    """The partner named in the path, if the caller may act for it (404 otherwise, like a missing one)."""
    partner = request.match_info["partner"]
    principal: Principal = request[PRINCIPAL]
    if not principal.can_partner(partner):
        raise ApiError(404, "not_found", f"no partner {partner!r}")
    if not re.match(NAME_PATTERN, partner):
        raise ApiError(
            422,
            "invalid_name",
            f"partner name {partner!r} is invalid",
            [FieldError(field="partner", message="use [A-Za-z0-9_-]{1,100}")],
        )
    return partner


def _subscriptions(request: web.Request, partner: str) -> list[PartnerSubscription]:
    return [sub for _, sub in request.app[REGISTRY].partners.items() if sub.partner == partner]


def _topics(request: web.Request, partner: str, entity_types: list[str]) -> list[str]:
    settings = request.app[SETTINGS]
    return sorted({partner_topic(settings, partner, entity) for entity in entity_types})


async def _view(request: web.Request, sub: PartnerSubscription) -> SubscriptionView:
    progress = await request.app[BACKFILL](sub)
    return SubscriptionView(
        partner=sub.partner,
        name=sub.name,
        entity_types=list(sub.entity_types),
        platforms=list(sub.platforms),
        countries=list(sub.countries),
        science_types=list(sub.science_types),
        keywords=list(sub.keywords),
        topics=_topics(request, sub.partner, list(sub.entity_types)),
        backfill=BackfillView.model_validate(progress) if progress is not None else None,
        created_at=sub.created_at,
        updated_at=sub.updated_at,
    )


@routes.route(
    "GET", "/partners", summary="List the partners this token may see", tag="partners", responses={200: PartnerList}
)
async def list_partners(request: web.Request) -> web.StreamResponse:
    """Partners with subscriptions (an admin sees all; a partner itself)."""
    principal: Principal = request[PRINCIPAL]
    if not (principal.admin or principal.partners):
        raise ApiError(403, "forbidden", "this needs an admin or partner token")
    names = {sub.partner for _, sub in request.app[REGISTRY].partners.items()} | set(principal.partners)
    partners = []
    for name in sorted(n for n in names if principal.can_partner(n)):
        subs = _subscriptions(request, name)
        entity_types = sorted({entity for sub in subs for entity in sub.entity_types})
        partners.append(
            PartnerView(name=name, subscriptions=[s.name for s in subs], topics=_topics(request, name, entity_types))
        )
    return json_response(PartnerList(partners=partners))


@routes.route(
    "GET",
    "/partners/{partner}/subscriptions",
    summary="A partner's subscriptions",
    tag="partners",
    responses={200: SubscriptionList},
)
async def list_subscriptions(request: web.Request) -> web.StreamResponse:
    """Every subscription of the partner, with its topics and backfill progress."""
    partner = _partner(request)
    views = [await _view(request, sub) for sub in _subscriptions(request, partner)]
    return json_response(SubscriptionList(subscriptions=views))


def _known_platforms(request: web.Request) -> set[str]:
    """Platform slugs the records can carry: those of the installed types and of the registered connectors."""
    installed: Mapping[str, type[Connector]] = request.app[CONNECTOR_TYPES]
    types = {**load_connector_types(), **installed}
    known = {cls.platform for cls in types.values()}
    for _, record in request.app[REGISTRY].connectors.items():
        cls = types.get(record.type)
        if cls is None:
            continue
        try:
            known.add(cls.platform_of(cls.config_model.model_validate(record.config)))
        except ValidationError:
            continue  # a config stored by an older version: its platform is the type's, already known
    return known


def _canonical(
    field: str, values: Sequence[str], canonical: Callable[[str], str], problems: list[FieldError]
) -> list[str]:
    """``values`` in the form the records carry, each unknown one a field error naming the nearest."""
    result: list[str] = []
    for index, value in enumerate(values):
        try:
            result.append(canonical(value))
        except UnknownFilterValue as exc:
            problems.append(FieldError(field=f"{field}.{index}", message=str(exc)))
    return list(dict.fromkeys(result))


async def _store(
    request: web.Request, partner: str, name: str, body: SubscriptionPut, existing: PartnerSubscription | None
) -> PartnerSubscription:
    problems: list[FieldError] = []
    known = _known_platforms(request)
    platforms = _canonical("platforms", body.platforms, lambda value: platform_slug(value, known), problems)
    countries = _canonical("countries", body.countries, country_label, problems)
    science_types = _canonical("science_types", body.science_types, science_type, problems)
    if problems:
        raise ApiError(422, "unknown_filter_value", problems[0].message, problems)
    now = request.app[CLOCK]()
    sub = PartnerSubscription(
        partner=partner,
        name=name,
        entity_types=list(body.entity_types),
        platforms=platforms,
        countries=countries,
        science_types=science_types,
        keywords=list(body.keywords),
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )
    await request.app[REGISTRY].partners.put(sub.key, sub)
    log.info("api.subscription_stored", partner=partner, subscription=name, created=existing is None)
    return sub


@routes.route(
    "POST",
    "/partners/{partner}/subscriptions",
    summary="Subscribe",
    tag="partners",
    body=SubscriptionCreate,
    responses={201: SubscriptionView},
)
async def create_subscription(request: web.Request) -> web.StreamResponse:
    """Create a subscription; 409 when the name is taken."""
    partner = _partner(request)
    body = await parse_body(request, SubscriptionCreate)
    if request.app[REGISTRY].partners.get(f"{partner}/{body.name}") is not None:
        raise ApiError(409, "conflict", f"subscription {body.name!r} of {partner!r} exists; PUT changes it")
    put = SubscriptionPut.model_validate(body.model_dump(exclude={"name"}))
    sub = await _store(request, partner, body.name, put, None)
    return json_response(await _view(request, sub), 201)


def _subscription(request: web.Request) -> PartnerSubscription:
    partner = _partner(request)
    name = request.match_info["name"]
    sub = request.app[REGISTRY].partners.get(f"{partner}/{name}")
    if sub is None:
        raise ApiError(404, "not_found", f"no subscription {name!r} of partner {partner!r}")
    return sub


@routes.route(
    "GET",
    "/partners/{partner}/subscriptions/{name}",
    summary="One subscription",
    tag="partners",
    responses={200: SubscriptionView},
)
async def get_subscription(request: web.Request) -> web.StreamResponse:
    """The subscription, its topics and backfill progress."""
    return json_response(await _view(request, _subscription(request)))


@routes.route(
    "PUT",
    "/partners/{partner}/subscriptions/{name}",
    summary="Create or change a subscription",
    tag="partners",
    body=SubscriptionPut,
    responses={200: SubscriptionView, 201: SubscriptionView},
)
async def put_subscription(request: web.Request) -> web.StreamResponse:
    """Create or replace the subscription's filters."""
    partner = _partner(request)
    name = request.match_info["name"]
    if not re.match(NAME_PATTERN, name):
        raise ApiError(
            422,
            "invalid_name",
            f"subscription name {name!r} is invalid",
            [FieldError(field="name", message="use [A-Za-z0-9_-]{1,100}")],
        )
    existing = request.app[REGISTRY].partners.get(f"{partner}/{name}")
    body = await parse_body(request, SubscriptionPut)
    sub = await _store(request, partner, name, body, existing)
    return json_response(await _view(request, sub), 201 if existing is None else 200)


@routes.route(
    "DELETE", "/partners/{partner}/subscriptions/{name}", summary="Unsubscribe", tag="partners", responses={204: None}
)
async def delete_subscription(request: web.Request) -> web.StreamResponse:
    """Delete the subscription; the router stops feeding it (the partner topic keeps what it received)."""
    sub = _subscription(request)
    await request.app[REGISTRY].partners.put(sub.key, None)
    log.info("api.subscription_deleted", partner=sub.partner, subscription=sub.name)
    return web.Response(status=204)
