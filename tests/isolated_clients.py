"""Third-party clients whose requirements cannot share the test environment run in a virtualenv of their own.

ogc-api-processes-client 0.6.0 needs urllib3 2.1 or newer, and unity-sds-client 0.12.0 pins urllib3 below 2.1:
no one environment holds both. Each such client gets a venv, made once from PyPI and kept in a cache keyed by its
requirements; a test runs a driver script there against a real server and reads what the driver saw as JSON.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("SWATH_TEST_VENV_CACHE", "/var/tmp/swath-test-venvs"))


def client_python(*requirements: str) -> Path:
    """The interpreter of a venv holding exactly `requirements`, made on first use."""
    key = hashlib.sha256("\n".join([sys.version, *sorted(requirements)]).encode()).hexdigest()[:16]
    home = CACHE / key
    python = home / "bin" / "python"
    ready = home / ".ready"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once build it once
        if not ready.exists():
            venv.EnvBuilder(clear=True, with_pip=True).create(home)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
                check=True,
            )
            ready.write_text("\n".join(requirements))
    return python


def run_driver(python: Path, driver: Path, *arguments: str, timeout: float = 240) -> Any:
    """Run `driver` with `python`; its last line of standard output is the JSON it observed."""
    finished = subprocess.run(
        [str(python), str(driver), *arguments], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert finished.returncode == 0, f"{driver.name} failed:\n{finished.stdout}\n{finished.stderr}"
    return json.loads(finished.stdout.strip().splitlines()[-1])
