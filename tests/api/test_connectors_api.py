"""The connectors API: every route, scopes, write-only secrets, and field errors for bad bodies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from hub.api.secrets import MASK
from hub.api.status import CommandRecord, ConnectorStatus, WorkerRecord
from hub.stream.state import CursorRecord
from tests.api.conftest import KEYRING, NOW, SECRET, Api, MakeApi, api_settings, connector_body


async def _create(api: Api, body: dict[str, object] | None = None) -> dict[str, object]:
    response = await api.client.post("/connectors", json=body or connector_body(), headers=api.admin)
    assert response.status == 201, await response.text()
    created: dict[str, object] = await response.json()
    return created


async def test_every_route_but_health_needs_a_token(api: Api) -> None:
    """Without a token the API answers 401 in the JSON error shape; /healthz answers anyway."""
    response = await api.client.get("/connectors")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = await response.json()
    assert body["error"] == "unauthorized"
    assert body["fields"] == []
    assert (await api.client.get("/healthz")).status == 200
    for path in ("/openapi.json", "/metrics", "/partners", "/connector-types"):
        assert (await api.client.get(path)).status == 401, path


async def test_an_unknown_token_is_refused(api: Api) -> None:
    """A token that was never issued gets 401."""
    response = await api.client.get("/connectors", headers={"Authorization": "Bearer hub_0123456789ab_" + "x" * 40})
    assert response.status == 401
    assert "unknown or revoked" in (await response.json())["detail"]


async def test_create_masks_secrets_and_never_logs_them(api: Api) -> None:
    """The secret is stored for the connector, encrypted, and no response and no log line shows it."""
    with capture_logs() as logs:
        created = await _create(api)
        listed = await (await api.client.get("/connectors", headers=api.admin)).text()
        one = await (await api.client.get("/connectors/zoo-main", headers=api.admin)).json()
    assert created["config"]["token"] == MASK  # type: ignore[index]
    assert one["secret_fields"] == ["token"]
    assert one["config"]["base_url"] == "https://api.public.example/api/"
    assert SECRET not in listed
    assert SECRET not in str(created)
    assert SECRET not in str(one)
    assert SECRET not in repr(logs)
    assert any(entry["event"] == "api.connector_stored" for entry in logs)
    stored = api.registry.connectors.get("zoo-main")
    assert stored is not None
    assert SECRET not in stored.model_dump_json()
    assert KEYRING.decrypt(stored.config["token"]) == SECRET
    assert stored.owner == "bootstrap-admin"
    assert stored.schedule_interval_s == 600


async def test_unknown_fields_are_named(api: Api) -> None:
    """Unknown fields, at the top and inside config, are refused with their paths."""
    body = connector_body(colour="blue")
    body["retries"] = 3
    response = await api.client.post("/connectors", json=body, headers=api.admin)
    assert response.status == 422
    fields = {f["field"]: f["message"] for f in (await response.json())["fields"]}
    assert fields == {"retries": "unknown field"}
    # With the top level fixed, the config's own unknown field is named with its path.
    del body["retries"]
    response = await api.client.post("/connectors", json=body, headers=api.admin)
    assert response.status == 422
    assert [f["field"] for f in (await response.json())["fields"]] == ["config.colour"]


async def test_config_errors_are_per_field_and_never_echo_input(api: Api) -> None:
    """A missing secret and a bad page size are both reported, without the values sent."""
    body = connector_body(page_size=0)
    del body["config"]["token"]
    body["config"]["requests_per_second"] = SECRET
    response = await api.client.post("/connectors", json=body, headers=api.admin)
    text = await response.text()
    assert response.status == 422
    fields = sorted(f["field"] for f in (await response.json())["fields"])
    assert fields == ["config.page_size", "config.requests_per_second", "config.token"]
    assert SECRET not in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cron": "*/5 * * * *"}, "(body)"),  # with schedule_interval_s too
        ({"schedule_interval_s": None, "cron": "every tuesday x"}, "(body)"),
        ({"schedule_interval_s": -1}, "schedule_interval_s"),
        ({"name": "bad name!"}, "name"),
        ({"type": "nope"}, "type"),
    ],
)
async def test_bad_bodies_are_rejected_with_the_field(api: Api, change: dict[str, object], field: str) -> None:
    """Each bad value is rejected with 422 and names its field."""
    body = {**connector_body(), **change}
    response = await api.client.post("/connectors", json=body, headers=api.admin)
    assert response.status == 422
    assert field in [f["field"] for f in (await response.json())["fields"]]


async def test_cron_schedule_is_accepted(api: Api) -> None:
    """A cron schedule replaces the interval."""
    body = {**connector_body(), "schedule_interval_s": None, "cron": "0 */6 * * *"}
    created = await _create(api, body)
    assert created["cron"] == "0 */6 * * *"
    assert created["schedule_interval_s"] is None


async def test_duplicate_name_conflicts(api: Api) -> None:
    """POST of an existing name is 409."""
    await _create(api)
    response = await api.client.post("/connectors", json=connector_body(), headers=api.admin)
    assert response.status == 409
    assert (await response.json())["error"] == "conflict"


async def test_malformed_bodies(api: Api) -> None:
    """Not JSON is 400, not an object is 422, not application/json is 415, too large is 413: all JSON."""
    headers = {**api.admin, "Content-Type": "application/json"}
    response = await api.client.post("/connectors", data=b"{nope", headers=headers)
    assert response.status == 400
    assert (await response.json())["error"] == "malformed_json"
    response = await api.client.post("/connectors", data=b"[1, 2]", headers=headers)
    assert response.status == 422
    response = await api.client.post("/connectors", data=b"name=x", headers={**api.admin, "Content-Type": "text/plain"})
    assert response.status == 415
    response = await api.client.post("/connectors", data=b"{" + b" " * 5000 + b"}", headers=headers)
    assert response.status == 413
    body = await response.json()
    assert body["error"] == "body_too_large"
    assert "4096" in body["detail"]


async def test_unknown_route_and_method_are_json(api: Api) -> None:
    """404 and 405 come in the same JSON shape."""
    response = await api.client.get("/nowhere", headers=api.admin)
    assert response.status == 404
    assert (await response.json())["error"] == "not_found"
    response = await api.client.patch("/connectors", headers=api.admin)
    assert response.status == 405
    assert (await response.json())["error"] == "method_not_allowed"


async def test_operator_sees_and_changes_only_their_connectors(api: Api) -> None:
    """An operator of one connector cannot read, list, change or delete another operator's connector."""
    await _create(api, connector_body("theirs"))
    mine = api.issue("operator:connector:mine")
    response = await api.client.post("/connectors", json=connector_body("mine"), headers=mine)
    assert response.status == 201
    assert (await response.json())["owner"] != "bootstrap-admin"
    names = [c["name"] for c in (await (await api.client.get("/connectors", headers=mine)).json())["connectors"]]
    assert names == ["mine"]
    for method, path in [
        ("GET", "/connectors/theirs"),
        ("GET", "/connectors/theirs/status"),
        ("GET", "/connectors/theirs/cursor"),
        ("DELETE", "/connectors/theirs"),
        ("PUT", "/connectors/theirs/pause"),
        ("POST", "/connectors/theirs/sync"),
    ]:
        response = await api.client.request(method, path, headers=mine)
        assert response.status == 404, (method, path)
    # The same 403 as for a free name this token may not use: whether "theirs" exists is not told.
    body = {key: value for key, value in connector_body("theirs").items() if key != "name"}
    response = await api.client.put("/connectors/theirs", json=body, headers=mine)
    assert response.status == 403
    response = await api.client.post("/connectors", json=connector_body("another"), headers=mine)
    assert response.status == 403
    assert api.registry.connectors.get("theirs") is not None


async def test_platform_operator_runs_every_connector_of_its_type(api: Api) -> None:
    """operator:platform:fake sees the fake connectors, not the others, and may not create another type."""
    await _create(api, connector_body("a"))
    await _create(api, connector_body("b", type_="other"))
    platform = api.issue("operator:platform:fake")
    names = [c["name"] for c in (await (await api.client.get("/connectors", headers=platform)).json())["connectors"]]
    assert names == ["a"]
    response = await api.client.post("/connectors", json=connector_body("c", type_="other"), headers=platform)
    assert response.status == 403


async def test_a_taken_name_does_not_reveal_the_connector_holding_it(api: Api) -> None:
    """A platform operator creating a name another operator's connector holds learns only to choose another."""
    await _create(api, connector_body("eucs-replay", type_="other"))
    platform = api.issue("operator:platform:fake")
    for method, path, body in [
        ("POST", "/connectors", connector_body("eucs-replay")),
        ("PUT", "/connectors/eucs-replay", connector_body("eucs-replay") | {"name": None}),
    ]:
        if body.get("name") is None:
            body = {key: value for key, value in body.items() if key != "name"}
        response = await api.client.request(method, path, json=body, headers=platform)
        assert response.status == 409, (method, await response.text())
        problem = await response.json()
        assert problem["error"] == "name_unavailable"
        assert "exists" not in problem["detail"]
        assert "'other'" not in problem["detail"]  # nor the type of the connector holding it
        assert problem["fields"][0]["field"] == "name"
    stored = api.registry.connectors.get("eucs-replay")
    assert stored is not None
    assert stored.type == "other"
    # Whoever can see the connector is still told it exists, and how to change it.
    response = await api.client.post(
        "/connectors", json=connector_body("eucs-replay", type_="other"), headers=api.admin
    )
    assert response.status == 409
    assert "exists; PUT" in (await response.json())["detail"]


async def test_partners_and_analysts_cannot_touch_connectors(api: Api) -> None:
    """Only admins and operators create connectors."""
    for scope in ("partner:ecsa", "analyst"):
        response = await api.client.post("/connectors", json=connector_body(), headers=api.issue(scope))
        assert response.status == 403, scope


async def test_put_keeps_omitted_and_masked_secrets(api: Api) -> None:
    """A config read back (masked) and sent again keeps the stored secret; a new secret replaces it."""
    created = await _create(api)
    body = {"type": "fake", "config": {**created["config"], "page_size": 50}, "schedule_interval_s": 60}  # type: ignore[dict-item]
    response = await api.client.put("/connectors/zoo-main", json=body, headers=api.admin)
    assert response.status == 200
    stored = api.registry.connectors.get("zoo-main")
    assert stored is not None
    assert KEYRING.decrypt(stored.config["token"]) == SECRET
    assert stored.config["page_size"] == 50
    assert stored.created_at == NOW
    body["config"] = {"base_url": "https://api.public.example/api/"}
    await api.client.put("/connectors/zoo-main", json=body, headers=api.admin)
    assert KEYRING.decrypt(api.registry.connectors.get("zoo-main").config["token"]) == SECRET  # type: ignore[union-attr]
    body["config"] = {"base_url": "https://api.public.example/api/", "token": "new-one"}
    await api.client.put("/connectors/zoo-main", json=body, headers=api.admin)
    assert KEYRING.decrypt(api.registry.connectors.get("zoo-main").config["token"]) == "new-one"  # type: ignore[union-attr]


async def test_put_creates_when_absent(api: Api) -> None:
    """PUT of a new name creates it (201)."""
    body = {"type": "fake", "config": connector_body()["config"]}
    response = await api.client.put("/connectors/fresh", json=body, headers=api.admin)
    assert response.status == 201
    assert (await response.json())["schedule_interval_s"] == 3600


async def test_a_masked_secret_with_nothing_stored_is_a_missing_secret(api: Api) -> None:
    """Sending the mask for a new connector does not store the mask as the secret."""
    response = await api.client.post("/connectors", json=connector_body(token=MASK), headers=api.admin)
    assert response.status == 422
    assert [f["field"] for f in (await response.json())["fields"]] == ["config.token"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://api.internal.example/", "private"),
        ("http://127.0.0.1:8080/", "loopback"),
        ("https://metadata.example/latest", "metadata"),
        ("https://mixed.example/", "loopback"),
        ("https://[::ffff:10.0.0.1]/", "private"),
        ("https://nowhere.invalid/", "does not resolve"),
    ],
)
async def test_internal_urls_are_refused(api: Api, url: str, reason: str) -> None:
    """A base_url resolving to an internal address is refused with the field and the reason."""
    response = await api.client.post("/connectors", json=connector_body(base_url=url), headers=api.admin)
    assert response.status == 422
    fields = (await response.json())["fields"]
    assert [f["field"] for f in fields] == ["config.base_url"]
    assert reason in fields[0]["message"]


async def test_allow_listed_hosts_are_accepted(make_api: MakeApi) -> None:
    """The settings' allow-list lets a test replay server on loopback through, by address or by name."""
    api = await make_api(api_settings(outbound_allow=("127.0.0.1/32", "api.internal.example")))
    for name, url in [("a", "http://127.0.0.1:9999/api/"), ("b", "https://api.internal.example/")]:
        response = await api.client.post("/connectors", json=connector_body(name, base_url=url), headers=api.admin)
        assert response.status == 201, await response.text()
    response = await api.client.post(
        "/connectors", json=connector_body("c", base_url="https://metadata.example/"), headers=api.admin
    )
    assert response.status == 422


async def test_delete_removes_the_cursor_unless_kept(api: Api) -> None:
    """DELETE removes config, status and cursor; keep_cursor=true keeps the cursor."""
    for name in ("gone", "kept"):
        await _create(api, connector_body(name))
        await api.registry.cursors.put(name, CursorRecord(connector=name, cursor='{"page": 3}'))
        await api.registry.status.put(name, ConnectorStatus(connector=name, state="idle"))
    assert (await api.client.delete("/connectors/gone", headers=api.admin)).status == 204
    assert (await api.client.delete("/connectors/kept?keep_cursor=true", headers=api.admin)).status == 204
    assert api.registry.connectors.get("gone") is None
    assert api.registry.connectors.get("kept") is None
    assert api.registry.cursors.get("gone") is None
    assert api.registry.status.get("gone") is None
    assert api.registry.cursors.get("kept") is not None
    # The worker running it finishes the job (stops the run, deletes what a late batch wrote) from this note.
    assert api.registry.commands.get("gone") == CommandRecord(connector="gone", deleted_at=NOW)
    assert api.registry.commands.get("kept") == CommandRecord(connector="kept", deleted_at=NOW, keep_cursor=True)
    assert (await api.client.get("/connectors/gone", headers=api.admin)).status == 404
    response = await api.client.delete("/connectors/kept?keep_cursor=maybe", headers=api.admin)
    assert response.status == 404  # already gone: existence is checked first
    await _create(api, connector_body("gone"))
    assert api.registry.commands.get("gone") is None


async def test_pause_resume_and_commands(api: Api) -> None:
    """Pause and resume flip the stored flag; sync and restart leave a command; a paused connector refuses them."""
    await _create(api)
    response = await api.client.post("/connectors/zoo-main/sync", headers=api.admin)
    assert response.status == 202
    assert (await response.json())["action"] == "sync"
    response = await api.client.post("/connectors/zoo-main/restart", headers=api.admin)
    assert response.status == 202
    command = api.registry.commands.get("zoo-main")
    assert command == CommandRecord(connector="zoo-main", sync_requested_at=NOW, restart_requested_at=NOW)
    assert (await api.client.put("/connectors/zoo-main/pause", headers=api.admin)).status == 202
    assert api.registry.connectors.get("zoo-main").paused  # type: ignore[union-attr]
    response = await api.client.post("/connectors/zoo-main/sync", headers=api.admin)
    assert response.status == 409
    assert (await response.json())["error"] == "paused"
    status = await (await api.client.get("/connectors/zoo-main/status", headers=api.admin)).json()
    assert status["state"] == "paused"
    assert (await api.client.put("/connectors/zoo-main/resume", headers=api.admin)).status == 202
    assert not api.registry.connectors.get("zoo-main").paused  # type: ignore[union-attr]


async def test_cursor_inspect_and_reset(api: Api) -> None:
    """GET shows the cursor; DELETE resets it, except while a live worker runs the connector."""
    await _create(api)
    empty = await (await api.client.get("/connectors/zoo-main/cursor", headers=api.admin)).json()
    assert empty["cursor"] is None
    assert empty["batches"] == 0
    await api.registry.cursors.put("zoo-main", CursorRecord(connector="zoo-main", cursor='{"page": 2}', batches=2))
    body = await (await api.client.get("/connectors/zoo-main/cursor", headers=api.admin)).json()
    assert body["cursor"] == '{"page": 2}'
    assert body["batches"] == 2
    await api.registry.workers.put(
        "w1", WorkerRecord(id="w1", host="h", pid=1, heartbeat_at=NOW, connectors=["zoo-main"])
    )
    await api.registry.status.put("zoo-main", ConnectorStatus(connector="zoo-main", state="running", worker="w1"))
    response = await api.client.delete("/connectors/zoo-main/cursor", headers=api.admin)
    assert response.status == 409
    await api.registry.status.put("zoo-main", ConnectorStatus(connector="zoo-main", state="idle", worker="w1"))
    assert (await api.client.delete("/connectors/zoo-main/cursor", headers=api.admin)).status == 204
    assert api.registry.cursors.get("zoo-main") is None


async def test_status_believes_only_live_workers(api: Api) -> None:
    """A status written by a worker that stopped heartbeating shows as unassigned, with the reason."""
    await _create(api)
    status = await (await api.client.get("/connectors/zoo-main/status", headers=api.admin)).json()
    assert status["state"] == "unassigned"
    assert status["worker"] is None
    running = ConnectorStatus(connector="zoo-main", state="running", worker="w1", published_total=7)
    await api.registry.status.put("zoo-main", running)
    await api.registry.workers.put(
        "w1", WorkerRecord(id="w1", host="h", pid=1, heartbeat_at=NOW - timedelta(seconds=2), connectors=["zoo-main"])
    )
    status = await (await api.client.get("/connectors/zoo-main/status", headers=api.admin)).json()
    assert status["state"] == "running"
    assert status["records_published"] == 7
    await api.registry.workers.put(
        "w1", WorkerRecord(id="w1", host="h", pid=1, heartbeat_at=NOW - timedelta(minutes=5), connectors=["zoo-main"])
    )
    status = await (await api.client.get("/connectors/zoo-main/status", headers=api.admin)).json()
    assert status["state"] == "unassigned"
    assert "worker w1 stopped reporting" in status["last_error"]


async def test_status_failed_degraded_and_stale(api: Api) -> None:
    """Failed shows the error; dead letters degrade; nothing produced for two intervals is stale."""
    await _create(api)  # interval 600 s, created at NOW
    await api.registry.workers.put(
        "w1", WorkerRecord(id="w1", host="h", pid=1, heartbeat_at=NOW, connectors=["zoo-main"])
    )
    failed = ConnectorStatus(connector="zoo-main", state="failed", worker="w1", error="FatalConnectorError: 401")
    await api.registry.status.put("zoo-main", failed)
    status = await (await api.client.get("/connectors/zoo-main/status", headers=api.admin)).json()
    assert status["state"] == "failed"
    assert status["last_error"] == "FatalConnectorError: 401"
    dead = ConnectorStatus(connector="zoo-main", state="idle", worker="w1", dead_lettered=2, last_record_at=NOW)
    await api.registry.status.put("zoo-main", dead)
    status = await (await api.client.get("/connectors/zoo-main/status", headers=api.admin)).json()
    assert status["state"] == "degraded"
    assert not status["stale"]
    old = NOW - timedelta(hours=1)
    record = api.registry.connectors.get("zoo-main")
    await api.registry.connectors.put("zoo-main", record.model_copy(update={"created_at": old}))  # type: ignore[union-attr]
    quiet = ConnectorStatus(connector="zoo-main", state="idle", worker="w1", last_record_at=old)
    await api.registry.status.put("zoo-main", quiet)
    status = await (await api.client.get("/connectors/zoo-main/status", headers=api.admin)).json()
    assert status["state"] == "degraded"
    assert status["stale"]


async def test_connector_types_and_validation(api: Api) -> None:
    """Types list their config schemas; validate reports each bad field and accepts a good config."""
    types = (await (await api.client.get("/connector-types", headers=api.issue("analyst"))).json())["types"]
    assert [t["name"] for t in types] == ["fake", "other"]
    assert types[0]["secret_fields"] == ["token"]
    assert "base_url" in types[0]["config_schema"]["properties"]
    bad = {"base_url": "http://127.0.0.1/", "page_size": 5000, "extra": 1}
    response = await api.client.put("/connector-types/fake/config/validate", json=bad, headers=api.admin)
    report = await response.json()
    assert response.status == 200
    assert not report["valid"]
    assert sorted(f["field"] for f in report["fields"]) == ["extra", "page_size", "token"]
    good = {"base_url": "https://api.public.example/", "token": SECRET}
    report = await (await api.client.put("/connector-types/fake/config/validate", json=good, headers=api.admin)).json()
    assert report == {"type": "fake", "valid": True, "error_count": 0, "fields": []}
    unsafe = {"base_url": "http://127.0.0.1/", "token": SECRET}
    report = await (
        await api.client.put("/connector-types/fake/config/validate", json=unsafe, headers=api.admin)
    ).json()
    assert [f["field"] for f in report["fields"]] == ["base_url"]
    response = await api.client.put("/connector-types/nope/config/validate", json=good, headers=api.admin)
    assert response.status == 422
    response = await api.client.put("/connector-types/fake/config/validate", json=good, headers=api.issue("partner:x"))
    assert response.status == 403


async def test_an_unexpected_failure_is_a_json_500_and_logs_no_secret(
    make_api: MakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    """A crash while a config (with its secret) is in scope: JSON 500 for the client, a locals-free traceback in
    the hub's JSON log."""
    import logging

    from hub.logs import configure_logging

    async def broken_resolver(host: str, port: int) -> list[str]:
        raise RuntimeError("resolver exploded")

    root = logging.getLogger()
    handlers = root.handlers[:]
    configure_logging("json", "INFO")
    try:
        api = await make_api(resolver=broken_resolver)
        response = await api.client.post("/connectors", json=connector_body(), headers=api.admin)
        body = await response.json()
    finally:
        root.handlers[:] = handlers
    assert response.status == 500
    assert body == {"error": "internal_error", "detail": "the hub failed to answer; see its log", "fields": []}
    logged = capsys.readouterr().err
    assert '"event": "api.unhandled_error"' in logged
    assert "resolver exploded" in logged
    assert SECRET not in logged


async def test_list_expands_status(api: Api) -> None:
    """?expand=status adds each connector's state, as in Kafka Connect; other values are refused."""
    await _create(api)
    plain = await (await api.client.get("/connectors", headers=api.admin)).json()
    assert plain["connectors"][0]["status"] is None
    expanded = await (await api.client.get("/connectors?expand=status", headers=api.admin)).json()
    assert expanded["connectors"][0]["status"]["state"] == "unassigned"
    response = await api.client.get("/connectors?expand=everything", headers=api.admin)
    assert response.status == 422
    assert (await response.json())["fields"] == [{"field": "expand", "message": "expected status"}]


async def test_put_keeps_the_paused_state_unless_told(api: Api) -> None:
    """Replacing a paused connector's config does not resume it; "paused": false does."""
    await _create(api)
    await api.client.put("/connectors/zoo-main/pause", headers=api.admin)
    body = {"type": "fake", "config": connector_body()["config"]}
    await api.client.put("/connectors/zoo-main", json=body, headers=api.admin)
    assert api.registry.connectors.get("zoo-main").paused  # type: ignore[union-attr]
    await api.client.put("/connectors/zoo-main", json={**body, "paused": False}, headers=api.admin)
    assert not api.registry.connectors.get("zoo-main").paused  # type: ignore[union-attr]


async def test_a_host_that_does_not_resolve_now_can_be_registered_when_asked(api: Api) -> None:
    """A host without DNS is refused saying it does not resolve *now*; resolve_check=false accepts it, and a host
    that resolves to an internal address is still refused."""
    body = connector_body("later", base_url="https://not-up-yet.example/api/")
    response = await api.client.post("/connectors", json=body, headers=api.admin)
    assert response.status == 422
    message = (await response.json())["fields"][0]["message"]
    assert "does not resolve now" in message
    assert "--no-resolve-check" in message
    response = await api.client.post("/connectors?resolve_check=false", json=body, headers=api.admin)
    assert response.status == 201, await response.text()
    internal = connector_body("internal", base_url="https://api.internal.example/")
    response = await api.client.post("/connectors?resolve_check=false", json=internal, headers=api.admin)
    assert response.status == 422
    assert "a private address" in (await response.json())["fields"][0]["message"]
