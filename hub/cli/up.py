"""``hub up``: run the whole hub in the foreground."""

from __future__ import annotations

import click

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.errors import HubError
from hub.runtime import run_until_signalled

__all__ = ["up"]


@click.command()
@pass_settings
def up(settings: HubSettings) -> None:
    """Run the hub until Ctrl-C: the local broker (unless HUB_KAFKA_BOOTSTRAP is set) and the hub's topics."""
    try:
        run_until_signalled(settings)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
