"""Outbound safety: connectors may only reach public addresses unless the settings allow-list a host.

A connector URL that resolves to a loopback, private, link-local, shared (CGNAT), reserved or cloud metadata
address is refused, so a registered connector cannot be pointed at the hub's own network (SSRF). Every address
the name resolves to is checked, not only the first.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from hub.errors import OutboundRefusedError

__all__ = ["OutboundRefusedError", "Resolver", "check_config_urls", "check_url", "config_urls"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS over IPv6
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not "private" to ipaddress, yet internal


async def _system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _why_internal(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _METADATA):
        return "a cloud metadata address"
    checks = (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_private", "a private address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_unspecified", "an unspecified address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a shared (carrier-grade NAT) address"
    return None


def _allowed(host: str, address: IPAddress, allow: Iterable[str]) -> bool:
    for entry in allow:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            if entry.lower().rstrip(".") == host.lower().rstrip("."):
                return True
    return False


async def check_url(
    url: str, allow: Sequence[str], *, resolver: Resolver | None = None, require_resolution: bool = True
) -> None:
    """Refuse ``url`` unless every address it resolves to is public or allow-listed.

    Args:
        url: an http(s) URL.
        allow: host names, IP addresses or CIDR ranges that may be reached although internal.
        resolver: name resolution, for tests; the system's by default.
        require_resolution: refuse a host that does not resolve now; False accepts it (a site whose DNS is not
            up yet), while a host that does resolve is still checked address by address.

    Raises:
        OutboundRefusedError: the scheme is not http(s), the host does not resolve, or it resolves to an internal
            address that is not allow-listed.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise OutboundRefusedError(f"{url!r} is not an http(s) URL with a host")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            resolved = await (resolver or _system_resolver)(host, port)
        except OSError as exc:
            if not require_resolution:
                return
            raise OutboundRefusedError(f"host {host!r} does not resolve now ({exc})") from exc
        addresses = [ipaddress.ip_address(item.split("%", 1)[0]) for item in resolved]
    for address in addresses:
        reason = _why_internal(address)
        if reason is not None and not _allowed(host, address, allow):
            raise OutboundRefusedError(
                f"host {host!r} resolves to {address}, {reason}; connectors may not reach it unless "
                "HUB_API__OUTBOUND_ALLOW lists it"
            )


def config_urls(config: Mapping[str, Any]) -> dict[str, str]:
    """Every top-level config value that is an http(s) URL, by field name."""
    return {
        key: value
        for key, value in config.items()
        if isinstance(value, str) and value.lower().startswith(("http://", "https://"))
    }


async def check_config_urls(
    config: Mapping[str, Any],
    allow: Sequence[str],
    *,
    resolver: Resolver | None = None,
    require_resolution: bool = True,
) -> dict[str, str]:
    """Check each URL of a connector config; returns ``{field: reason}`` for the refused ones."""
    refused = {}
    for key, url in config_urls(config).items():
        try:
            await check_url(url, allow, resolver=resolver, require_resolution=require_resolution)
        except OutboundRefusedError as exc:
            refused[key] = str(exc)
    return refused
