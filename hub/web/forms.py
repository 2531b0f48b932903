"""A connector's config form, built from its type's JSON Schema, and the form's values back as a config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import yaml

__all__ = ["FormField", "config_from_form", "form_fields"]


class FormField(dict[str, Any]):
    """One input: ``name``, ``label``, ``kind`` (text, number, integer, checkbox, select, secret, json), ``help``."""


def _effective(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    if "$ref" in schema:
        found: Mapping[str, Any] = defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return found
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            if len(options) == 1:
                return {**_effective(options[0], defs), **{k: v for k, v in schema.items() if k != key}}
            return {"type": "json", **{k: v for k, v in schema.items() if k != key}}
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return {**_effective(schema["allOf"][0], defs), **{k: v for k, v in schema.items() if k != "allOf"}}
    return schema


def form_fields(schema: Mapping[str, Any]) -> list[FormField]:
    """The inputs of a config schema, required ones first."""
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    fields = []
    for name, raw in schema.get("properties", {}).items():
        prop = _effective(raw, defs)
        kind = prop.get("type", "json")
        if "enum" in prop:
            kind = "select"
        elif prop.get("format") == "password" or prop.get("writeOnly"):
            kind = "secret"
        elif kind == "boolean":
            kind = "checkbox"
        elif kind not in ("string", "integer", "number"):
            kind = "json"
        default = raw.get("default", prop.get("default"))
        fields.append(
            FormField(
                name=name,
                label=raw.get("title") or prop.get("title") or name.replace("_", " "),
                kind=kind,
                help=raw.get("description") or prop.get("description") or "",
                required=name in required,
                options=list(prop.get("enum", [])),
                default="" if default is None else default if kind != "json" else orjson.dumps(default).decode(),
            )
        )
    return sorted(fields, key=lambda f: not f["required"])


def config_from_form(fields: list[FormField], form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The config the form describes, and ``{field: problem}`` for values that cannot even be read.

    An empty input is left out, so the type's default applies; the type's own validation (through the API) does
    every other check.
    """
    config: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in fields:
        name, kind = field["name"], field["kind"]
        if kind == "checkbox":
            config[name] = name in form
            continue
        raw = str(form.get(name, "")).strip()
        if not raw:
            continue
        if kind == "integer":
            try:
                config[name] = int(raw)
            except ValueError:
                problems[name] = f"expected a whole number, not {raw!r}"
        elif kind == "number":
            try:
                config[name] = float(raw)
            except ValueError:
                problems[name] = f"expected a number, not {raw!r}"
        elif kind == "json":
            try:
                config[name] = yaml.safe_load(raw)
            except yaml.YAMLError as exc:
                problems[name] = f"expected JSON or YAML: {str(exc).splitlines()[0]}"
        else:
            config[name] = raw
    return config, problems
