"""Check the scopes of a token request against what the hub knows, so a typo is refused rather than issued.

A scope that names a connector type must name an installed one; one that names a connector or a partner must
name one the hub knows (a registered connector; a partner with a subscription or a token), unless the request
says that it is for one not created yet. Each refusal says what was probably meant.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from hub.api.auth import SCOPE_PATTERN
from hub.api.problems import FieldError
from hub.suggest import did_you_mean

__all__ = ["KINDS", "scope_problems"]

KINDS = ("admin", "analyst", "operator:connector:<name>", "operator:platform:<connector type>", "partner:<name>")
_PREFIXES = ("admin", "analyst", "operator:connector", "operator:platform", "partner")


def _syntax(scope: str, types: Collection[str]) -> str:
    """Why ``scope`` is not a scope at all, with the scope probably meant."""
    head, _, last = scope.rpartition(":")
    guess = ""
    if head and head not in _PREFIXES:
        # "operator:type:zoonivers": a known kind with a wrong middle, and maybe a near type too.
        kinds = did_you_mean(head, _PREFIXES)
        typed = did_you_mean(last, types)
        if head.startswith("operator") and (typed or last in types):
            name = last if last in types else typed.split("'")[1]
            guess = f"; did you mean 'operator:platform:{name}'?"
        elif kinds:
            guess = kinds
    return f"{scope!r} is not a scope; use one of {', '.join(KINDS)}{guess}"


def scope_problems(
    scopes: Sequence[str],
    *,
    types: Collection[str],
    connectors: Collection[str],
    partners: Collection[str],
    allow_new: bool,
) -> list[FieldError]:
    """One field error per scope that is malformed or names something the hub does not know.

    Args:
        scopes: the scopes asked for.
        types: installed connector types.
        connectors: registered connector names.
        partners: known partner names.
        allow_new: the request is for a connector or partner that does not exist yet.
    """
    problems = []
    for index, scope in enumerate(scopes):
        field = f"scopes.{index}"
        if not re.match(SCOPE_PATTERN, scope):
            problems.append(FieldError(field=field, message=_syntax(scope, types)))
            continue
        kind, _, rest = scope.partition(":")
        what, _, name = rest.partition(":")
        if kind == "operator" and what == "platform" and name not in types:
            message = f"no connector type {name!r} is installed (installed: {sorted(types)}){did_you_mean(name, types)}"
            problems.append(FieldError(field=field, message=message))
        elif kind == "operator" and what == "connector" and name not in connectors and not allow_new:
            problems.append(
                FieldError(
                    field=field,
                    message=f"no connector {name!r} is registered (for one not registered yet, ask with allow_new: "
                    f"hub api tokens create --new){did_you_mean(name, connectors)}",
                )
            )
        elif kind == "partner" and rest not in partners and not allow_new:
            problems.append(
                FieldError(
                    field=field,
                    message=f"no partner {rest!r} is known (for a new partner, ask with allow_new: "
                    f"hub api tokens create --new){did_you_mean(rest, partners)}",
                )
            )
    return problems
