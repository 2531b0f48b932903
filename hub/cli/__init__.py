"""The ``hub`` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

from hub.cli._root import main
from hub.cli.kafka import kafka
from hub.cli.up import up
from hub.cli.validate import validate
from hub.cli.version import version

main.add_command(version)
main.add_command(kafka)
main.add_command(up)
main.add_command(validate)

__all__ = ["main"]
