"""What the scenarios run against: `swath serve` processes on free ports with fresh data directories, and throwaway
PostgreSQL databases. Everything started here is stopped by the context managers that started it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self, TypeVar

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
T = TypeVar("T")
S = TypeVar("S", bound="ServeProcess")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll until `condition` returns something truthy; raise TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """This environment without any SWATH_ setting of the caller's, importing Swath from this checkout."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH", "")]))
    environment.update(extra)
    return environment


@dataclass
class ServeProcess:
    """A `swath serve` process with exactly `environment`, started the way a user starts it (the tests' servers
    are these too)."""

    data_dir: Path
    environment: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the server is not running")
        return self.process.pid

    def start(self) -> Self:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "swath", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
            )
        wait_until(self._answers, timeout=120, what=f"the Swath server on port {self.port}")
        return self

    def _answers(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the Swath server exited:\n{self.log()[-3000:]}")
        try:
            return httpx.get(self.url + "/", timeout=2).status_code == 200
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


@dataclass
class SwathServer(ServeProcess):
    """A server with the benchmarks' defaults, and `settings` (SWATH_ names without the prefix) on top."""

    settings: dict[str, str] = field(default_factory=dict)

    def start(self) -> Self:
        self.environment = child_environment(
            {
                "SWATH_PUBLIC_URL": self.url,
                "SWATH_DEPLOY_EXAMPLES": "false",
                "SWATH_CONTAINER_RUNTIME": "none",
                # Host tools stated, not inferred from the listening address: the conformance suite's tools run on
                # the host, and nothing is ever pulled.
                "SWATH_ALLOW_HOST_TOOLS": "true",
                "SWATH_CONTAINER_PULL_POLICY": "never",
                "SWATH_LOG_LEVEL": "warning",
                "SWATH_ALLOWED_INPUT_ROOTS": f'["{DATA}"]',
                **{f"SWATH_{key.upper()}": value for key, value in self.settings.items()},
            }
        )
        return super().start()


@contextmanager
def running(server: S) -> Iterator[S]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def fresh_postgresql_database(admin_url: str, prefix: str = "swath_bench") -> Iterator[str]:
    """The URL of a new, empty database on the server `admin_url` names; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def deploy(client: httpx.Client, cwl_file: Path) -> str:
    """Deploy a CWL file; returns the process id."""
    response = client.post(
        "/processes", content=cwl_file.read_bytes(), headers={"Content-Type": "application/cwl+yaml"}
    )
    if response.status_code != 201:
        raise RuntimeError(f"deploying {cwl_file.name} answered {response.status_code}: {response.text}")
    return str(response.json()["id"])
