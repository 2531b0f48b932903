"""CitSci Hub: federates citizen-science platforms into PPSR Core JSON-LD on Apache Kafka."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("citsci-hub")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
