"""Which addresses the crawler may connect to, checked where it connects.

A URL list, or a redirect from a page on it, can point the crawler at this machine or its
network: an admin page on localhost, a cloud metadata service at 169.254.169.254. Unless the
operator allows private addresses, the crawler refuses loopback, private, link-local, unspecified
and other non-public addresses. The check runs in the connection layer, on every address the
host resolves to, and the connection goes to an address that was checked: a name cannot pass
the check with one address and connect to another (DNS rebinding), and every redirect hop is
checked the same way.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore
import httpx

ALLOW_PRIVATE_ENV = "XXGK_CRAWL_ALLOW_PRIVATE"


def allow_private_from_env() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class AddressRefused(Exception):
    """A host this crawler must not connect to; asking again would not change that."""


def why_not_public(address: str) -> str | None:
    """Why an address is not one a public crawler should reach, or None if it is."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    # the order matters: Python counts loopback and link-local addresses as private too
    for kind, name in (("unspecified", "an unspecified"), ("loopback", "a loopback"), ("link_local", "a link-local"),
                       ("private", "a private"), ("multicast", "a multicast"), ("reserved", "a reserved")):
        if getattr(ip, f"is_{kind}"):
            return f"{address} is {name} address"
    if not ip.is_global:
        return f"{address} is not a public address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False
    allow_hosts: frozenset[str] = frozenset()  # `host` or `host:port`, trusted whatever they resolve to

    def check(self, host: str, port: int, addresses: Iterable[str]) -> None:
        if self.allow_private or host in self.allow_hosts or f"{host}:{port}" in self.allow_hosts:
            return
        for address in addresses:
            reason = why_not_public(address)
            if reason:
                shown = host if host == address else f"{host} ({address})"
                raise AddressRefused(
                    f"refused to connect to {shown}:{port}: {reason} (private addresses are crawled only with "
                    f"allow_private or {ALLOW_PRIVATE_ENV}=1)")


class _CheckedBackend(httpcore.SyncBackend):
    def __init__(self, policy: AddressPolicy):
        self.policy = policy

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as e:  # a name that does not resolve: a connection error, retried like one
            raise httpcore.ConnectError(f"cannot resolve {host}: {e}") from e
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        self.policy.check(host, port, addresses)  # all of them: the resolver's order is not ours
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                error = e
        raise error


class CheckedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting through the address check. No proxy: a proxy would
    connect to addresses this process never sees."""

    def __init__(self, policy: AddressPolicy):
        super().__init__(trust_env=False)
        # httpx takes no network backend; its connection pool does
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)  # httpx's
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_CheckedBackend(policy),
            max_connections=limits.max_connections, max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry)
