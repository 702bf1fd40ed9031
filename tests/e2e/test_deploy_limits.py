"""Deploys are validated in a child with a CPU-time limit, outside any lock of the API: a package that costs too
much is refused naming the limit, and a small deploy and reads go through meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from tests.conftest import DATA, make_server
from tests.ogc_schemas import validate

_YAML = {"Content-Type": "application/cwl+yaml"}


def _costly_package(size: int) -> bytes:
    """A valid package whose validation takes minutes: ruamel's and cwltool's work grows faster than linearly in
    the keys of one mapping (bench/limits.py)."""
    head = "cwlVersion: v1.2\nclass: CommandLineTool\nid: costly\nbaseCommand: [echo]\noutputs: []\ninputs:\n"
    line = "  input_{n:06d}: {{type: string?, doc: " + "x" * 40 + "}}\n"
    return (head + "".join(line.format(n=n) for n in range(size // len(line.format(n=0))))).encode()


def test_a_package_past_the_cpu_limit_is_refused_naming_it_while_a_small_deploy_and_reads_go_through(
    tmp_path: Path,
) -> None:
    server = make_server(tmp_path, deploy_cpu_limit="4", deploy_examples="false").start()
    costly: list[httpx.Response] = []
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            worker = threading.Thread(
                target=lambda: costly.append(client.post("/processes", content=_costly_package(400_000), headers=_YAML))
            )
            started = time.monotonic()
            worker.start()
            small = client.post("/processes", content=(DATA / "e2e" / "greet.cwl").read_bytes(), headers=_YAML)
            listed = client.get("/processes")
            # Both answered while the costly package was still being validated.
            assert worker.is_alive(), f"the costly deploy ended after {time.monotonic() - started:.1f} s"
            worker.join(300)
    finally:
        server.stop()
    assert small.status_code == 201, small.text
    assert listed.status_code == 200 and "greet" in {item["id"] for item in listed.json()["processes"]}
    refused = costly[0]
    assert refused.status_code == 400, refused.text
    document = refused.json()
    validate(document, "exception.yaml")
    assert "SWATH_DEPLOY_CPU_LIMIT" in document["detail"] and "4 s of CPU" in document["detail"]


def test_a_package_within_the_limits_deploys_with_its_description(tmp_path: Path) -> None:
    server = make_server(tmp_path, deploy_examples="false").start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            deployed = client.post("/processes", content=(DATA / "e2e" / "greet.cwl").read_bytes(), headers=_YAML)
            assert deployed.status_code == 201, deployed.text
            description = client.get("/processes/greet").json()
            broken = client.post("/processes", content=b"cwlVersion: v1.2\nclass: CommandLineTool\nid: x\n"
                                 b"inputs: {a: {type: nosuchtype}}\noutputs: []\nbaseCommand: [x]\n", headers=_YAML)
    finally:
        server.stop()
    assert list(description["inputs"]) == ["name", "times"] and list(description["outputs"]) == ["greeting", "length"]
    # cwltool's own message still reaches the client from the child.
    assert broken.status_code == 400 and "nosuchtype" in broken.json()["detail"]
