"""The key-value tables the API and the scheduler keep their state in, and an in-memory one for tests.

In the hub these are ``hub.stream.state.StateTable`` instances over compacted topics (Kafka is the system of
record); the API only needs this small surface, so unit tests and the OpenAPI fuzz run on ``MemoryTable``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

__all__ = ["MemoryTable", "Table"]

V = TypeVar("V")


class Table(Protocol[V]):
    """A table of values by string key; ``put(key, None)`` deletes."""

    def get(self, key: str) -> V | None:
        """The value under ``key``, or None."""
        ...

    def items(self) -> Iterable[tuple[str, V]]:
        """Every (key, value)."""
        ...

    async def put(self, key: str, value: V | None) -> None:
        """Write ``value`` under ``key``, or delete the key when ``value`` is None."""
        ...

    async def refresh(self) -> None:
        """Catch up with writes made elsewhere (other processes)."""
        ...


class MemoryTable(dict[str, V]):
    """A ``Table`` held in a dict, for tests and for single-process tools."""

    def items_list(self) -> list[tuple[str, V]]:
        """A snapshot of the items."""
        return list(super().items())

    async def put(self, key: str, value: V | None) -> None:
        """Write or delete ``key``."""
        if value is None:
            self.pop(key, None)
        else:
            self[key] = value

    async def refresh(self) -> None:
        """Nothing to catch up with: every writer shares this dict."""
