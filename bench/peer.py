"""The peer: pygeoapi's OGC API - Processes server, with its TinyDB job manager and its hello-world process.

It is installed from PyPI into its own virtual environment under bench/.peer/ (gitignored), so its dependencies
never meet Swath's, and served the way its documentation serves it in production: its Starlette app under uvicorn.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.servers import free_port, wait_until

PEER_DIR = Path(__file__).resolve().parent / ".peer"
VENV = PEER_DIR / "venv"
PACKAGES = ["pygeoapi", "starlette", "uvicorn[standard]"]

_CONFIG = """\
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  pretty_print: false
  limits: {{default_items: 10, max_items: 1000}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OpenStreetMap}}
  manager: {{name: TinyDB, connection: {folder}/jobs.db, output_dir: {folder}/outputs}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: peer, description: peer, keywords: [peer], keywords_type: theme, terms_of_service: none,
                   url: http://127.0.0.1}}
  license: {{name: CC-BY 4.0, url: 'https://creativecommons.org/licenses/by/4.0/'}}
  provider: {{name: bench, url: http://127.0.0.1}}
  contact: {{name: bench, email: bench@example.org}}
resources:
  hello-world:
    type: process
    processor: {{name: HelloWorld}}
"""


def ensure_installed() -> str | None:
    """Install pygeoapi into bench/.peer/venv unless it is there; returns why it cannot be, or None."""
    python = VENV / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", "import pygeoapi, starlette"], check=False).returncode == 0:
        return None
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    steps = [[sys.executable, "-m", "venv", str(VENV)], [str(python), "-m", "pip", "install", "-q", *PACKAGES]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"installing pygeoapi failed: {done.stderr.strip()[-300:]}"
    return None


@dataclass
class PeerServer:
    url: str
    pid: int


@contextmanager
def pygeoapi_server(folder: Path) -> Iterator[PeerServer]:
    (folder / "outputs").mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = folder / "pygeoapi-config.yml"
    config.write_text(_CONFIG.format(port=port, folder=folder))
    openapi = folder / "openapi.yml"
    environment = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi), "PATH": str(VENV / "bin")}
    bin_dir = VENV / "bin"
    subprocess.run(
        [bin_dir / "pygeoapi", "openapi", "generate", str(config), "--output-file", str(openapi)],
        env=environment,
        check=True,
        capture_output=True,
    )
    with (folder / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [
                bin_dir / "uvicorn",
                "pygeoapi.starlette_app:APP",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError("pygeoapi exited:\n" + (folder / "server.log").read_text()[-3000:])
        try:
            return httpx.get(url + "/processes", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, timeout=120, what="pygeoapi")
        yield PeerServer(url, process.pid)
    finally:
        process.terminate()
        process.wait(30)
