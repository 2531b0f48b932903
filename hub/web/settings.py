"""The portal's settings (``HUB_WEB__*``), read once when ``hub up`` starts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebSettings"]


class WebSettings(BaseSettings):
    """Where the directory index lives and what the map loads.

    Attributes:
        index_path: the directory's SQLite index; ``<state_dir>/web/directory.sqlite3`` when unset.
        tile_url: the map's tile URL template (``{z}/{x}/{y}``); empty: the map shows pins without tiles (offline).
        tile_attribution: the attribution line the tile provider asks for.
        page_size: projects per directory page.
    """

    model_config = SettingsConfigDict(env_prefix="HUB_WEB__", extra="ignore")

    index_path: Path | None = None
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap contributors"
    page_size: int = Field(default=20, ge=1, le=200)
