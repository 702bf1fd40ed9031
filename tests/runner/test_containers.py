"""Tools in their containers under real Docker (tests/images/start-dockerd.sh) and Podman, images built locally.

Each test runs a job the way the supervisor's child does, in this process; the engine is real, and nothing is
pulled (pull policy `never`: the images come from tests/images/build.sh).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from swath.errors import JobFailed
from swath.settings import Settings
from swath.storage import LocalStorage
from tests.conftest import DATA
from tests.runner.harness import PUBLIC_URL, FileServer, Runner, load_cwl, make_job, make_process

CONTAINERS = DATA / "containers"


@pytest.fixture(params=["docker", "podman"])
def engine(request: pytest.FixtureRequest) -> str:
    """Each test runs under Docker and under Podman."""
    request.getfixturevalue(request.param)
    return str(request.param)


@pytest.fixture
def runner(tmp_path: Path, engine: str) -> Runner:
    settings = Settings(
        data_dir=tmp_path / "data",
        public_url=PUBLIC_URL,
        container_runtime=engine,
        container_pull_policy="never",
        # The one network a NetworkAccess tool may join in tests: the host's loopback, where the test's server is.
        container_network="host",
        allowed_input_roots=[tmp_path / "inputs"],
    )
    (tmp_path / "inputs").mkdir()
    return Runner(tmp_path, settings, LocalStorage(tmp_path / "out", PUBLIC_URL))


def _process(name: str, inputs: dict[str, dict[str, str]] | None = None):  # type: ignore[no-untyped-def]
    document = load_cwl("../containers/" + name)
    return make_process(document, document.get("id", "main"), inputs)


def _report(runner: Runner) -> dict[str, str]:
    source = runner.root / "inputs" / "input.txt"
    source.write_text("input\n", encoding="utf-8")
    process = _process("inspect.cwl", {"text": {"x-cwl-class": "File"}})
    run = runner.run(make_job(process, {"text": {"href": source.as_uri()}}), process)
    lines = str(run.results.outputs["report"].value).splitlines()
    return dict(line.split(" ", 1) for line in lines)


def test_a_tool_runs_in_its_image_as_an_unprivileged_user(runner: Runner) -> None:
    report = _report(runner)

    assert report["uid"] == "65534"


def test_a_tool_writes_only_into_its_output_directory(runner: Runner) -> None:
    report = _report(runner)

    assert report["root"] == "read-only"
    assert report["input"] == "read-only"
    assert report["output"] == "writable"
    assert (runner.root / "inputs" / "input.txt").read_text(encoding="utf-8") == "input\n"


def test_a_tool_gets_the_cpu_and_memory_limits_of_its_resource_requirement(runner: Runner) -> None:
    report = _report(runner)

    assert report["memory"] == str(64 * 1024 * 1024)
    assert report["cpu"] in ("100000", "100000 100000")  # one core: a full period of quota (cgroup v1, v2)


def test_two_tools_run_in_two_images_and_the_log_names_each_image_and_its_id(runner: Runner, engine: str) -> None:
    process = _process("two-images.cwl")
    run = runner.run(make_job(process, {"number": 21}), process)

    image_id = subprocess.run(
        [engine, "image", "inspect", "--format", "{{.Id}}", "localhost/swath-test/python:1"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.strip()
    assert run.results.outputs["doubled"].value.strip() == "42"
    assert f"runs in {engine} image localhost/swath-test/python:1 (id {image_id}" in run.log
    assert f"runs in {engine} image localhost/swath-test/busybox:1 (id " in run.log


def test_a_tool_without_network_access_reaches_nothing(runner: Runner, file_server: FileServer) -> None:
    url = file_server.add("page.txt", "hello")
    process = _process("network.cwl")

    run = runner.run(make_job(process, {"url": url, "allow": False}), process)

    assert run.results.outputs["answer"].value.strip() == "unreachable"


def test_a_tool_that_declares_network_access_joins_the_configured_network(
    runner: Runner, file_server: FileServer
) -> None:
    url = file_server.add("page.txt", "hello")
    process = _process("network.cwl")

    run = runner.run(make_job(process, {"url": url, "allow": True}), process)

    assert run.results.outputs["answer"].value.strip() == "reached"


def test_a_tool_over_its_memory_limit_fails_the_job_with_that_reason(runner: Runner) -> None:
    process = _process("memory.cwl")

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert str(failure.value) == "Tool 'memory' exceeded its memory limit of 16 MiB and was stopped."


def test_a_missing_image_fails_the_job_at_once_naming_the_image_and_the_engines_reason(
    runner: Runner, engine: str
) -> None:
    process = _process("missing-image.cwl")
    started = time.monotonic()

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert time.monotonic() - started < 10
    message = str(failure.value)
    assert message.startswith(
        "Tool 'missing-image' cannot run in its container: image 'localhost/swath-test/missing:1' is not on this "
        f"worker and the pull policy is never ({engine}: "
    )
    assert "no such image" in message.lower() or "image not known" in message  # docker's words, podman's


def test_no_container_of_a_job_is_left_after_it_ends(runner: Runner, engine: str) -> None:
    process = _process("memory.cwl")
    job = make_job(process, {})
    with pytest.raises(JobFailed):
        runner.run(job, process)

    listed = subprocess.run(
        [engine, "ps", "--all", "--quiet", "--filter", f"label=swath.job={job.id}"],
        capture_output=True,
        check=True,
        text=True,
    )
    assert listed.stdout.strip() == ""


def test_a_tool_that_names_no_image_runs_on_the_host_where_allowed_and_the_log_says_so(runner: Runner) -> None:
    process = _process("host-tool.cwl")

    run = runner.run(make_job(process, {}), process)

    assert "Tool 'host-tool' runs on the host: it names no image (no DockerRequirement)." in run.log


def test_a_tool_that_names_no_image_fails_where_host_tools_are_not_allowed(runner: Runner) -> None:
    runner.settings = runner.settings.model_copy(update={"allow_host_tools": False})
    process = _process("host-tool.cwl")

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert "Tool 'host-tool' would run on the host, and this service runs no tool on the host" in str(failure.value)


def test_an_image_on_the_worker_is_not_pulled_with_the_default_policy(runner: Runner) -> None:
    runner.settings = runner.settings.model_copy(update={"container_pull_policy": "if-not-present"})
    process = _process("two-images.cwl")

    run = runner.run(make_job(process, {"number": 1}), process)

    assert "Pulling image" not in run.log


def test_a_pull_that_fails_fails_the_job_with_the_engines_reason(runner: Runner, engine: str) -> None:
    # `always` pulls even an image that is present; localhost/... names a registry on this machine's port 80/443,
    # where none listens: the pull is refused without leaving the machine.
    runner.settings = runner.settings.model_copy(update={"container_pull_policy": "always"})
    process = _process("missing-image.cwl")
    job = make_job(process, {})

    with pytest.raises(JobFailed) as failure:
        runner.run(job, process)

    assert str(failure.value).startswith(
        "Tool 'missing-image' cannot run in its container: image 'localhost/swath-test/missing:1' could not be "
        f"pulled ({engine}: "
    )
    assert f"Pulling image localhost/swath-test/missing:1 with {engine}." in runner.log_path(job).read_text()
