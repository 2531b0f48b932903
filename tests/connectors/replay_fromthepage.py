"""A replay of FromThePage's IIIF API: an owner's collections, collections with Work Status, structured data.

Identifiers in IIIF documents are absolute; the replay serves them on its own host, as the live site does on
fromthepage.com, so that following ``@id`` links is exercised.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from aiohttp import web

from tests.connectors.replay import REPLAY, Replay, fixture_bytes, replay_app

LIVE = "https://fromthepage.com/"
OWNER = "ohiouniversitylibraries"


def _fixture(name: str) -> Any:
    return orjson.loads(fixture_bytes("fromthepage", name))


COLLECTIONS = _fixture(f"iiif_collections_{OWNER}.json")
COLLECTION = {
    slug: _fixture(f"iiif_collection_{slug}.json") for slug in ("dance-posters-metadata", "farfel-research-notebooks")
}
STRUCTURED = {"32024760": _fixture("iiif_32024760_structured.json")}


def _served(request: web.Request, document: Any) -> web.Response:
    root = str(request.url.origin()) + "/"
    body = orjson.dumps(document).decode().replace(LIVE, root)
    # FromThePage sends weak ETags; the connectors here do not use them (every run is a snapshot).
    return web.Response(text=body, content_type="application/json", headers={"ETag": 'W/"replay"'})


async def owner_collections(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    listing = copy.deepcopy(COLLECTIONS)
    if replay.empty:
        listing["collections"] = []
    return _served(request, listing)


async def collection(request: web.Request) -> web.Response:
    replay = request.app[REPLAY]
    document = copy.deepcopy(COLLECTION.get(request.match_info["slug"]))
    if document is None:
        raise web.HTTPNotFound
    if replay.malformed and request.match_info["slug"] == "dance-posters-metadata":
        broken = copy.deepcopy(document["manifests"][0])
        del broken["@id"]
        document["manifests"].insert(1, broken)
    return _served(request, document)


async def structured(request: web.Request) -> web.Response:
    work = request.match_info["work"]
    document = STRUCTURED.get(work) or {
        "contributors": [],
        "data": [],
        "on": {"@type": "sc:Manifest", "@id": f"{LIVE}iiif/{work}/manifest"},
        "@id": f"{LIVE}iiif/{work}/structured",
        "label": "Structured data (user-created metadata) for manifest",
    }
    return _served(request, document)


def fromthepage_app(replay: Replay) -> web.Application:
    """The IIIF endpoints FromThePage serves."""
    app = replay_app(replay)
    app.router.add_get("/iiif/collections/{owner}", owner_collections)
    app.router.add_get("/iiif/collection/{slug}", collection)
    app.router.add_get("/iiif/{work}/structured", structured)
    return app
