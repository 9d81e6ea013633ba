"""Connections to public addresses only, checked at the moment the socket connects.

``Fetcher`` checks a host's addresses before each request, but the HTTP client resolves the name
again when it connects: a name that answers with a public address to the check and a private one
a moment later (DNS rebinding) would slip through. Here the connection itself resolves the name,
refuses it if any address is private, loopback, link-local or reserved, and connects to exactly
the addresses it checked (TLS still verifies the certificate against the host name).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import httpcore
import httpx

Resolver = Callable[..., list]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddress(httpcore.ConnectError):
    """The host resolves to an address that is not public; the message says which and what to do."""


def host_addresses(resolve: Resolver, host: str, port: int) -> list[Address]:
    """The addresses ``host`` resolves to, in the resolver's order, each once."""
    found = resolve(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(str(sockaddr[0]).split("%")[0]) for *_, sockaddr in found]
    return list(dict.fromkeys(addresses))


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def refusal(host: str, addresses: list[Address]) -> str | None:
    """Why ``host`` is refused (its first non-public address), or None when every address is public."""
    for address in addresses:
        if not is_public(address):
            where = str(address) if str(address) == host else f"{host} is at {address}, which"
            return (f"{where} is a private or reserved address; such addresses are refused unless private "
                    "addresses are allowed (NEWSBOT_FETCH_ALLOW_PRIVATE=1)")
    return None


class PublicOnlyBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to a host's checked public addresses."""

    def __init__(self, resolve: Resolver = socket.getaddrinfo) -> None:
        self._resolve = resolve

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        try:
            addresses = host_addresses(self._resolve, host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"the host name {host!r} cannot be resolved ({exc})") from None
        reason = refusal(host, addresses)
        if reason is not None:
            raise PrivateAddress(reason)
        failure: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure


def public_only_transport(resolve: Resolver = socket.getaddrinfo) -> httpx.HTTPTransport:
    """An httpx transport (no proxies, no certificate settings from the environment) whose connections
    go through ``PublicOnlyBackend``. httpx 0.28 takes no network backend of its own, so its
    connection pool is replaced by httpcore's, built the same way with the backend."""
    transport = httpx.HTTPTransport(trust_env=False)
    if not isinstance(getattr(transport, "_pool", None), httpcore.ConnectionPool):  # never fetch unguarded
        raise RuntimeError(f"httpx {httpx.__version__} keeps its connection pool elsewhere; newsbot needs "
                           "httpx 0.28 (reinstall newsbot)")
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                              max_connections=100, max_keepalive_connections=20,
                                              keepalive_expiry=5.0,  # httpx's default limits
                                              network_backend=PublicOnlyBackend(resolve))
    return transport
