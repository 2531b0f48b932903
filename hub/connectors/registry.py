"""Connector types, discovered through the ``hub.connectors`` entry-point group.

A third party ships a connector as its own package by declaring, in its ``pyproject.toml``::

    [project.entry-points."hub.connectors"]
    my-platform = "my_package.module:MyConnector"
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.connectors._http import HttpClient
from hub.connectors.base import Clock, Connector, Pseudonymiser, utc_now
from hub.errors import ConfigError

__all__ = ["ENTRY_POINT_GROUP", "build_connector", "connector_type", "load_connector_types"]

ENTRY_POINT_GROUP = "hub.connectors"


def load_connector_types() -> dict[str, type[Connector]]:
    """Every installed connector type by entry-point name.

    Raises:
        ConfigError: an entry point does not load or is not a :class:`Connector` subclass named as its entry point.
    """
    types: dict[str, type[Connector]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:  # any import failure of third-party code is a broken installation
            raise ConfigError(f"connector entry point {ep.name!r} = {ep.value!r} does not load: {exc!r}") from exc
        if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
            raise ConfigError(f"connector entry point {ep.name!r} = {ep.value!r} is not a Connector subclass")
        if loaded.name != ep.name:
            raise ConfigError(
                f"connector entry point {ep.name!r} loads {loaded.__name__} whose name is {loaded.name!r}; "
                "they must be equal"
            )
        types[ep.name] = loaded
    return types


def connector_type(name: str) -> type[Connector]:
    """The connector class registered as ``name``.

    Raises:
        ConfigError: no such connector type; the message lists the installed ones.
    """
    known = load_connector_types()
    try:
        return known[name]
    except KeyError:
        raise ConfigError(f"Unknown connector {name!r}; installed: {sorted(known)}") from None


_MAX_INPUT_CHARS = 80
_SECRET_NAME_PARTS = ("token", "secret", "password", "api_key", "apikey", "credential")


def _describe(err: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in err.get("loc", ())) or "(config)"
    shown = repr(err.get("input"))
    # A whole mapping document or nested config would drown the message: show its start only.
    if len(shown) > _MAX_INPUT_CHARS:
        shown = shown[: _MAX_INPUT_CHARS - 1] + "…"
    return f"{where}: {err.get('msg')} (got {shown})"


def _secret_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, field in model.model_fields.items() if "SecretStr" in str(field.annotation))


def _is_secret(loc: tuple[int | str, ...], secret_fields: frozenset[str]) -> bool:
    return any(part in secret_fields or any(hint in str(part).lower() for hint in _SECRET_NAME_PARTS) for part in loc)


def build_connector(
    type_name: str,
    raw_config: Mapping[str, Any],
    *,
    http: HttpClient,
    pseudonymiser: Pseudonymiser | None = None,
    clock: Clock = utc_now,
) -> Connector:
    """Validate ``raw_config`` against the type's config model and build the connector.

    Raises:
        ConfigError: unknown type, or the config does not validate; ``errors`` holds one entry per field.
    """
    cls = connector_type(type_name)
    try:
        config = cls.config_model.model_validate(raw_config)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # Secrets must not end up in logs: drop the input of SecretStr fields and of any field named like one.
        secret_fields = _secret_fields(cls.config_model)
        cleaned = [{**err, "input": "***"} if _is_secret(err["loc"], secret_fields) else dict(err) for err in errors]
        raise ConfigError(
            f"invalid config for connector {type_name!r}: " + "; ".join(_describe(e) for e in cleaned),
            errors=cleaned,
        ) from exc
    return cls(config, http=http, pseudonymiser=pseudonymiser, clock=clock)
