"""``hub demo``: the hub over local replays of six platforms, synced and ready to look at, offline."""

from __future__ import annotations

import asyncio

import click

from hub.cli._root import pass_settings
from hub.config import HubSettings
from hub.demo.run import demo_settings, run_demo
from hub.errors import HubError
from hub.runtime import run_hub, run_until_signalled

__all__ = ["demo"]


@click.command()
@click.option("--timeout", "timeout_s", default=60.0, show_default=True, help="Seconds to wait for the syncs.")
@click.option("--replay-port", default=8079, show_default=True, help="Port of the replays on 127.0.0.1.")
@pass_settings
def demo(settings: HubSettings, timeout_s: float, replay_port: int) -> None:
    """Run the hub with connectors to local replays of recorded platform responses, sync them, say where to look.

    The replays listen on 127.0.0.1, which the demo allow-lists as HUB_API__OUTBOUND_ALLOW=127.0.0.1 does.
    Ctrl-C stops everything.
    """
    try:
        configured = demo_settings(settings)

        async def main(hub_settings: HubSettings, stop: asyncio.Event) -> None:
            await run_demo(hub_settings, stop, main=run_hub, replay_port=replay_port, timeout_s=timeout_s)

        run_until_signalled(configured, main)
    except HubError as exc:
        raise click.ClickException(str(exc)) from exc
