"""The tutorial notebook runs end to end against a real server, as a user runs it: every cell must succeed."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO, Server

NOTEBOOK = REPO / "swath" / "examples" / "notebooks" / "processes-and-jobs.ipynb"


def test_the_committed_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert (cell.outputs, cell.execution_count) == ([], None), cell.source[:60]


def test_the_processes_and_jobs_notebook_runs(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernel inherits this environment: the server's address, and this checkout on the import path.
    monkeypatch.setenv("SWATH_URL", server.url)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    texts = [
        output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    ]
    printed = "\n".join(texts)
    assert "Process ID: scatter-squares:1.0.0" in printed
    assert "is successful" in printed
    assert "No process with id 'l1b-cwl:develop' is deployed." in printed
    assert (tmp_path / "word-count-output" / "catalog.json").is_file()
    # Waiting shows one display, updated in place, never an output per poll.
    [waiting] = [cell for cell in notebook.cells if "wait=True" in cell.source]
    assert [output.output_type for output in waiting.outputs].count("display_data") == 1
