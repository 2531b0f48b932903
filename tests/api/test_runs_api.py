"""GET /connectors/{name}/runs: the run history, newest first, paged, only for those who may see the connector."""

from __future__ import annotations

from datetime import timedelta

from yarl import URL

from hub.worker.runs import RunRecord
from tests.api.conftest import NOW, Api, connector_body


async def _runs(api: Api, count: int) -> list[RunRecord]:
    response = await api.client.post("/connectors", json=connector_body(), headers=api.admin)
    assert response.status == 201
    runs = []
    for i in range(count):
        started = NOW + timedelta(minutes=i)
        run = RunRecord(
            run_id=f"{started:%Y%m%dT%H%M%S}Z-{i:08x}",
            connector="zoo-main",
            worker="w1",
            started_at=started,
            finished_at=started + timedelta(seconds=5),
            outcome="failed" if i == count - 1 else "succeeded",
            error="ConnectorError: HTTP 503 from /projects" if i == count - 1 else None,
            fetched=10 + i,
            published=i,
            requests=3,
            not_modified=1,
        )
        await api.registry.runs.put(run.key, run)
        runs.append(run)
    other = RunRecord(run_id="20990101T000000Z-ffffffff", connector="zoo-other", worker="w1", started_at=NOW)
    await api.registry.runs.put(other.key, other)
    return runs


async def test_runs_are_listed_newest_first_with_their_counts_and_errors(api: Api) -> None:
    runs = await _runs(api, 3)
    body = await (await api.client.get("/connectors/zoo-main/runs", headers=api.admin)).json()
    assert [run["run_id"] for run in body["runs"]] == [run.run_id for run in reversed(runs)]
    newest = body["runs"][0]
    assert (newest["outcome"], newest["error"]) == ("failed", "ConnectorError: HTTP 503 from /projects")
    assert (newest["fetched"], newest["published"], newest["requests"], newest["not_modified"]) == (12, 2, 3, 1)
    assert body["next"] is None


async def test_runs_page_back_with_next(api: Api) -> None:
    runs = await _runs(api, 5)
    first = await (await api.client.get("/connectors/zoo-main/runs?limit=2", headers=api.admin)).json()
    assert [run["run_id"] for run in first["runs"]] == [runs[4].run_id, runs[3].run_id]
    assert first["next"] is not None
    second = await (await api.client.get(URL(first["next"]).path_qs, headers=api.admin)).json()
    assert [run["run_id"] for run in second["runs"]] == [runs[2].run_id, runs[1].run_id]
    third = await (await api.client.get(URL(second["next"]).path_qs, headers=api.admin)).json()
    assert [run["run_id"] for run in third["runs"]] == [runs[0].run_id]
    assert third["next"] is None


async def test_a_bad_limit_is_a_clear_error(api: Api) -> None:
    await _runs(api, 1)
    response = await api.client.get("/connectors/zoo-main/runs?limit=0", headers=api.admin)
    assert response.status == 400
    assert "limit must be an integer from 1 to 200" in (await response.json())["detail"]


async def test_runs_of_a_connector_the_caller_cannot_see_are_not_found(api: Api) -> None:
    await _runs(api, 1)
    partner = api.issue("partner:ecsa")
    response = await api.client.get("/connectors/zoo-main/runs", headers=partner)
    assert response.status in (403, 404)
