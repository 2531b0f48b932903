"""Typed keys of the portal's state on the API application."""

from __future__ import annotations

from aiohttp import web

from hub.web.index import DirectoryIndex
from hub.web.settings import WebSettings

__all__ = ["INDEX", "WEB_SETTINGS"]

INDEX = web.AppKey[DirectoryIndex]("web_index")
WEB_SETTINGS = web.AppKey[WebSettings]("web_settings")
