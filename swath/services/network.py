"""Which addresses Swath may fetch from (SSRF): inputs, packages and redirects never reach internal services.

A URL is resolved first and every address it resolves to is checked; loopback, private, link-local (the cloud
metadata address among them), unspecified, multicast and reserved addresses are refused unless a block of
`allowed_networks` holds them. Every refusal says the same sentence, so that answers tell nothing about which
hosts exist or which ports are open. Callers check each redirect again (`check_url` on its `Location`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx

from swath.errors import AddressRefused, ContentTooLarge

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def refusal(url: str) -> AddressRefused:
    return AddressRefused(
        f"{url} leads to an address this server may not reach; "
        "only public addresses are allowed, and the networks in SWATH_ALLOWED_NETWORKS."
    )


def parse_networks(blocks: Sequence[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(block, strict=False) for block in blocks]


def is_public_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public_address(address.ipv4_mapped)
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or not address.is_global
    )


def is_allowed_address(address: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    candidates = [address] if mapped is None else [address, mapped]
    if any(candidate in network for candidate in candidates for network in allowed):
        return True
    return is_public_address(address)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to; a literal (also `0x7f000001`, `2130706433`) as the resolver reads it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_url(url: str, allowed: Sequence[IPNetwork]) -> list[IPAddress]:
    """The addresses of an http(s) URL's host, all allowed; AddressRefused (one sentence) otherwise."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise refusal(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise refusal(url) from error
    addresses = resolve(host, port)
    # A name that does not resolve is refused too: the same sentence, so nothing is learnt from the difference.
    if not addresses or not all(is_allowed_address(address, allowed) for address in addresses):
        raise refusal(url)
    return addresses


def fetch_checked(
    url: str,
    allowed: Sequence[IPNetwork],
    timeout: httpx.Timeout,
    max_redirects: int = 10,
    max_bytes: int | None = None,
) -> bytes:
    """GET a small document, checking the address of the URL and of every redirect before connecting to it.

    Raises AddressRefused for a refused address, ContentTooLarge past `max_bytes` (counted as the body arrives,
    whatever `Content-Length` says), httpx.HTTPError for everything the server or network did.
    """
    with httpx.Client(follow_redirects=False, timeout=timeout) as client:
        for _ in range(max_redirects + 1):
            check_url(url, allowed)
            with client.stream("GET", url) as response:
                if not response.is_redirect or response.next_request is None:
                    response.raise_for_status()
                    return _bounded_body(response, url, max_bytes)
                url = str(response.next_request.url)
    raise httpx.TooManyRedirects(f"{url} redirects more than {max_redirects} times")


def _bounded_body(response: httpx.Response, url: str, max_bytes: int | None) -> bytes:
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        if max_bytes is not None and received > max_bytes:
            raise ContentTooLarge(f"{url} holds more than {max_bytes:,} bytes, the most this server reads from it.")
        chunks.append(chunk)
    return b"".join(chunks)
