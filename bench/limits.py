"""`python -m bench.limits`: what the request limits cost a client that sends too much, and what a large deploy
does to reads meanwhile. Prints the figures; a fresh embedded server (SQLite) on this machine, loopback only.

- a 62 MB execute body (the size once seen echoed back whole): time to the 413;
- a 519-byte YAML alias bomb (ten aliases a level, nine levels): time to the 400;
- a package of 100 kB with many inputs (1,264), deployed while `GET /processes` is read in a loop: the deploy's
  time, and the reads' median and slowest latency during it;
- the same package deployed while a small package (tests/data/e2e/greet.cwl) is deployed beside it: how long the
  small deploy takes meanwhile (it waited behind the large one's validation while both ran in the API process, under
  one cwltool lock; run this script from an older checkout for the figure before).

Far below the 10 MB limit: a valid package of 1 MB took longer than eight minutes to validate (ruamel's round-trip
documents and cwltool's deep copies of them grow faster than linearly with a mapping's keys).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.servers import ServeProcess, child_environment, free_port


def _timed(call: object) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = call()  # type: ignore[operator]
    return time.perf_counter() - started, response


def _alias_bomb() -> bytes:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    return ("cwlVersion: v1.2\nclass: CommandLineTool\n" + "\n".join(levels) + "\n").encode()


def _large_package(target: int) -> bytes:
    head = "cwlVersion: v1.2\nclass: CommandLineTool\nid: large\nbaseCommand: [echo]\noutputs: []\ninputs:\n"
    line = "  input_{n:06d}: {{type: string?, doc: " + "x" * 40 + "}}\n"
    count = (target - len(head)) // len(line.format(n=0))
    return (head + "".join(line.format(n=n) for n in range(count))).encode()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        environment = child_environment(
            {"SWATH_PUBLIC_URL": f"http://127.0.0.1:{port}", "SWATH_DEPLOY_EXAMPLES": "false", "SWATH_WORKERS": "1"}
        )
        server = ServeProcess(data_dir=Path(folder) / "data", environment=environment, port=port).start()
        try:
            with httpx.Client(base_url=server.url, timeout=600) as client:
                body = b'{"inputs": {"x": "' + b"y" * 62_000_000 + b'"}}'
                took, response = _timed(
                    lambda: client.post(
                        "/processes/echo/execution", content=body, headers={"Content-Type": "application/json"}
                    )
                )
                print(f"62 MB execute body: {response.status_code} in {took * 1000:.1f} ms")
                took, response = _timed(
                    lambda: client.post(
                        "/processes", content=_alias_bomb(), headers={"Content-Type": "application/cwl+yaml"}
                    )
                )
                print(f"{len(_alias_bomb())}-byte YAML alias bomb: {response.status_code} in {took * 1000:.1f} ms")
                _deploy_while_reading(server.url, _large_package(100_000))
                _small_deploy_beside_large(server.url, _large_package(100_000).replace(b"id: large", b"id: large-2"))
        finally:
            server.stop()


def _deploy_while_reading(url: str, package: bytes) -> None:
    latencies: list[float] = []
    done = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=url, timeout=600) as reader:
            while not done.is_set():
                took, _ = _timed(lambda: reader.get("/processes"))
                latencies.append(took)

    with httpx.Client(base_url=url, timeout=600) as client:
        quiet = [_timed(lambda: client.get("/processes"))[0] for _ in range(50)]
        thread = threading.Thread(target=read)
        thread.start()
        took, response = _timed(
            lambda: client.post("/processes", content=package, headers={"Content-Type": "application/cwl+yaml"})
        )
        done.set()
        thread.join()
    print(f"{len(package) / 1e3:.0f} kB package deploy: {response.status_code} in {took:.1f} s")
    print(
        f"GET /processes median: {statistics.median(quiet) * 1000:.1f} ms quiet; during the deploy "
        f"{statistics.median(latencies) * 1000:.1f} ms median, {max(latencies) * 1000:.1f} ms slowest "
        f"({len(latencies)} reads)"
    )


def _small_deploy_beside_large(url: str, package: bytes) -> None:
    """Small deploys (and undeploys) one after another for as long as the large deploy lasts: the slowest of them
    shows a wait behind the large one's validation, whichever phase of it they meet."""
    small = (Path(__file__).resolve().parents[1] / "tests" / "data" / "e2e" / "greet.cwl").read_bytes()
    yaml = {"Content-Type": "text/yaml"}
    answers: list[tuple[float, httpx.Response]] = []
    with httpx.Client(base_url=url, timeout=600) as client:
        alone, _ = _timed(lambda: client.post("/processes", content=small, headers=yaml))
        client.delete("/processes/greet")
        large = threading.Thread(
            target=lambda: answers.append(_timed(lambda: client.post("/processes", content=package, headers=yaml)))
        )
        large.start()
        beside: list[float] = []
        codes: set[int] = set()
        while large.is_alive():
            took, response = _timed(lambda: client.post("/processes", content=small, headers=yaml))
            beside.append(took)
            codes.add(response.status_code)
            client.delete("/processes/greet")
        large.join()
    print(
        f"small deploy: {alone * 1000:.0f} ms alone; beside a {len(package) / 1e3:.0f} kB deploy that took "
        f"{answers[0][0]:.1f} s ({answers[0][1].status_code}): {len(beside)} small deploys {sorted(codes)}, "
        f"{statistics.median(beside) * 1000:.0f} ms median, {max(beside) * 1000:.0f} ms slowest"
    )


if __name__ == "__main__":
    main()
