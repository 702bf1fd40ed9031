"""Headless Chromium from Debian, run as a command, to see Swath's pages the way a browser does.

Without Chromium the browser tests skip, unless SWATH_TEST_REQUIRE_SERVICES is set (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

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
