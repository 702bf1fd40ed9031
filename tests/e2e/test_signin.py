"""Signing in from a browser: the pages of a service with authentication on, in a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import make_server
from tests.e2e.browser import PLAYWRIGHT_ARGUMENTS, chromium, save_screenshot
from tests.e2e.helpers import ASYNC
from tests.e2e.test_auth import make_token

sync_api = pytest.importorskip("playwright.sync_api")
ECHO = {"inputs": {"stringInput": "Value1"}}


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = make_server(tmp_path_factory.mktemp("signin"), auth_mode="on")
    tokens = {name: make_token(server, name, "user") for name in ("alice", "bob")}
    server.start()
    jobs = {}
    for name, token in tokens.items():
        answer = httpx.post(
            f"{server.url}/processes/echo/execution",
            json=ECHO,
            headers={**ASYNC, "Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        jobs[name] = answer.json()["jobID"]
    yield {"server": server, "tokens": tokens, "jobs": jobs}
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=PLAYWRIGHT_ARGUMENTS)
        yield launched
        launched.close()


def test_a_browser_signs_in_sees_only_its_own_jobs_and_signs_out(browser: Any, venue: dict[str, Any]) -> None:
    server, tokens, jobs = venue["server"], venue["tokens"], venue["jobs"]
    context = browser.new_context()
    page = context.new_page()

    page.goto(f"{server.url}/jobs")
    assert page.url == f"{server.url}/signin?next=%2Fjobs"

    page.fill("#token", "swath_000000000000_" + "x" * 43)
    page.click("button[type=submit]")
    assert "not a token this server issued" in page.inner_text("[role=alert]") or "unknown" in page.inner_text(
        "[role=alert]"
    )

    page.fill("#token", tokens["alice"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/jobs")
    text = page.content()
    assert jobs["alice"] in text and jobs["bob"] not in text
    assert "Signed in as" in page.inner_text("form.account") and "alice" in page.inner_text("form.account")
    cookie = next(cookie for cookie in context.cookies() if cookie["name"] == "swath_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    save_screenshot(page, "signed-in-jobs")

    # Another user's job does not exist for this browser.
    assert page.goto(f"{server.url}/jobs/{jobs['bob']}").status == 404

    page.click("form.account button")
    page.wait_for_url(f"{server.url}/signin")
    page.goto(f"{server.url}/jobs")
    assert page.url.startswith(f"{server.url}/signin")
    context.close()


def test_a_write_with_the_cookie_must_come_from_the_service_s_own_origin(venue: dict[str, Any]) -> None:
    server, token = venue["server"], venue["tokens"]["alice"]
    with httpx.Client(base_url=server.url, cookies={"swath_token": token}, timeout=60) as client:
        cross_site = client.post("/processes/echo/execution", json=ECHO, headers={"Origin": "http://evil.example"})
        assert cross_site.status_code == 403
        assert "own pages" in cross_site.json()["detail"]
        no_origin = client.post("/processes/echo/execution", json=ECHO)
        assert no_origin.status_code == 403
        same_site = client.post("/processes/echo/execution", json=ECHO, headers={**ASYNC, "Origin": server.url})
        assert same_site.status_code == 201, same_site.text
        assert client.get("/jobs").status_code == 200  # reads need no Origin


def test_sign_in_goes_back_only_to_a_page_of_this_service(venue: dict[str, Any]) -> None:
    server, token = venue["server"], venue["tokens"]["alice"]
    for target, expected in [("/jobs?status=accepted", "/jobs?status=accepted"), ("//evil.example/x", "/")]:
        answer = httpx.post(
            f"{server.url}/signin", data={"token": token, "next": target}, follow_redirects=False, timeout=60
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == server.url + expected


def test_a_script_without_a_token_still_gets_401_not_the_sign_in_page(venue: dict[str, Any]) -> None:
    answer = httpx.get(f"{venue['server'].url}/jobs", timeout=60)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="swath"'
