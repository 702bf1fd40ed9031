"""Runner fixtures: real cwltool, real local storage, a real HTTP server on 127.0.0.1; no mocks."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from swath.settings import Settings
from swath.storage import LocalStorage
from tests.runner.harness import PUBLIC_URL, FileServer, QuietHandler, Runner


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    settings = Settings(
        data_dir=tmp_path / "data",
        public_url=PUBLIC_URL,
        container_runtime="none",
        allowed_input_roots=[tmp_path / "inputs"],
        # The tests' "remote" servers listen on loopback.
        allowed_networks=["127.0.0.0/8"],
    )
    (tmp_path / "inputs").mkdir()
    return Runner(tmp_path, settings, LocalStorage(tmp_path / "out", PUBLIC_URL))


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[FileServer]:
    root = tmp_path / "served"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FileServer(root, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
