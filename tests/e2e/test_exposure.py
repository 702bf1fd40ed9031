"""With authentication off (loopback): inputs that lead inside the network are refused, user files are inert."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import ASYNC

REFUSAL = "leads to an address this server may not reach"


@pytest.mark.parametrize(
    "href", ["http://127.0.0.1:1/secret", "http://[::1]:22/", "http://0x7f000001/", "http://169.254.169.254/latest/"]
)
def test_an_input_href_to_an_internal_address_is_refused_at_submission(client: httpx.Client, href: str) -> None:
    body = {"inputs": {"text": {"href": href}}}
    response = client.post("/processes/word-count/execution", json=body, headers=ASYNC)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{href} {REFUSAL}")


def test_an_uploaded_html_file_is_served_as_a_sandboxed_attachment(client: httpx.Client) -> None:
    href = client.post("/files", params={"name": "page.html"}, content=b"<script>alert(1)</script>").json()["href"]
    response = client.get(href)
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_request_naming_a_foreign_host_is_refused(client: httpx.Client) -> None:
    response = client.get("/processes", headers={"Host": "attacker.example"})
    assert response.status_code == 421
