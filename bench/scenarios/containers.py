"""7. Container overhead: one trivial job at a time whose tool runs in its container (Docker, Podman) or on the host.

Baselines, in the same run on the same package: `cwltool` run as a command with the same engine (`cwltool --podman`
for Podman), and a bare `docker run` / `podman run` of the same image and command. The image is built locally by
tests/images/build.sh (no registry is contacted; cwltool runs with --disable-pull). Docker is the one DOCKER_HOST
names; Podman is configured by CONTAINERS_CONF, tests/images/containers.conf unless set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from bench.options import Options
from bench.report import Run
from bench.scenarios.overhead import _one_job
from bench.servers import DATA, REPO, SwathServer, deploy, running
from bench.stats import Figure, Summary, Unavailable

SCENARIO = "7 containers"
IMAGE = "localhost/swath-test/busybox:1"
TOOL = DATA / "echo-container.cwl"


def run(results: Run, options: Options) -> None:
    # Set here, not only for the commands: the servers take this process's environment (servers.child_environment).
    os.environ.setdefault("CONTAINERS_CONF", str(REPO / "tests" / "images" / "containers.conf"))
    environment = {**os.environ}
    for engine in options.engines:
        if engine == "host":
            results.add(Figure(SCENARIO, "Swath, tool on the host", "ms", _swath(options, "none")))
            continue
        reason = _prepare(engine, environment)
        if reason is not None:
            results.unavailable.append(Unavailable(SCENARIO, engine, reason))
            continue
        bare = Figure(SCENARIO, f"bare `{engine} run`", "ms", Summary.of(_bare_runs(engine, options, environment)))
        cwltool = Figure(SCENARIO, f"cwltool --{engine}", "ms", Summary.of(_cwltool_runs(engine, options, environment)))
        swath = _swath(options, engine)
        results.add(
            Figure(SCENARIO, f"Swath, tool in {engine}", "ms", swath, baseline=cwltool),
            cwltool,
            bare,
        )


def _prepare(engine: str, environment: dict[str, str]) -> str | None:
    """Build the image in `engine`; None when that worked, else why the variant cannot run."""
    script = str(REPO / "tests" / "images" / "build.sh")
    build = subprocess.run([script, engine], env=environment, capture_output=True, text=True, check=False)
    if build.returncode != 0:
        return f"the test image could not be built: {(build.stderr.strip().splitlines() or ['?'])[-1]}"
    return None


def _swath(options: Options, runtime: str) -> Summary:
    settings = {"workers": str(options.workers), "container_runtime": runtime}
    server = SwathServer(options.work_dir / f"containers-{runtime}", settings=settings)
    with running(server), httpx.Client(base_url=server.url, timeout=60) as client:
        process_id = deploy(client, TOOL)
        _one_job(client, process_id)  # the first job loads the tool and warms the engine
        samples = [_one_job(client, process_id)[0] for _ in range(options.container_jobs)]
    return Summary.of(samples)


def _cwltool_runs(engine: str, options: Options, environment: dict[str, str]) -> list[float]:
    command = [sys.executable, "-m", "cwltool", "--quiet", "--disable-pull", "--outdir", str(options.work_dir / "cwl")]
    command += ["--podman"] if engine == "podman" else []
    command += [str(TOOL), str(DATA / "echo-job.yml")]
    return [_timed(command, environment) for _ in range(options.cwltool_runs)]


def _bare_runs(engine: str, options: Options, environment: dict[str, str]) -> list[float]:
    command = [engine, "run", "--rm", "--net=none", "--pull=never", IMAGE, "echo", "hello"]
    return [_timed(command, environment) for _ in range(options.container_jobs)]


def _timed(command: list[str], environment: dict[str, str]) -> float:
    begin = time.perf_counter()
    subprocess.run(command, env=environment, check=True, capture_output=True)
    return (time.perf_counter() - begin) * 1000
