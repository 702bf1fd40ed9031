"""Headless Chromium from Debian, run as a command, to see Swath's pages the way a browser does.

Without Chromium the browser tests skip, unless SWATH_TEST_REQUIRE_SERVICES is set (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

_FLAGS = [
    "--headless",
    "--no-sandbox",  # tests run as root in containers, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The Chromium command, or skip (fail in CI) when it is not installed."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
        pytest.fail("chromium is not installed, and CI requires the browser tests")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def _run(profile: Path, arguments: list[str]) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *_FLAGS, f"--user-data-dir={profile}", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"chromium exited with {result.returncode}:\n{result.stderr[-3000:]}"
    return result


def dump_dom(url: str, profile: Path) -> str:
    """The page's DOM after Chromium loaded it, serialized as HTML."""
    return _run(profile, ["--dump-dom", url]).stdout


def screenshot(url: str, path: Path, profile: Path) -> Path:
    """A 1280x900 PNG of the page."""
    _run(profile, [f"--screenshot={path}", "--window-size=1280,900", url])
    return path


# Playwright for Python drives the same Debian Chromium; its own browser downloads are never used.
PLAYWRIGHT_ARGUMENTS = [flag for flag in _FLAGS if flag != "--disable-quic"]
# What the authentication issue's pages will send; every page must work under it, so no script or style is inline.
STRICT_CSP = "default-src 'self'"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).resolve().parents[1] / "data" / "axe" / "axe.min.js"


class ConsoleErrors:
    """Console errors, uncaught exceptions and failed requests of a page: a page that works has none."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.expected: list[str] = []

    def expect(self, text: str) -> None:
        """Chromium logs every 4xx answer to fetch() as an error; a test that provokes one says which."""
        self.expected.append(text)

    @property
    def unexpected(self) -> list[str]:
        return [message for message in self.messages if not any(text in message for text in self.expected)]

    def watch(self, page: Any) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.messages.append(f"{page.url}: uncaught {error}"))

    def _console(self, page: Any, message: Any) -> None:
        if message.type == "error":
            self.messages.append(f"{page.url}: {message.text} ({message.location.get('url', '')})")


def with_strict_csp(route: Any) -> None:
    """Serve every page with the strict Content-Security-Policy, so any inline script or style is refused."""
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})


def serious_accessibility_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations of the page (WCAG 2 A and AA rules)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the browser's debugger: not subject to the CSP
    result = page.evaluate("() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})")
    assert result["passes"], "axe-core checked nothing"
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def save_screenshot(page: Any, name: str) -> Path:
    """A full-page PNG under tests/artifacts/ (kept out of git), for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
