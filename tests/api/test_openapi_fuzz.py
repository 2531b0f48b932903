"""schemathesis against /openapi.json: no server error and no response outside the documented schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hub.api.app import openapi_document
from tests.api.conftest import api_settings
from tests.api.live import LiveApi, live_api

SCHEMA = schemathesis.openapi.from_dict(openapi_document())
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def served() -> Iterator[LiveApi]:
    with live_api(api_settings(outbound_allow=("127.0.0.1/32",))) as api:
        yield api


def test_the_served_document_is_the_fuzzed_one(served: LiveApi) -> None:
    """The fuzz runs on exactly the document the app serves."""
    import json
    import urllib.request

    request = urllib.request.Request(f"{served.url}/openapi.json", headers=served.admin)  # noqa: S310 - loopback
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
        assert json.load(response) == openapi_document()


@SCHEMA.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_fit_the_schema(case: schemathesis.Case[Any], served: LiveApi) -> None:
    """Every operation, with generated inputs and an admin token, answers within its documented responses."""
    case.call_and_validate(base_url=served.url, headers=served.admin, checks=CHECKS)
