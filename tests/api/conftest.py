"""Fixtures for the API tests: an app over in-memory tables, fake connector types and a fake resolver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from hub.api import connectors as api_connectors
from hub.api import partners as api_partners
from hub.api import problems as api_problems
from hub.api import tokens as api_tokens
from hub.api.app import make_app
from hub.api.auth import TokenRecord, hash_token, new_token
from hub.api.keys import Registry
from hub.api.tables import MemoryTable
from hub.config import ApiSettings, HubSettings
from hub.connectors.base import Batch, Connector, ConnectorConfig, RawRecord
from hub.security.secret_keys import Keyring, generate_key
from hub.worker import scheduler as api_scheduler

ADMIN_TOKEN = "admin-token-for-the-api-tests-0123456789"
SECRET = "s3cr3t-platform-token-never-echoed"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
#: The keys the test apps seal connector secrets with (no key file is written by unit tests).
KEYRING = Keyring([generate_key()], source="the tests' keyring")

ADDRESSES = {
    "api.public.example": ["93.184.216.34"],
    "api.internal.example": ["10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.216.34", "127.0.0.1"],
}


class FakeConfig(ConnectorConfig):
    """A platform config with a secret, like a real one."""

    token: SecretStr
    project_filter: str | None = None


class FakeConnector(Connector):
    """A connector type the API can list and validate (it is never run by these tests)."""

    name: ClassVar[str] = "fake"
    platform: ClassVar[str] = "fake"
    config_model: ClassVar[type[ConnectorConfig]] = FakeConfig
    sync_mode: ClassVar[Any] = "snapshot"

    async def fetch(self, cursor: str | None) -> AsyncIterator[Batch]:  # pragma: no cover - never run here
        raise NotImplementedError
        yield Batch(records=[], cursor=None)

    def map(self, record: RawRecord) -> Sequence[Any]:  # pragma: no cover - never run here
        raise NotImplementedError


class OtherConnector(FakeConnector):
    """A second type, for operator-of-platform scopes."""

    name: ClassVar[str] = "other"
    platform: ClassVar[str] = "other"


async def fake_resolver(host: str, port: int) -> list[str]:
    if host not in ADDRESSES:
        raise OSError(f"Name or service not known: {host}")
    return ADDRESSES[host]


def memory_registry() -> Registry:
    return Registry(
        connectors=MemoryTable(),
        cursors=MemoryTable(),
        status=MemoryTable(),
        partners=MemoryTable(),
        tokens=MemoryTable(),
        commands=MemoryTable(),
        workers=MemoryTable(),
        runs=MemoryTable(),
    )


@dataclass
class Api:
    """A test client for the app, with helpers to issue tokens."""

    client: TestClient[Any, Any]
    registry: Registry

    def issue(self, *scopes: str) -> dict[str, str]:
        """Store a token with ``scopes`` directly and return its Authorization header."""
        token_id, token = new_token()
        record = TokenRecord(id=token_id, sha256=hash_token(token), scopes=list(scopes), created_at=NOW)
        self.registry.tokens[token_id] = record  # type: ignore[index]
        return {"Authorization": f"Bearer {token}"}

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def connector_body(name: str = "zoo-main", *, type_: str = "fake", **config: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "config": {"base_url": "https://api.public.example/api/", "token": SECRET, **config},
        "schedule_interval_s": 600,
    }


def api_settings(**api: Any) -> HubSettings:
    return HubSettings(api=ApiSettings(admin_token=SecretStr(ADMIN_TOKEN), max_body_bytes=4096, **api))


MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture(autouse=True)
def _uncached_loggers() -> None:
    """Undo structlog's logger caching from earlier tests (e.g. CLI runs), so that capture_logs() sees events."""
    for module in (api_connectors, api_partners, api_problems, api_scheduler, api_tokens):
        # A cached lazy proxy keeps its first logger in an instance attribute "bind"; dropping it re-resolves.
        vars(module.log).pop("bind", None)


@pytest.fixture
def make_api(aiohttp_client: Any) -> MakeApi:
    async def make(settings: HubSettings | None = None, **options: Any) -> Api:
        registry = options.pop("registry", None) or memory_registry()
        app = make_app(
            settings or api_settings(),
            registry=registry,
            connector_types={"fake": FakeConnector, "other": OtherConnector},
            **{"resolver": fake_resolver, "clock": lambda: NOW, "secrets_keys": lambda: KEYRING, **options},
        )
        return Api(await aiohttp_client(app), registry)

    return make


@pytest.fixture
async def api(make_api: MakeApi) -> Api:
    return await make_api()
