"""The client's real address, trusting X-Forwarded-For only from the configured proxies.

Login lock-outs (django-axes) and the API throttles key on this address. A client can write any
X-Forwarded-For it likes, so the header counts only when the request comes from one of
`FOODHUB_TRUSTED_PROXIES`; then the client is the right-most address in the header that is not
itself a trusted proxy (each proxy appends the address it received the request from, so
anything to its left may be forged).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def parse_trusted_proxies(entries: Iterable[str]) -> tuple[Network, ...]:
    """Networks for a list of IPs or CIDRs; raises ValueError naming a malformed one."""
    try:
        return _networks(tuple(entries))
    except ValueError as exc:
        raise ValueError(f"not an IP address or network: {exc}") from None


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:443"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 (an address to record, not one to bind)


def client_ip(request) -> str:
    """The address to throttle and lock out: REMOTE_ADDR unless it is a trusted proxy."""
    meta = request.META
    remote = _address(meta.get("REMOTE_ADDR", "") or "")
    if remote is None:
        # No usable peer address (a test client, a misconfigured socket server): one shared
        # bucket. It must still be an IP address: lockouts store it in an inet column, and
        # PostgreSQL refuses anything else (a 500 on every login).
        return UNKNOWN_CLIENT
    networks = parse_trusted_proxies(getattr(settings, "FOODHUB_TRUSTED_PROXIES", ()))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    for hop in reversed((meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = _address(hop)
        if address is None:
            # A malformed entry was not written by one of our proxies: stop at the last good one.
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
