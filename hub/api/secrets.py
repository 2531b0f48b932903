"""Write-only secrets: connector config fields typed ``SecretStr`` are stored but never shown again.

The stored config keeps the secret (the connector needs it to run); every view of it goes through ``mask``.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

__all__ = ["MASK", "mask", "merge_secrets", "secret_fields"]

MASK = "**********"
# For a stored config whose type is no longer installed, names that usually hold secrets are masked anyway.
_SECRET_NAME = re.compile(r"token|secret|password|passwd|api_?key|credential|auth", re.IGNORECASE)


def _is_secret(annotation: Any) -> bool:
    if annotation in (SecretStr, SecretBytes):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(_is_secret(arg) for arg in typing.get_args(annotation))
    return False


@functools.cache
def _model_secrets(model: type[BaseModel]) -> tuple[str, ...]:
    # Models are classes, fixed once imported: their secret fields are worked out once.
    return tuple(sorted(name for name, field in model.model_fields.items() if _is_secret(field.annotation)))


def secret_fields(model: type[BaseModel] | None, config: Mapping[str, Any] | None = None) -> list[str]:
    """The write-only fields of a config model (or, with no model, the config keys that look secret)."""
    if model is None:
        return sorted(key for key in (config or {}) if _SECRET_NAME.search(key))
    return list(_model_secrets(model))


def mask(model: type[BaseModel] | None, config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with every secret value replaced by ``MASK``."""
    hidden = set(secret_fields(model, config))
    return {key: (MASK if key in hidden and value is not None else value) for key, value in config.items()}


def merge_secrets(model: type[BaseModel], new: Mapping[str, Any], old: Mapping[str, Any] | None) -> dict[str, Any]:
    """``new`` with each secret it leaves out (or sends masked) taken from ``old``.

    So a client can read a config, change one field and send it back without knowing the secrets.
    """
    merged = dict(new)
    for name in secret_fields(model):
        if (name not in merged or merged[name] == MASK) and old is not None and name in old:
            merged[name] = old[name]
        elif merged.get(name) == MASK:
            # A mask with nothing stored behind it is not a secret; leaving it would store the mask itself.
            del merged[name]
    return merged
