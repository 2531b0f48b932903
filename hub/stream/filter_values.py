"""The canonical form of a subscription's filter values, so that a filter matches what the records carry.

Records carry PPSR Core's labels (``projectCountry: ["Spain"]``, ``projectScienceType: ["Biological Sciences -
Ecology And Evolution"]``) and platform slugs in their IRIs (``eu-citizen-science``). People type ISO codes
(``ES``, ``ESP``), short names (``United Kingdom``), display names (``EU-Citizen.Science``) and fragments
(``ecology``). Each function here turns what was typed into what the records carry, or raises
`UnknownFilterValue` with the nearest values it knows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import cache

import pycountry

from hub.connectors._vocab import load_tables
from hub.schema.vocab import ProjectCountry, ProjectScienceType
from hub.suggest import fold, nearest

__all__ = ["UnknownFilterValue", "country_label", "platform_slug", "science_type"]


class UnknownFilterValue(ValueError):
    """A filter value that matches nothing the records can carry.

    Attributes:
        value: what was given.
        suggestions: the nearest known values, best first.
    """

    def __init__(self, what: str, value: str, suggestions: list[str], known: str) -> None:
        hint = ("; did you mean " + " or ".join(repr(s) for s in suggestions) + "?") if suggestions else ""
        super().__init__(f"unknown {what} {value!r} ({known}){hint}")
        self.value = value
        self.suggestions = suggestions


@cache
def _country_index() -> Mapping[str, str]:
    """Folded code or name -> PPSR label: the PPSR labels, ISO alpha-2 (and the EU's UK/EL), alpha-3 and names."""
    by_alpha2 = {code.upper(): labels[0] for code, labels in load_tables("countries")["projectCountry"].entries.items()}
    index: dict[str, str] = {fold(label): label for label in ProjectCountry}
    for country in pycountry.countries:
        label = by_alpha2.get(country.alpha_2)
        if label is None:
            continue
        names = [country.alpha_3, country.name]
        names += [getattr(country, attribute, "") for attribute in ("official_name", "common_name")]
        for name in filter(None, names):
            index.setdefault(fold(name), label)
    index.update({fold(code): label for code, label in by_alpha2.items()})
    return index


def country_label(value: str) -> str:
    """The PPSR ``projectCountry`` label for an ISO 3166 alpha-2 or alpha-3 code, an English name or the label.

    Raises:
        UnknownFilterValue: nothing of that code or name; with the nearest labels.
    """
    label = _country_index().get(fold(value))
    if label is None:
        labels = sorted(set(_country_index().values()))
        raise UnknownFilterValue(
            "country", value, nearest(value, labels), "give an ISO 3166 code such as ES or ESP, or PPSR's label"
        )
    return label


def science_type(value: str) -> str:
    """A PPSR ``projectScienceType`` label, or a fragment of one or more labels (``ecology``) as typed.

    A whole label (in any case or punctuation) becomes the label; a fragment is kept, since the router selects
    every label containing it.

    Raises:
        UnknownFilterValue: the value is in no label; with the nearest labels.
    """
    wanted = fold(value)
    for label in ProjectScienceType:
        if fold(label) == wanted:
            return str(label)
    if wanted and any(wanted in fold(label) for label in ProjectScienceType):
        return value.strip()
    # Near a word of the labels ("astronomy" ~ "Astronomical"): suggest the labels with that word.
    words: dict[str, list[str]] = {}
    for label in ProjectScienceType:
        for word in re.findall(r"\w{4,}", label):
            words.setdefault(word, []).append(str(label))
    suggestions = [label for word in nearest(value, words, n=2) for label in words[word]]
    raise UnknownFilterValue(
        "science type",
        value,
        list(dict.fromkeys(suggestions + nearest(value, ProjectScienceType)))[:5],
        "give a PPSR projectScienceType label or a part of one, e.g. Ecology",
    )


def platform_slug(value: str, known: Collection[str]) -> str:
    """The platform slug (the IRI segment) for a slug or display name (``EU-Citizen.Science``).

    Args:
        value: what was typed.
        known: the platform slugs the hub harvests or has connector types for.

    Raises:
        UnknownFilterValue: no known platform folds to it; with the nearest slugs.
    """
    by_fold = {fold(slug): slug for slug in known}
    slug = by_fold.get(fold(value))
    if slug is None:
        raise UnknownFilterValue("platform", value, nearest(value, known), f"known: {', '.join(sorted(known))}")
    return slug
