"""Partners, tokens and the operations routes (health, readiness, metrics, OpenAPI, docs page)."""

from __future__ import annotations

import pytest

from hub.api.auth import hash_token
from hub.api.status import ConnectorStatus
from hub.stream.state import PartnerSubscription
from tests.api.conftest import NOW, Api, MakeApi, connector_body

SUBSCRIPTION = {"name": "zoo-projects", "entity_types": ["projects"], "platforms": ["zooniverse"], "countries": ["gb"]}


async def test_partner_manages_its_own_subscriptions(api: Api) -> None:
    """A partner creates, reads, changes, lists and deletes its subscriptions; each names the topics it feeds."""
    ecsa = api.issue("partner:ecsa")
    response = await api.client.post("/partners/ecsa/subscriptions", json=SUBSCRIPTION, headers=ecsa)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["topics"] == ["ccs.partner.ecsa.projects.v1"]
    assert created["countries"] == [
        "United Kingdom of Great Britain and Northern Ireland (the)"
    ]  # stored as PPSR labels
    assert created["backfill"] is None
    stored = api.registry.partners.get("ecsa/zoo-projects")
    assert stored is not None
    assert stored.platforms == ["zooniverse"]
    response = await api.client.post("/partners/ecsa/subscriptions", json=SUBSCRIPTION, headers=ecsa)
    assert response.status == 409
    change = {"entity_types": ["projects", "organisations"], "keywords": ["birds"]}
    response = await api.client.put("/partners/ecsa/subscriptions/zoo-projects", json=change, headers=ecsa)
    assert response.status == 200
    changed = await response.json()
    assert changed["topics"] == ["ccs.partner.ecsa.organisations.v1", "ccs.partner.ecsa.projects.v1"]
    assert changed["platforms"] == []
    assert changed["created_at"] == created["created_at"]
    listed = await (await api.client.get("/partners/ecsa/subscriptions", headers=ecsa)).json()
    assert [s["name"] for s in listed["subscriptions"]] == ["zoo-projects"]
    one = await (await api.client.get("/partners/ecsa/subscriptions/zoo-projects", headers=ecsa)).json()
    assert one["keywords"] == ["birds"]
    assert (await api.client.delete("/partners/ecsa/subscriptions/zoo-projects", headers=ecsa)).status == 204
    assert api.registry.partners.get("ecsa/zoo-projects") is None
    response = await api.client.get("/partners/ecsa/subscriptions/zoo-projects", headers=ecsa)
    assert response.status == 404


async def test_a_partner_cannot_see_another_partners_subscriptions(api: Api) -> None:
    """Another partner's subscriptions are invisible (404), and the partner list shows only oneself."""
    await api.client.post("/partners/ecsa/subscriptions", json=SUBSCRIPTION, headers=api.admin)
    other = api.issue("partner:scistarter")
    for method, path in [
        ("GET", "/partners/ecsa/subscriptions"),
        ("GET", "/partners/ecsa/subscriptions/zoo-projects"),
        ("DELETE", "/partners/ecsa/subscriptions/zoo-projects"),
        ("POST", "/partners/ecsa/subscriptions"),
    ]:
        response = await api.client.request(method, path, headers=other, json=SUBSCRIPTION)
        assert response.status == 404, (method, path)
    partners = await (await api.client.get("/partners", headers=other)).json()
    assert [p["name"] for p in partners["partners"]] == ["scistarter"]
    everyone = await (await api.client.get("/partners", headers=api.admin)).json()
    assert [p["name"] for p in everyone["partners"]] == ["ecsa"]
    assert everyone["partners"][0]["subscriptions"] == ["zoo-projects"]
    response = await api.client.get("/partners", headers=api.issue("operator:platform:fake"))
    assert response.status == 403


async def test_bad_subscriptions_name_their_fields(api: Api) -> None:
    """An unknown entity type, an unknown field and a bad name are each reported."""
    body = {"name": "x y", "entity_types": ["planets"], "colour": "red"}
    response = await api.client.post("/partners/ecsa/subscriptions", json=body, headers=api.admin)
    assert response.status == 422
    fields = sorted(f["field"] for f in (await response.json())["fields"])
    assert fields == ["colour", "entity_types.0", "name"]


async def test_backfill_progress_is_shown(make_api: MakeApi) -> None:
    """The router's backfill progress appears on the subscription."""

    async def backfill(sub: PartnerSubscription) -> dict[str, object]:
        return {"done": False, "partitions_done": 1, "partitions_total": 3}

    api = await make_api(backfill=backfill)
    response = await api.client.post("/partners/ecsa/subscriptions", json=SUBSCRIPTION, headers=api.admin)
    assert (await response.json())["backfill"] == {"done": False, "partitions_done": 1, "partitions_total": 3}


async def test_tokens_are_issued_once_and_stored_hashed(api: Api) -> None:
    """An admin issues a token; it works, is stored only as its hash, is never listed, and can be revoked."""
    body = {"scopes": ["operator:platform:fake"], "description": "zooniverse team"}
    response = await api.client.post("/tokens", json=body, headers=api.admin)
    assert response.status == 201
    issued = await response.json()
    token = issued["token"]
    stored = api.registry.tokens.get(issued["id"])
    assert stored is not None
    assert stored.sha256 == hash_token(token)
    assert token not in stored.model_dump_json()
    headers = {"Authorization": f"Bearer {token}"}
    me = await (await api.client.get("/whoami", headers=headers)).json()
    assert me == {"token_id": issued["id"], "scopes": ["operator:platform:fake"]}
    listed = await (await api.client.get("/tokens", headers=api.admin)).text()
    assert token not in listed
    assert stored.sha256 not in listed
    assert issued["id"] in listed
    assert (await api.client.get("/tokens", headers=headers)).status == 403
    assert (await api.client.delete(f"/tokens/{issued['id']}", headers=api.admin)).status == 204
    assert (await api.client.get("/whoami", headers=headers)).status == 401
    assert (await api.client.delete(f"/tokens/{issued['id']}", headers=api.admin)).status == 404


async def test_unknown_scopes_are_refused(api: Api) -> None:
    """A token request with a made-up scope is rejected, naming the scopes there are."""
    response = await api.client.post("/tokens", json={"scopes": ["root"]}, headers=api.admin)
    assert response.status == 422
    message = (await response.json())["fields"][0]["message"]
    assert "'root' is not a scope" in message
    assert "operator:platform:<connector type>" in message


@pytest.mark.parametrize(
    ("scope", "field_says"),
    [
        ("operator:type:fak", "did you mean 'operator:platform:fake'?"),
        ("operator:platform:fak", "did you mean 'fake'?"),
        ("operator:connector:zoo-mian", "did you mean 'zoo-main'?"),
        ("partner:ecas", "did you mean 'ecsa'?"),
    ],
)
async def test_scopes_naming_unknown_things_are_refused_with_the_nearest(api: Api, scope: str, field_says: str) -> None:
    """A typo in a connector type, connector or partner is refused, not issued, and says what was meant."""
    response = await api.client.post("/connectors", json=connector_body("zoo-main"), headers=api.admin)
    assert response.status == 201
    assert (await api.client.post("/partners/ecsa/subscriptions", json=SUBSCRIPTION, headers=api.admin)).status == 201
    before = len(list(api.registry.tokens.items()))
    response = await api.client.post("/tokens", json={"scopes": ["analyst", scope]}, headers=api.admin)
    assert response.status == 422, await response.text()
    problem = await response.json()
    assert problem["error"] == "invalid_scopes"
    assert problem["fields"] == [{"field": "scopes.1", "message": problem["fields"][0]["message"]}]
    assert field_says in problem["fields"][0]["message"]
    assert len(list(api.registry.tokens.items())) == before


async def test_a_new_partner_or_connector_is_issued_when_asked_for(api: Api) -> None:
    """allow_new issues a scope for a partner or connector that does not exist yet; a known one needs no flag."""
    scopes = ["partner:new-partner", "operator:connector:not-yet"]
    response = await api.client.post("/tokens", json={"scopes": scopes}, headers=api.admin)
    assert response.status == 422
    assert [f["field"] for f in (await response.json())["fields"]] == ["scopes.0", "scopes.1"]
    response = await api.client.post("/tokens", json={"scopes": scopes, "allow_new": True}, headers=api.admin)
    assert response.status == 201
    # The partner is known now (a token names it): a second token for it needs no flag.
    response = await api.client.post("/tokens", json={"scopes": ["partner:new-partner"]}, headers=api.admin)
    assert response.status == 201
    # An unknown connector type is refused even with allow_new: types are installed, not created.
    response = await api.client.post(
        "/tokens", json={"scopes": ["operator:platform:nope"], "allow_new": True}, headers=api.admin
    )
    assert response.status == 422


async def test_readiness_reports_failing_checks(make_api: MakeApi) -> None:
    """/readyz is 503 with the failing check when Kafka or a topic is missing, and needs no token."""

    async def not_ready() -> dict[str, str]:
        return {"topics": "missing: ccs.hub.tokens"}

    api = await make_api(ready_check=not_ready)
    response = await api.client.get("/readyz")
    assert response.status == 503
    assert await response.json() == {"ready": False, "checks": {"topics": "missing: ccs.hub.tokens"}}
    ready = await make_api()
    assert (await (await ready.client.get("/readyz")).json())["ready"] is True


async def test_metrics_report_connectors_and_http(api: Api) -> None:
    """/metrics has per-connector counters from the status topic, HTTP latencies and the router lag."""
    await api.registry.status.put(
        "zoo",
        ConnectorStatus(
            connector="zoo",
            state="idle",
            fetched_total=9,
            published_total=7,
            dead_lettered_total=1,
            last_duration_s=2.5,
        ),
    )
    await api.client.get("/connectors", headers=api.admin)
    response = await api.client.get("/metrics", headers=api.admin)
    text = await response.text()
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert 'hub_connector_records_published_total{connector="zoo"} 7.0' in text
    assert 'hub_connector_records_fetched_total{connector="zoo"} 9.0' in text
    assert 'hub_connector_records_dead_lettered_total{connector="zoo"} 1.0' in text
    assert 'hub_connector_last_sync_duration_seconds{connector="zoo"} 2.5' in text
    assert 'hub_connector_state{connector="zoo",state="idle"} 1.0' in text
    assert 'hub_http_request_duration_seconds_count{method="GET",route="/connectors",status="200"} 1.0' in text


async def test_router_lag_is_exported(make_api: MakeApi) -> None:
    """The router's consumer lag probe shows up per partition."""
    api = await make_api(router_lag=lambda: {"ccs.projects.v1:0": 5})
    text = await (await api.client.get("/metrics", headers=api.admin)).text()
    assert 'hub_router_consumer_lag{partition="ccs.projects.v1:0"} 5.0' in text


async def test_openapi_describes_every_route_from_the_models(api: Api) -> None:
    """The OpenAPI 3.1 document lists every route and the handlers' own models; /docs lists them for humans."""
    document = await (await api.client.get("/openapi.json", headers=api.admin)).json()
    assert document["openapi"] == "3.1.0"
    routes = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    served = {
        (route.method, route.resource.canonical)
        for route in api.client.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    assert routes == served
    schemas = document["components"]["schemas"]
    assert set(schemas["ConnectorCreate"]["required"]) == {"name", "type", "config"}
    assert schemas["ConnectorCreate"]["additionalProperties"] is False
    post = document["paths"]["/connectors"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ConnectorCreate"
    }
    assert document["paths"]["/healthz"]["get"]["security"] == []
    page = await (await api.client.get("/docs", headers=api.admin)).text()
    assert "<code>/connectors/{name}/cursor</code>" in page
    assert page.count("<section ") == len(routes)


async def test_created_at_uses_the_clock(api: Api) -> None:
    """Subscriptions are stamped with the app's clock."""
    response = await api.client.post("/partners/p1/subscriptions", json=SUBSCRIPTION, headers=api.admin)
    assert (await response.json())["created_at"] == NOW.isoformat().replace("+00:00", "Z")


async def test_subscription_filters_are_stored_as_the_records_carry_them(api: Api) -> None:
    """ES, ESP and Spain store one PPSR label; a display name stores the platform slug; typos are refused."""
    body = {"countries": ["ES", "ESP", "Spain"], "platforms": ["EU-Citizen.Science"], "science_types": ["ecology"]}
    response = await api.client.put("/partners/ecsa/subscriptions/spain", json=body, headers=api.admin)
    assert response.status == 201, await response.text()
    stored = await response.json()
    assert stored["countries"] == ["Spain"]
    assert stored["platforms"] == ["eu-citizen-science"]
    assert stored["science_types"] == ["ecology"]
    body = {"countries": ["Spain", "Spian"], "platforms": ["zoonivers"], "science_types": ["astronomy"]}
    response = await api.client.put("/partners/ecsa/subscriptions/typos", json=body, headers=api.admin)
    assert response.status == 422
    problem = await response.json()
    assert problem["error"] == "unknown_filter_value"
    fields = {f["field"]: f["message"] for f in problem["fields"]}
    assert set(fields) == {"countries.1", "platforms.0", "science_types.0"}
    assert "did you mean 'Spain'" in fields["countries.1"]
    assert "did you mean 'zooniverse'" in fields["platforms.0"]
    assert "Astronomical And Space Sciences" in fields["science_types.0"]
    assert api.registry.partners.get("ecsa/typos") is None
