"""Running CWL tools and workflows with real cwltool, on the host (no container engine on these machines)."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from swath.errors import JobFailed
from swath.runner import cwl as cwl_module
from swath.runner.cwl import (
    NO_RUNTIME_NOTE,
    load_process_tool,
    move_docker_requirements,
    select_container_runtime,
    warm_up,
)
from tests.runner.harness import FileServer, Runner, load_cwl, make_job, make_process

FILE_INPUT = {"text": {"x-cwl-class": "File"}}


def _text_file(runner: Runner, name: str, content: str) -> Path:
    path = runner.root / "inputs" / name
    path.write_text(content, encoding="utf-8")
    return path


def test_a_tool_counts_the_lines_of_a_local_file_and_its_outputs_are_stored(runner: Runner) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    source = _text_file(runner, "three.txt", "a\nb\nc\n")
    job = make_job(process, {"text": {"href": source.as_uri()}})

    run = runner.run(job, process)

    assert run.results.outputs["count"].value.strip() == "3"
    (stored,) = run.results.outputs["lines"].files
    assert run.results.outputs["lines"].cwl_class == "File"
    assert stored.key == f"jobs/{job.id}/lines/lines.txt"
    assert stored.href == f"http://testserver/jobs/{job.id}/outputs/lines/lines.txt"
    content = runner.storage.local_path(stored.key).read_bytes()
    assert content.strip() == b"3"
    assert stored.checksum == "sha256:" + hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert stored.media_type == "text/plain"


def test_an_absolute_path_input_is_used_in_place(runner: Runner) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    source = _text_file(runner, "two.txt", "a\nb\n")
    job = make_job(process, {"text": {"href": str(source)}})

    run = runner.run(job, process)

    assert run.results.outputs["count"].value.strip() == "2"
    assert not (runner.root / "work" / job.id / "inputs").exists()


def test_without_a_container_engine_the_docker_requirement_moves_to_hints_and_the_log_says_so(
    runner: Runner,
) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    job = make_job(process, {"text": {"href": _text_file(runner, "one.txt", "a\n").as_uri()}})

    run = runner.run(job, process)

    assert NO_RUNTIME_NOTE in run.log
    assert "[job wc] completed success" in run.log


def test_a_tool_reports_progress_from_0_to_100(runner: Runner) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    job = make_job(process, {"text": {"href": _text_file(runner, "one.txt", "a\n").as_uri()}})

    run = runner.run(job, process)

    percents = [percent for percent, _ in run.progress]
    assert percents[0] == 0
    assert percents[-1] == 100
    assert percents == sorted(percents)


def test_a_tool_that_exits_with_code_3_fails_the_job_and_its_stderr_is_in_the_log(runner: Runner) -> None:
    process = make_process(load_cwl("fail.cwl"), "fail")
    job = make_job(process, {})

    with pytest.raises(JobFailed) as failure:
        runner.run(job, process)

    assert str(failure.value) == "Tool 'fail' failed with exit code 3; see the job log."
    assert "something went wrong on purpose" in runner.log_path(job).read_text(encoding="utf-8")


def test_inputs_that_do_not_fit_the_tool_fail_the_job_with_cwltools_reason(runner: Runner) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    job = make_job(process, {})

    with pytest.raises(JobFailed, match="text"):
        runner.run(job, process)


def test_a_scattered_workflow_runs_every_step_and_reports_progress_up_to_100(
    runner: Runner, file_server: FileServer
) -> None:
    process = make_process(load_cwl("scatter.cwl"), "main", {"texts": {"x-cwl-class": "File"}})
    urls = [file_server.add(f"texts/{n}.txt", "line\n" * n) for n in (1, 2, 4)]
    job = make_job(process, {"texts": [{"href": url} for url in urls]})

    run = runner.run(job, process)

    counts = run.results.outputs["counts"].files
    # The scatter's files share one name, so each goes under its index.
    assert [file.key for file in counts] == [f"jobs/{job.id}/counts/{index}/lines.txt" for index in range(3)]
    assert [runner.storage.local_path(file.key).read_text().strip() for file in counts] == ["1", "2", "4"]
    (total,) = run.results.outputs["total"].files
    assert runner.storage.local_path(total.key).read_text().strip() == "7"
    percents = [percent for percent, _ in run.progress]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    messages = [message for _, message in run.progress if message]
    assert "Step 'count' completed (1/2)." in messages
    assert "Step 'add' completed (2/2)." in messages
    assert NO_RUNTIME_NOTE in run.log


def test_docker_requirements_move_to_hints_in_every_object_of_a_graph_in_list_and_map_form() -> None:
    document: dict[str, Any] = {
        "$graph": [
            {"id": "a", "requirements": [{"class": "DockerRequirement", "dockerPull": "x"}, {"class": "Other"}]},
            {"id": "b", "requirements": {"DockerRequirement": {"dockerPull": "y"}}, "hints": [{"class": "H"}]},
            {"id": "c", "steps": {"s": {"run": {"requirements": [{"class": "DockerRequirement"}]}}}},
        ]
    }

    moved, changed = move_docker_requirements(document)

    assert changed
    a, b, c = moved["$graph"]
    assert a["requirements"] == [{"class": "Other"}]
    assert a["hints"] == [{"class": "DockerRequirement", "dockerPull": "x"}]
    assert b["requirements"] == []
    assert b["hints"] == [{"class": "H"}, {"class": "DockerRequirement", "dockerPull": "y"}]
    assert c["steps"]["s"]["run"]["hints"] == [{"class": "DockerRequirement"}]
    assert document["$graph"][0]["requirements"][0]["class"] == "DockerRequirement"


def test_warm_up_loads_cwltool_from_memory_so_that_forked_jobs_start_fast() -> None:
    warm_up("none")

    assert select_container_runtime("none") is None


def test_a_revision_is_loaded_once_per_data_directory_and_jobs_run_from_that_load(runner: Runner) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)
    first = load_process_tool(process, "none", runner.settings.process_dir)
    assert load_process_tool(process, "none", runner.settings.process_dir) is first
    assert load_process_tool(process, "none", runner.root / "elsewhere") is not first
    run = runner.run(make_job(process, {"text": {"href": _text_file(runner, "a.txt", "1\n2\n").as_uri()}}), process)
    assert run.results.outputs["count"].value.strip() == "2"


def test_a_document_cwltool_refuses_fails_the_job_with_cwltool_s_reason(runner: Runner) -> None:
    broken = {"cwlVersion": "v1.2", "class": "CommandLineTool", "id": "broken", "inputs": {}, "outputs": {"x": {}}}
    process = make_process(broken, None)
    with pytest.raises(JobFailed, match="The process's CWL document does not load: "):
        load_process_tool(process, "none", runner.settings.process_dir)


def test_supervisors_sharing_a_data_directory_load_one_revision_at_once(runner: Runner) -> None:
    # A Celery worker's pool processes write the same revision's document while others read it.
    process = make_process(load_cwl("wc.cwl"), "wc", FILE_INPUT)

    def load_repeatedly() -> None:
        for _ in range(40):
            cwl_module._LOADED.clear()
            load_process_tool(process, "none", runner.settings.process_dir)

    context = multiprocessing.get_context("fork")
    loaders = [context.Process(target=load_repeatedly) for _ in range(3)]
    for loader in loaders:
        loader.start()
    for loader in loaders:
        loader.join(60)
    assert [loader.exitcode for loader in loaders] == [0, 0, 0]
