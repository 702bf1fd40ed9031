"""Shared fixtures: real Swath servers on free local ports, each with its own data directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bench.servers import free_port
from bench.servers import fresh_postgresql_database as throwaway_database
from bench.servers import wait_until as poll_until

REPO = Path(__file__).resolve().parents[1]
POSTGRESQL_URL = os.environ.get("SWATH_TEST_POSTGRESQL_URL", "")
DATA = Path(__file__).resolve().parent / "data"


def wait_until(condition, timeout: float = 30.0, interval: float = 0.05, message: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll `condition` until it returns something truthy, or fail after `timeout` seconds."""
    return poll_until(condition, timeout, message, interval)


@contextmanager
def fresh_postgresql_database() -> Iterator[str]:
    """The URL of a new, empty database on the PostgreSQL server named by SWATH_TEST_POSTGRESQL_URL, dropped after.

    Without that variable the test skips, except in CI (SWATH_TEST_REQUIRE_SERVICES), where it fails.
    """
    if not POSTGRESQL_URL:
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail("SWATH_TEST_POSTGRESQL_URL is not set, and CI requires the PostgreSQL suite")
        pytest.skip("SWATH_TEST_POSTGRESQL_URL is not set")
    with throwaway_database(POSTGRESQL_URL, prefix="swath_test") as url:
        yield url


@dataclass
class Server:
    """A `swath serve` process, started the way a user starts it."""

    data_dir: Path
    port: int
    environment: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "swath", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
            )
        wait_until(self._answers, timeout=60, message=f"the server on port {self.port} to answer")
        return self

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError("the server exited:\n" + (self.data_dir / "server.log").read_text()[-4000:])
        try:
            return httpx.get(self.url + "/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        return (self.data_dir / "server.log").read_text(errors="replace")


def make_server(tmp_path: Path, **settings: str) -> Server:
    data_dir = tmp_path / "swath-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    port = free_port()
    environment.update(
        {
            "SWATH_WORKERS": "2",
            "SWATH_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SWATH_ALLOWED_INPUT_ROOTS": f'["{tmp_path}", "{DATA}", "{REPO / "swath" / "examples"}"]',
            "SWATH_HEARTBEAT_INTERVAL": "0.5",
            "SWATH_HEARTBEAT_TIMEOUT": "5",
        }
    )
    environment.update({f"SWATH_{key.upper()}": value for key, value in settings.items()})
    return Server(data_dir=data_dir, port=port, environment=environment)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One running server for a test module."""
    running = make_server(tmp_path_factory.mktemp("server")).start()
    yield running
    running.stop()


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        yield http
