"""Shared fixtures: real Swath servers on free local ports, each with its own data directory."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bench.servers import ServeProcess, free_port
from bench.servers import fresh_postgresql_database as throwaway_database
from bench.servers import wait_until as poll_until

REPO = Path(__file__).resolve().parents[1]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def service_url(name: str, usual_url: str, host: str, port: int) -> str:
    """The URL of a service for the tests: SWATH_TEST_<name>_URL when set, else the service at its usual local
    address when something answers there, else "" (its tests skip, or fail under SWATH_TEST_REQUIRE_SERVICES).

    So the README's plain `pytest` runs every suite a developer's machine can run, without variables to learn.
    """
    configured = os.environ.get(f"SWATH_TEST_{name}_URL")
    if configured is not None:
        return configured
    return usual_url if _answers(host, port) else ""


POSTGRESQL_URL = service_url("POSTGRESQL", "postgresql+psycopg://postgres@127.0.0.1:5432/test", "127.0.0.1", 5432)
RABBITMQ_URL = service_url("RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//", "127.0.0.1", 5672)
REDIS_URL = service_url("REDIS", "redis://127.0.0.1:6379/0", "127.0.0.1", 6379)
DATA = Path(__file__).resolve().parent / "data"


def wait_until(condition, timeout: float = 30.0, interval: float = 0.05, message: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll `condition` until it returns something truthy, or fail after `timeout` seconds."""
    return poll_until(condition, timeout, message, interval)


@contextmanager
def fresh_postgresql_database() -> Iterator[str]:
    """The URL of a new, empty database on the PostgreSQL server named by SWATH_TEST_POSTGRESQL_URL, dropped after.

    Without that variable, and with nothing answering at 127.0.0.1:5432, the test skips, except in CI
    (SWATH_TEST_REQUIRE_SERVICES), where it fails.
    """
    if not POSTGRESQL_URL:
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail("No PostgreSQL answers (SWATH_TEST_POSTGRESQL_URL, or 127.0.0.1:5432), and CI requires it")
        pytest.skip("No PostgreSQL answers (SWATH_TEST_POSTGRESQL_URL, or 127.0.0.1:5432)")
    with throwaway_database(POSTGRESQL_URL, prefix="swath_test") as url:
        yield url


# The tests' servers are the benchmark harness's: one launcher for both.
Server = ServeProcess


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
            # Tools run on the host unless a test asks for an engine, and no engine ever pulls: nothing a test
            # runs may reach a registry (tests/containers/ build their images locally).
            "SWATH_CONTAINER_RUNTIME": "none",
            "SWATH_CONTAINER_PULL_POLICY": "never",
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


DOCKER_HOST = os.environ.get("SWATH_TEST_DOCKER_HOST", "")
IMAGES_SCRIPT = REPO / "tests" / "images" / "build.sh"
# Images that exist only where tests/images/build.sh made them; never pulled.
BUSYBOX_IMAGE = "localhost/swath-test/busybox:1"
PYTHON_IMAGE = "localhost/swath-test/python:1"


@pytest.fixture(scope="session")
def docker_host() -> str:
    """The Docker engine of the container tests (SWATH_TEST_DOCKER_HOST), with the test images built in it.

    Without that variable the test skips, except in CI (SWATH_TEST_REQUIRE_SERVICES), where it fails.
    """
    if not DOCKER_HOST:
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail("SWATH_TEST_DOCKER_HOST is not set, and CI requires the container tests")
        pytest.skip("SWATH_TEST_DOCKER_HOST is not set")
    import subprocess

    subprocess.run([str(IMAGES_SCRIPT), "docker"], env={**os.environ, "DOCKER_HOST": DOCKER_HOST}, check=True)
    return DOCKER_HOST


@pytest.fixture
def docker(docker_host: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Docker for this test's own process and the engine commands it runs (DOCKER_HOST set, for this test only)."""
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    return docker_host


PODMAN_CONF = REPO / "tests" / "images" / "containers.conf"


@pytest.fixture(scope="session")
def podman_images() -> None:
    """Podman (Debian's, as root) with the test images built in its storage; configured by tests/images."""
    import shutil
    import subprocess

    if shutil.which("podman") is None:
        if os.environ.get("SWATH_TEST_REQUIRE_SERVICES"):
            pytest.fail("podman is not installed, and CI requires the container tests")
        pytest.skip("podman is not installed")
    environment = {**os.environ, "CONTAINERS_CONF": str(PODMAN_CONF)}
    subprocess.run([str(IMAGES_SCRIPT), "podman"], env=environment, check=True, capture_output=True)


@pytest.fixture
def podman(podman_images: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """Podman for this test's own process and the engine commands it runs (its configuration, for this test only)."""
    monkeypatch.setenv("CONTAINERS_CONF", str(PODMAN_CONF))
    return str(PODMAN_CONF)
