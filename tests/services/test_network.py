"""The SSRF address check, without connecting anywhere: literals and loopback names only."""

from __future__ import annotations

import pytest

from swath.errors import AddressRefused
from swath.services.network import check_url, parse_networks

REFUSAL = "leads to an address this server may not reach"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "http://[::1]/x",
        "http://0x7f000001/x",
        "http://2130706433/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://localhost/x",
        "ftp://127.0.0.1/x",
    ],
)
def test_internal_addresses_are_refused_with_one_sentence(url: str) -> None:
    with pytest.raises(AddressRefused) as raised:
        check_url(url, [])
    assert raised.value.detail == f"{url} {REFUSAL}; only public addresses are allowed, and the networks in " + (
        "SWATH_ALLOWED_NETWORKS."
    )


def test_a_name_that_does_not_resolve_gets_the_same_refusal() -> None:
    with pytest.raises(AddressRefused) as raised:
        check_url("http://no-such-host.invalid/x", [])
    assert REFUSAL in raised.value.detail


def test_public_address_literals_are_allowed() -> None:
    assert [str(address) for address in check_url("https://8.8.8.8/x", [])] == ["8.8.8.8"]


def test_an_allowed_network_lets_its_addresses_through() -> None:
    allowed = parse_networks(["127.0.0.0/8"])
    assert [str(address) for address in check_url("http://127.0.0.1:9/x", allowed)] == ["127.0.0.1"]


def test_an_allowed_network_does_not_open_the_others() -> None:
    with pytest.raises(AddressRefused):
        check_url("http://169.254.169.254/", parse_networks(["127.0.0.0/8"]))
