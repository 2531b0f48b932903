"""Cross-platform matching: which listings on different platforms are the same real-world project, and why.

Listings are never merged: the matcher proposes `hub.schema.Link` records (``schema:sameAs`` with a score and
the evidence) and the links topic carries them. Each kind of evidence has a weight, and the weights combine as
independent signals (noisy-or: ``1 - prod(1 - w)``), so no single weak signal is enough:

============================  ======  ==========================================================================
evidence                      weight  when
============================  ======  ==========================================================================
platform hint                 0.95    one listing's hints point at the other: an external id both carry
                                      (EU-Citizen.Science ``originUID``), a link to the other's page on its
                                      platform (SciStarter ``duplicate`` listings link the original listing)
same homepage                 0.60    same normalised homepage URL with a path (0.40 for a bare domain, which
                                      organisations share between their projects)
same name                     0.50    same normalised name (0.35 for names at least 90% alike)
same organisation             0.30    same responsible organisation (IRI or normalised name)
nearby                        0.30    pins within 1 km (0.15 within 25 km)
============================  ======  ==========================================================================

A pair is proposed at `THRESHOLD` (0.7): a platform hint alone; or a homepage with a matching name; or the same
name, organisation and place. Two unrelated projects with similar names (and nothing else in common) stay apart.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["METHOD", "THRESHOLD", "Listing", "Proposal", "normalise_name", "normalise_url", "propose_links"]

#: Recorded in each link's ``method``.
METHOD = "hub.dump.matching/1"
#: Score from which a link is proposed.
THRESHOLD = 0.7
# Listings sharing one blocking key beyond this many are not compared on that key alone (a generic homepage
# such as a platform's front page, or a big organisation): they would add quadratic work and no evidence.
_MAX_BLOCK = 50

_STOPWORDS = frozenset({"the", "a", "an", "of", "and", "for", "project", "projects", "citizen", "science", "program"})
_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Listing:
    """What the matcher knows about one project listing.

    Attributes:
        iri: the listing's IRI.
        platform: the platform slug from the IRI.
        native_id: the platform's id of the listing.
        name: the project name.
        homepage: ``projectUrl``.
        pages: the listing's own pages on its platform (``sameAs``).
        organisations: responsible organisation IRI and name.
        point: ``(latitude, longitude)`` of its pin.
        external_ids: ``projectExternalId`` values (``CORDIS:Grant agreement ID: 688930``, ``zooniverse:12``).
        external_links: ``projectExternalLinks`` (origin URLs the platform gives).
    """

    iri: str
    platform: str
    native_id: str
    name: str
    homepage: str | None = None
    pages: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()
    point: tuple[float, float] | None = None
    external_ids: frozenset[str] = frozenset()
    external_links: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Proposal:
    """A proposed link between two listings on different platforms."""

    subject: str
    object: str
    score: float
    evidence: list[str] = field(default_factory=list)


def normalise_name(name: str) -> str:
    """Lower case, accents and punctuation removed, filler words dropped.

    ``"The Big Bird-Count!"`` gives ``big bird count``.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = [word for word in _NON_WORD.split(ascii_name.replace("_", " ")) if word and word not in _STOPWORDS]
    return " ".join(words)


def normalise_url(url: str) -> str | None:
    """Scheme, ``www.``, default ports, fragment and trailing slash dropped; host lower-cased.

    ``www.cowslips.eu`` (EU-CS writes URLs without a scheme) and ``https://www.cowslips.eu/`` both give
    ``cowslips.eu``. Returns ``None`` for text that has no host.
    """
    text = url.strip()
    if not text:
        return None
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    host = host.removeprefix("www.")
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def _normalise_id(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().lower())


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


@dataclass(frozen=True)
class _Keys:
    name: str
    homepage: str | None
    pages: frozenset[str]
    organisations: frozenset[str]
    ids: frozenset[str]
    links: frozenset[str]
    own_ids: frozenset[str]


def _keys(listing: Listing) -> _Keys:
    return _Keys(
        name=normalise_name(listing.name),
        homepage=normalise_url(listing.homepage) if listing.homepage else None,
        pages=frozenset(filter(None, (normalise_url(page) for page in listing.pages))),
        organisations=frozenset(
            org if org.startswith(("http://", "https://")) else normalise_name(org)
            for org in listing.organisations
            if org.strip()
        ),
        ids=frozenset(_normalise_id(value) for value in listing.external_ids if value.strip()),
        links=frozenset(filter(None, (normalise_url(link) for link in listing.external_links))),
        # How another platform refers to this listing: "zooniverse:12" (and "zooniverse: 12").
        own_ids=frozenset({f"{listing.platform}:{listing.native_id}".lower()}),
    )


def _hint_evidence(a: Listing, ka: _Keys, b: Listing, kb: _Keys) -> list[str]:
    reasons = []
    shared_ids = sorted(ka.ids & kb.ids)
    if shared_ids:
        reasons.append(f"both listings carry the external id {shared_ids[0]!r}")
    for x, kx, y, ky in ((a, ka, b, kb), (b, kb, a, ka)):
        if kx.ids & ky.own_ids:
            reasons.append(f"{x.platform} lists {y.platform}'s id {sorted(kx.ids & ky.own_ids)[0]!r} as its origin")
        pointed = (kx.links | ({kx.homepage} if kx.homepage else set())) & ky.pages
        if pointed:
            reasons.append(f"{x.platform}'s listing points at {y.platform}'s page {sorted(pointed)[0]!r}")
    return reasons


def _score(a: Listing, ka: _Keys, b: Listing, kb: _Keys) -> Proposal | None:
    weighted: list[tuple[float, str]] = [(0.95, reason) for reason in _hint_evidence(a, ka, b, kb)]
    if ka.homepage and ka.homepage == kb.homepage:
        bare = "/" not in ka.homepage
        weighted.append((0.40 if bare else 0.60, f"same homepage {ka.homepage!r}"))
    if ka.name and kb.name:
        if ka.name == kb.name:
            weighted.append((0.50, f"same normalised name {ka.name!r}"))
        else:
            ratio = difflib.SequenceMatcher(None, ka.name, kb.name).ratio()
            if ratio >= 0.9:
                weighted.append((0.35, f"names {ratio:.0%} alike: {a.name!r} and {b.name!r}"))
    shared_orgs = sorted(ka.organisations & kb.organisations)
    if shared_orgs:
        weighted.append((0.30, f"same responsible organisation {shared_orgs[0]!r}"))
    if a.point and b.point:
        distance = _distance_km(a.point, b.point)
        if distance <= 1:
            weighted.append((0.30, f"pins {distance * 1000:.0f} m apart"))
        elif distance <= 25:
            weighted.append((0.15, f"pins {distance:.1f} km apart"))
    if not weighted:
        return None
    remaining = 1.0
    for weight, _ in weighted:
        remaining *= 1 - weight
    score = round(1 - remaining, 4)
    subject, obj = sorted((a.iri, b.iri))
    return Proposal(subject, obj, score, [reason for _, reason in weighted])


def _blocks(listings: Sequence[Listing], keys: Sequence[_Keys]) -> Iterable[tuple[int, int]]:
    """Pairs of listings (by index) that share at least one blocking key, each pair once."""
    index: dict[str, list[int]] = defaultdict(list)
    for position, k in enumerate(keys):
        block_keys = {f"name:{k.name}"} if k.name else set()
        block_keys |= {f"url:{url}" for url in (k.pages | k.links | ({k.homepage} if k.homepage else set()))}
        block_keys |= {f"id:{value}" for value in (k.ids | k.own_ids)}
        block_keys |= {f"org:{org}" for org in k.organisations}
        for key in block_keys:
            index[key].append(position)
    seen: set[tuple[int, int]] = set()
    for key, members in index.items():
        if len(members) > _MAX_BLOCK and not key.startswith("id:"):
            continue
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                pair = (min(first, second), max(first, second))
                if pair not in seen and listings[first].platform != listings[second].platform:
                    seen.add(pair)
                    yield pair


def propose_links(listings: Sequence[Listing], *, threshold: float = THRESHOLD) -> list[Proposal]:
    """Propose a link for every pair of listings on different platforms whose evidence reaches ``threshold``.

    Returns:
        The proposals, sorted by subject and object, each with its score and the evidence behind it.
    """
    keys = [_keys(listing) for listing in listings]
    proposals = []
    for first, second in _blocks(listings, keys):
        proposal = _score(listings[first], keys[first], listings[second], keys[second])
        if proposal is not None and proposal.score >= threshold:
            proposals.append(proposal)
    return sorted(proposals, key=lambda p: (p.subject, p.object))
