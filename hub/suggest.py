"""Nearest matches for a value the hub does not know, so that an error can say what was probably meant."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["did_you_mean", "fold", "nearest"]


def fold(value: str) -> str:
    """``value`` lower-cased without punctuation or spaces: ``"EU-Citizen.Science"`` -> ``"eucitizenscience"``."""
    return re.sub(r"[\W_]+", "", value.casefold())


def nearest(value: str, choices: Iterable[str], *, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` of ``choices`` closest to ``value`` (compared folded), best first."""
    by_fold: dict[str, str] = {}
    for choice in choices:
        by_fold.setdefault(fold(choice), str(choice))
    return [by_fold[match] for match in difflib.get_close_matches(fold(value), list(by_fold), n=n, cutoff=cutoff)]


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'a' or 'b'?"`` for the nearest matches, or ``""`` when nothing is near."""
    matches = nearest(value, choices)
    if not matches:
        return ""
    return "; did you mean " + " or ".join(repr(m) for m in matches) + "?"
