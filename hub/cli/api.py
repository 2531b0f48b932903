"""A small client of the hub's HTTP API for the CLI, and ``hub api``: tokens and identity.

The API's address comes from ``--url`` / ``HUB_API_URL`` (default: ``http://<HUB_API__HOST>:<HUB_API__PORT>``),
the token from ``--token`` / ``HUB_TOKEN``, or else the admin token ``hub up`` wrote into the state directory.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import click

from hub.api.service import admin_token_file
from hub.config import HubSettings

__all__ = ["ApiClient", "api", "api_options", "echo_json", "pass_client"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ApiClient:
    """Calls the API and turns its JSON errors into ``click.ClickException`` with the detail and the fields."""

    url: str
    token: str | None

    def fetch(self, method: str, path: str, *, data: dict[str, str], accept: str) -> bytes:
        """One form request whose answer is passed through as bytes (SPARQL results in any format)."""
        return asyncio.run(self._fetch(method, path, data, accept))

    async def _fetch(self, method: str, path: str, data: dict[str, str], accept: str) -> bytes:
        headers = {"Accept": accept, **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=600)) as session,
                session.request(method, self.url + path, data=data, headers=headers) as response,
            ):
                body = await response.read()
                if response.status >= 400:
                    raise click.ClickException(_error_text(response.status, body.decode("utf-8", "replace")))
                return body
        except aiohttp.ClientError as exc:
            raise click.ClickException(f"cannot reach the hub API at {self.url}: {exc}; is `hub up` running?") from exc

    def call(self, method: str, path: str, *, body: Any = None, params: dict[str, str] | None = None) -> Any:
        """One request; the decoded JSON body (None for 204)."""
        return asyncio.run(self._call(method, path, body, params))

    async def _call(self, method: str, path: str, body: Any, params: dict[str, str] | None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        timeout = aiohttp.ClientTimeout(total=60)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(method, self.url + path, json=body, params=params, headers=headers) as response,
            ):
                text = await response.text()
                if response.status >= 400:
                    raise click.ClickException(_error_text(response.status, text))
                if response.status == 204 or not text:
                    return None
                return json.loads(text) if response.content_type.endswith("json") else text
        except aiohttp.ClientError as exc:
            raise click.ClickException(f"cannot reach the hub API at {self.url}: {exc}; is `hub up` running?") from exc


def _error_text(status: int, text: str) -> str:
    try:
        error = json.loads(text)
    except json.JSONDecodeError:
        return f"HTTP {status}: {text[:500]}"
    lines = [f"HTTP {status} {error.get('error')}: {error.get('detail')}"]
    lines += [f"  {field['field']}: {field['message']}" for field in error.get("fields", [])]
    return "\n".join(lines)


def echo_json(value: Any) -> None:
    """Print a response as indented JSON."""
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def api_options(command: F) -> F:
    """``--url`` and ``--token`` for a command that talks to the API."""
    command = click.option("--token", envvar="HUB_TOKEN", help="Bearer token (default: the admin token of hub up).")(
        command
    )
    return click.option("--url", envvar="HUB_API_URL", help="Base URL of the hub API.")(command)


def make_client(settings: HubSettings, url: str | None, token: str | None) -> ApiClient:
    """The client the options and settings describe."""
    if token is None:
        path = admin_token_file(settings)
        if settings.api.admin_token is not None:
            token = settings.api.admin_token.get_secret_value()
        elif path.exists():
            token = path.read_text().strip()
    base = (url or f"http://{settings.api.host}:{settings.api.port}").rstrip("/")
    return ApiClient(base, token)


def pass_client(command: F) -> F:
    """Give the command an ``ApiClient`` built from ``--url``, ``--token`` and the settings."""

    @click.pass_context
    def wrapper(ctx: click.Context, /, *args: Any, url: str | None, token: str | None, **kwargs: Any) -> Any:
        settings = ctx.find_object(HubSettings)
        assert settings is not None  # noqa: S101 - the root group always sets it
        return ctx.invoke(command, make_client(settings, url, token), *args, **kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return api_options(wrapper)  # type: ignore[return-value]


@click.group()
def api() -> None:
    """Talk to the hub API: tokens and identity."""


@api.command()
@pass_client
def whoami(client: ApiClient) -> None:
    """Show the token's id and scopes."""
    echo_json(client.call("GET", "/whoami"))


@api.group()
def tokens() -> None:
    """Issue, list and revoke bearer tokens (admin)."""


@tokens.command("create")
@click.option("--scope", "scopes", multiple=True, required=True, help="e.g. operator:platform:zooniverse, partner:ecsa")
@click.option("--description", default="", help="Who or what the token is for.")
@click.option("--new", "allow_new", is_flag=True, help="A scope names a partner or connector not created yet.")
@pass_client
def create_token(client: ApiClient, scopes: tuple[str, ...], description: str, allow_new: bool) -> None:
    """Issue a token; it is printed once and only its hash is stored.

    A scope naming an unknown connector type, connector or partner is refused with the nearest matches; pass
    --new for a partner or connector that is not created yet.
    """
    body = {"scopes": list(scopes), "description": description, "allow_new": allow_new}
    echo_json(client.call("POST", "/tokens", body=body))


@tokens.command("list")
@pass_client
def list_tokens(client: ApiClient) -> None:
    """List token ids and scopes."""
    echo_json(client.call("GET", "/tokens"))


@tokens.command("revoke")
@click.argument("token_id")
@pass_client
def revoke_token(client: ApiClient, token_id: str) -> None:
    """Revoke a token by id."""
    client.call("DELETE", f"/tokens/{token_id}")
    click.echo(f"revoked {token_id}")
