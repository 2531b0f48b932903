"""Health checks of the hub's containers, run by compose's ``healthcheck`` and Kubernetes' exec probes.

    python /opt/hub/healthcheck.py http /readyz    # a role that serves HTTP: the API answers 200 on 127.0.0.1
    python /opt/hub/healthcheck.py group workers   # this container is a live member of the worker group
    python /opt/hub/healthcheck.py group router    # ... of the partner router's group
    python /opt/hub/healthcheck.py store           # the materialiser holds its RDF store open

Each reads the same ``HUB_*`` settings as the role it checks and exits 0 when healthy, 1 with one line on stderr
saying what is wrong. A role without HTTP is healthy when Kafka's group coordinator lists this container as a
member of the role's consumer group: that is true only while the role's consumer runs and heartbeats, so a hung
or crashed role, or one cut off from the cluster, fails the check.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import fcntl
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable

from hub.config import HubSettings, load_settings
from hub.dump.materialiser import store_path
from hub.stream.kafka import KafkaClients
from hub.stream.router import router_group_id

GROUPS = ("workers", "router")
TIMEOUT_S = 10.0


class Unhealthy(Exception):
    """What is wrong, in one line."""


def group_id(settings: HubSettings, role: str) -> str:
    """The consumer group a role's members join (the worker group's name as ``hub.worker.group`` builds it)."""
    if role == "router":
        return router_group_id(settings)
    return f"{settings.stream.topic_prefix}.hub.workers"


def own_addresses() -> set[str]:
    """This container's IP addresses, as the group coordinator sees its members' connections."""
    hostname = socket.gethostname()
    addresses = {"127.0.0.1", "::1"}
    for info in socket.getaddrinfo(hostname, None):
        addresses.add(str(info[4][0]))
    return addresses


def is_member(client_hosts: Iterable[str], addresses: set[str]) -> bool:
    """Whether one of the members' hosts (``/10.0.0.7`` as Kafka writes them) is one of ``addresses``."""
    return any(host.lstrip("/") in addresses for host in client_hosts)


async def _member_hosts(settings: HubSettings, group: str) -> list[str]:
    admin = KafkaClients.from_settings(settings).admin(request_timeout_ms=int(TIMEOUT_S * 1000))
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    hosts: list[str] = []
    for response in responses:
        for described in response.to_object()["groups"]:
            hosts.extend(str(member["client_host"]) for member in described["members"])
    return hosts


def check_group(settings: HubSettings, role: str) -> None:
    """Raise ``Unhealthy`` unless the coordinator of ``role``'s group lists this container as a member."""
    group = group_id(settings, role)
    try:
        hosts = asyncio.run(asyncio.wait_for(_member_hosts(settings, group), TIMEOUT_S))
    except Exception as exc:  # any failure to ask the cluster is an unhealthy answer
        raise Unhealthy(f"could not describe consumer group {group!r}: {exc!r}") from exc
    if not is_member(hosts, own_addresses()):
        raise Unhealthy(f"this container is not a member of consumer group {group!r} (members' hosts: {hosts})")


def check_http(settings: HubSettings, path: str) -> None:
    """Raise ``Unhealthy`` unless ``path`` on the API's port answers 200."""
    url = f"http://127.0.0.1:{settings.api.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        raise Unhealthy(f"{url} did not answer: {exc}") from exc
    if status != 200:
        raise Unhealthy(f"{url} answered {status}")


def check_store(settings: HubSettings) -> None:
    """RocksDB holds a POSIX lock on the store's LOCK file while it is open: held means the materialiser runs."""
    lock = store_path(settings) / "LOCK"
    try:
        handle = lock.open("rb+")
    except OSError as exc:
        raise Unhealthy(f"no store at {lock.parent}: {exc}") from exc
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return  # another process holds it: the materialiser has the store open
            raise Unhealthy(f"could not test the lock of {lock}: {exc}") from exc
        fcntl.lockf(handle, fcntl.LOCK_UN)
    raise Unhealthy(f"nothing holds the store at {lock.parent} open: the materialiser is not running")


def parser() -> argparse.ArgumentParser:
    """The checks and their arguments (the deploy files' tests parse the probes' arguments with it too)."""
    parse = argparse.ArgumentParser(description="Health check of one hub role.")
    checks = parse.add_subparsers(dest="check", required=True)
    checks.add_parser("http", help="GET PATH on the API's port").add_argument("path")
    checks.add_parser("group", help="a member of the role's consumer group").add_argument("role", choices=GROUPS)
    checks.add_parser("store", help="the materialiser holds its store")
    return parse


def main(argv: list[str] | None = None) -> int:
    """Run one check; 0 when healthy, 1 (with the reason on stderr) when not."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.check == "http":
            check_http(settings, args.path)
        elif args.check == "group":
            check_group(settings, args.role)
        else:
            check_store(settings)
    except Exception as exc:  # noqa: BLE001 - a health check answers, it does not crash
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
