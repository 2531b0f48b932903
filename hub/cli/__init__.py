"""The ``hub`` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

from hub.cli._root import main
from hub.cli.api import api
from hub.cli.connectors import connectors
from hub.cli.demo import demo
from hub.cli.dlq import dlq
from hub.cli.dump import dump
from hub.cli.kafka import kafka
from hub.cli.mapping import mapping
from hub.cli.materialise import materialise
from hub.cli.partners import partners
from hub.cli.query import query
from hub.cli.replay import replay
from hub.cli.route import route
from hub.cli.secrets import secrets
from hub.cli.sync import sync
from hub.cli.tail import tail
from hub.cli.up import up
from hub.cli.validate import validate
from hub.cli.version import version
from hub.cli.worker import worker

main.add_command(version)
main.add_command(kafka)
main.add_command(up)
main.add_command(demo)
main.add_command(worker)
main.add_command(connectors)
main.add_command(partners)
main.add_command(api)
main.add_command(validate)
main.add_command(sync)
main.add_command(dlq)
main.add_command(replay)
main.add_command(tail)
main.add_command(dump)
main.add_command(query)
main.add_command(materialise)
main.add_command(route)
main.add_command(mapping)
main.add_command(secrets)

__all__ = ["main"]
