"""A real-shaped Zooniverse export row leaves no name, IP, session or raw user id in anything the hub publishes.

The one classification mapping is the connector's (``hub.connectors.zooniverse_classification``): scrub the row into
its raw-topic payload, then map the payload to a `Contribution`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretStr

from hub.connectors.zooniverse_classification import (
    EXPORT_COLUMNS,
    LoggedOut,
    contribution_from_payload,
    scrub_export_row,
)
from hub.schema import Contribution, jsonld, rdf
from hub.schema.anonymise import Pseudonymiser
from hub.schema.iris import mint_iri

PSEUDONYMISER = Pseudonymiser(SecretStr("classification-test-secret-42"))


def _scrub(row: dict[str, str], logged_out: LoggedOut = "omit") -> dict[str, Any]:
    return scrub_export_row(row, pseudonymiser=PSEUDONYMISER, logged_out=logged_out)


def _map(row: dict[str, str], logged_out: LoggedOut = "omit") -> Contribution:
    return contribution_from_payload(_scrub(row, logged_out), project_id="12345")


def test_fixture_has_the_export_columns(classification_rows):
    """The fixture is in the 14-column export shape."""
    assert tuple(classification_rows[0]) == EXPORT_COLUMNS


def test_no_personal_data_in_any_serialised_output(classification_rows):
    """User name, user id, IP, session, user agent and viewport appear in neither the raw-topic payload, JSON-LD
    nor N-Quads, whichever way logged-out volunteers are credited."""
    modes: tuple[LoggedOut, ...] = ("omit", "per_session")
    for row in classification_rows:
        metadata = json.loads(row["metadata"])
        secrets = [row["user_name"], row["user_ip"], metadata["session"], metadata["user_agent"]]
        for mode in modes:
            contribution = _map(row, logged_out=mode)
            outputs = [
                json.dumps(_scrub(row, logged_out=mode)),
                contribution.to_jsonld_bytes().decode(),
                jsonld.to_nquads(contribution),
                rdf.to_nquads(contribution),
                contribution.model_dump_json(),
            ]
            for text in outputs:
                for secret in secrets:
                    assert secret not in text
                assert "viewport" not in text
                assert "user_agent" not in text
                if row["user_id"]:
                    assert f'"{row["user_id"]}"' not in text
                    assert f"/{row['user_id']}" not in text


def test_logged_in_volunteer_becomes_a_stable_pseudonym(classification_rows):
    """Two classifications of one volunteer share one agent IRI, which is the keyed HMAC of the user id."""
    first, _, third = (_map(row) for row in classification_rows)
    assert first.contributor == third.contributor == PSEUDONYMISER.agent_iri("zooniverse", "424242")
    assert _map(classification_rows[0], logged_out="per_session").contributor == first.contributor


def test_logged_out_volunteer_is_never_reidentified(classification_rows):
    """A logged-out row has no contributor by default, or a per-session pseudonym on request."""
    row = classification_rows[1]
    assert _map(row).contributor is None
    per_session = _map(row, logged_out="per_session").contributor
    assert per_session == PSEUDONYMISER.session_agent_iri("zooniverse", json.loads(row["metadata"])["session"])


def test_row_maps_to_an_annotation(classification_rows):
    """Ids, times, subjects, flags and the answer are kept."""
    contribution = _map(classification_rows[2])
    assert contribution.iri == mint_iri("contribution", "zooniverse", "611784410")
    assert contribution.target == [mint_iri("subject", "zooniverse", s) for s in ("458023", "458024")]
    assert contribution.workflow_version == "4.5"
    assert contribution.gold_standard is True
    assert contribution.created is not None
    assert contribution.created.isoformat() == "2025-01-22T13:03:11+00:00"
    assert [body.value for body in _map(classification_rows[0]).body] == ["T0: Yes"]
