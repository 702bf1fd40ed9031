"""The Unity tutorial "Working with Processes and Jobs", its cells as written but for the import, run with nbclient
against an application with no inputs and no output named `output`, on a server so busy that the job is still
`accepted` when the tutorial first asks; and the shipped notebook beside a process with no description."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO, Server, make_server
from tests.e2e.helpers import ASYNC, ensure_deployed, wait_for_status
from tests.examples.test_notebook import NOTEBOOK

# No inputs, one output that is not called `output`, and no label or doc: an empty description.
REPORT_CWL = """\
cwlVersion: v1.2
class: CommandLineTool
id: unity-report
baseCommand: [echo, report written]
inputs: []
outputs:
  report:
    type: stdout
stdout: report.txt
"""

# The tutorial's cells; only the import differs from Unity's (`from unity_py import api` there).
TUTORIAL_CELLS = [
    "import json\nimport time\n\nfrom swath.client import api",
    'app_name = "unity-report"',
    'apps = api.get_apps()\nfor app in apps:\n    print(app["id"], app["processVersion"])',
    'data = {\n    "mode": "async",\n    "response": "document",\n    "inputs": [],\n'
    '    "outputs": [{"id": "output", "transmissionMode": "reference"}],\n}\n'
    "job_id = api.submit_job(app_name, data)\nprint(job_id)",
    'status = api.get_job_status(app_name, job_id)\nprint(f"first status: {status}")\n'
    'while status == "running":\n    time.sleep(5)\n    status = api.get_job_status(app_name, job_id)\nprint(status)',
    "job = api.get_job_by_id(app_name, job_id)\nprint(json.dumps(job, indent=2))",
    'for listed in api.get_jobs_for_app(app_name):\n    print(listed["jobID"], listed["status"])',
]


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # One runner, kept busy by a sleeper: the tutorial's job waits in the queue, `accepted`.
    server = make_server(tmp_path_factory.mktemp("tutorial"), workers="1").start()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        deployed = http.post("/processes", content=REPORT_CWL, headers={"Content-Type": "application/cwl+yaml"})
        assert deployed.status_code == 201, deployed.text
    yield server
    server.stop()


def _run(notebook: nbformat.NotebookNode, server: Server, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SWATH_URL", server.url)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return "\n".join(
        output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_the_tutorial_runs_as_written(busy_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with httpx.Client(base_url=busy_server.url, timeout=60) as http:
        sleeper = ensure_deployed(http, "sleeper")
        busy = http.post(f"/processes/{sleeper}/execution", json={"inputs": {"seconds": 20}}, headers=ASYNC)
        wait_for_status(http, busy.json()["jobID"], {"running"})
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in TUTORIAL_CELLS])
        printed = _run(notebook, busy_server, tmp_path, monkeypatch)
        assert "unity-report:" in printed
        assert "first status: accepted" in printed
        job_id = notebook.cells[3].outputs[0]["text"].strip()
        assert f'"jobID": "{job_id}"' in printed
        assert f"{job_id} accepted" in printed or f"{job_id} running" in printed
        # The job runs to the end, with every output of the process, and its log says what was ignored.
        http.delete(f"/jobs/{busy.json()['jobID']}")
        assert wait_for_status(http, job_id)["status"] == "successful"
        log = http.get(f"/jobs/{job_id}/logs").text
        assert "Ignored the requested output(s) output: not outputs of process 'unity-report' (it has: report)." in log
        assert "report" in http.get(f"/jobs/{job_id}/results").json()
        # The OGC face still refuses the output it lacks.
        refused = http.post("/processes/unity-report/execution", json={"outputs": {"output": {}}})
        assert refused.status_code == 400
        assert "Output 'output' is not an output of process 'unity-report'" in refused.json()["detail"]


def test_get_job_by_id_holds_results_once_the_job_has_them(
    busy_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from swath.client import api

    api.configure(busy_server.url)
    try:
        job_id = api.submit_job("unity-report", {"inputs": [], "outputs": [{"id": "output"}]})
        with httpx.Client(base_url=busy_server.url, timeout=60) as http:
            wait_for_status(http, job_id)
        document = api.get_job_by_id("unity-report", job_id)
    finally:
        api.configure()  # closes the connection to this server
    assert (document["jobID"], document["status"]) == (job_id, "successful")
    [report] = document["outputs"]
    assert report["id"] == "report"
    assert document["stac_catalog"]["href"].endswith(f"/jobs/{job_id}/outputs/catalog.json")


def test_the_shipped_notebook_survives_a_process_without_description(
    busy_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with httpx.Client(base_url=busy_server.url, timeout=60) as http:
        assert http.get("/processes/unity-report").json().get("description", "") == ""
    printed = _run(nbformat.read(NOTEBOOK, as_version=4), busy_server, tmp_path, monkeypatch)
    assert "Process ID: unity-report:1.0.0" in printed
