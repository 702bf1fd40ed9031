"""From a notebook to results: `swath app build` (the real command), the catalog, a deploy and a job that runs the
notebook with the real papermill, on the host and, where the container tests run, in an image built here."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.cli.test_cli import as_json, swath
from tests.conftest import REPO, Server, make_server
from tests.e2e.helpers import submit, wait_for_status

EXAMPLES = REPO / "swath" / "examples"
EXAMPLE_NOTEBOOK = EXAMPLES / "notebooks" / "band-stats.ipynb"
SAMPLE_CATALOG = (EXAMPLES / "data" / "sample-catalog" / "catalog.json").as_uri()
NOTEBOOK_IMAGE = "localhost/swath-test/notebook:1"
# A notebook job starts a Jupyter kernel: about 10 s on this 2-core machine, more when other tests run beside it.
JOB_TIMEOUT = 180


def run_job(client: httpx.Client, process: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    job_id = submit(client, process, {"inputs": inputs})
    status = wait_for_status(client, job_id, timeout=JOB_TIMEOUT)
    assert status["status"] == "successful", client.get(f"/jobs/{job_id}/logs").text
    return job_id, client.get(f"/jobs/{job_id}/results").json()


def catalog_files(client: httpx.Client, catalog_href: str) -> dict[str, httpx.Response]:
    """Every data asset of every item of a served STAC catalog, by asset href."""
    catalog = client.get(catalog_href).json()
    found = {}
    for link in catalog["links"]:
        if link["rel"] == "item":
            item_url = httpx.URL(catalog_href).join(link["href"])
            for asset in client.get(item_url).json()["assets"].values():
                found[asset["href"]] = client.get(item_url.join(asset["href"]))
    return found


def executed_cells(client: httpx.Client, results: dict[str, Any]) -> list[dict[str, Any]]:
    notebook = client.get(results["executed_notebook"]["href"]).json()
    cells: list[dict[str, Any]] = notebook["cells"]
    return cells


def band_statistics(client: httpx.Client, results: dict[str, Any]) -> dict[str, Any]:
    assert results["results"]["href"].endswith("/catalog.json")
    files = catalog_files(client, results["results"]["href"])
    [stats] = [response.json() for href, response in files.items() if href.endswith("band-stats.json")]
    return {entry["item"]: entry for entry in stats["statistics"]}


def test_the_example_notebook_is_built_registered_deployed_and_run_on_the_host(server: Server, tmp_path: Path) -> None:
    package = tmp_path / "band-stats.cwl"
    build = ("app", "build", str(EXAMPLE_NOTEBOOK), "--no-image", "--deploy", "--output", str(package), "--json")
    report = as_json(swath(*build, url=server.url))
    assert report["registered"]["name"] == "band-stats" and report["deployed"]["id"] == "band-stats"
    assert report["inputs"] == ["input_catalog", "decimals", "media_types"]
    assert any("names no image" in note for note in report["notes"])
    assert yaml.safe_load(package.read_text())["s:softwareVersion"] == "1.0.0"
    with httpx.Client(base_url=server.url, timeout=60) as client:
        description = client.get("/processes/band-stats").json()
        assert set(description["outputs"]) == {"results", "executed_notebook"}
        assert description["inputs"]["decimals"]["schema"]["default"] == 3

        _, results = run_job(client, "band-stats:1.0.0", {"input_catalog": {"href": SAMPLE_CATALOG}, "decimals": 2})

        statistics = band_statistics(client, results)
        assert statistics["field-a"] | {"mean": None} == {
            "item": "field-a", "asset": "red", "lines": 4, "count": 20, "min": 0.07, "max": 0.25, "mean": None,
        }  # fmt: skip
        assert statistics["field-a"]["mean"] == 0.15  # 0.147 to the 2 decimals the job asked for
        assert statistics["field-b"]["mean"] == 31.25
        cells = executed_cells(client, results)
        injected = [cell for cell in cells if "injected-parameters" in cell["metadata"].get("tags", [])]
        assert "decimals = 2" in "".join(injected[0]["source"])
        assert any("wrote" in "".join(output.get("text", "")) for cell in cells for output in cell.get("outputs", []))


def notebook_repository(folder: Path) -> Path:
    """A git repository with two notebooks, its config choosing `greet.ipynb`, which writes a file and no catalog."""
    folder.mkdir()
    greet = new_notebook(
        cells=[
            new_markdown_cell("# Greeter\nWrites a greeting, as many times as asked."),
            new_code_cell(
                'greeting = "hello"\ntimes: int = 1\nout = "out"  # type: stage-out', metadata={"tags": ["parameters"]}
            ),
            new_code_cell(
                "import os\nos.makedirs(out, exist_ok=True)\n"
                "with open(os.path.join(out, 'greeting.txt'), 'w') as stream:\n"
                "    stream.write(' '.join([greeting] * times))"
            ),
        ]
    )  # fmt: skip
    nbformat.write(greet, folder / "greet.ipynb")
    other = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]})])
    nbformat.write(other, folder / "other.ipynb")
    (folder / "swath-app.yaml").write_text("notebook: greet.ipynb\nname: greeter\nversion: 0.3.0\n")
    for command in (["init", "--quiet"], ["add", "."], ["commit", "--quiet", "-m", "Greeter notebook"]):
        subprocess.run(
            ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org", *command], cwd=folder, check=True
        )
    return folder


def test_a_git_repository_is_cloned_and_its_configured_notebook_built_and_run(server: Server, tmp_path: Path) -> None:
    repository = notebook_repository(tmp_path / "greeter")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True).stdout.strip()
    url = repository.as_uri()
    package = tmp_path / "greeter.cwl"

    report = as_json(
        swath("app", "build", url, "--no-image", "--deploy", "--output", str(package), "--json", url=server.url)
    )

    assert (report["name"], report["version"], report["inputs"]) == ("greeter", "0.3.0", ["greeting", "times"])
    document = yaml.safe_load(package.read_text())
    assert document["s:codeRepository"] == url
    assert commit in document["$graph"][1]["doc"]
    assert report["registered"]["metadata"]["codeRepository"] == url
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _, results = run_job(client, "greeter:0.3.0", {"greeting": "hi", "times": 3})
        # The notebook wrote no catalog: the job made one, an item for its one file.
        files = catalog_files(client, results["results"]["href"])
    assert [response.text for response in files.values()] == ["hi hi hi"]


def test_a_repository_with_two_notebooks_and_no_choice_is_refused_with_both_names(tmp_path: Path) -> None:
    repository = notebook_repository(tmp_path / "greeter")
    (repository / "swath-app.yaml").unlink()

    result = swath("app", "build", str(repository), "--no-image", cwd=tmp_path)

    assert result.returncode == 2
    assert "holds 2 notebooks (greet.ipynb, other.ipynb); choose one with --notebook" in result.stderr
    chosen = swath("app", "build", str(repository), "--notebook", "other.ipynb", "--no-image", cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.startswith("Wrote other.cwl: application other:1.0.0\n  inputs: x\n  --no-image:")
    assert (tmp_path / "other.cwl").is_file()


def test_a_notebook_whose_parameters_cell_computes_a_value_is_refused_with_its_line(tmp_path: Path) -> None:
    notebook = new_notebook(cells=[new_code_cell("n = 2\nm = n * 2", metadata={"tags": ["parameters"]})])
    nbformat.write(notebook, tmp_path / "computed.ipynb")

    result = swath("app", "build", str(tmp_path / "computed.ipynb"), "--no-image", cwd=tmp_path)

    assert result.returncode == 2
    assert "computed.ipynb, line 2: the value of 'm' (`n * 2`) is not a literal" in result.stderr
    assert not (tmp_path / "computed.cwl").exists()


def test_the_example_notebook_runs_in_an_image_built_from_its_folder(docker: str, tmp_path: Path) -> None:
    source = tmp_path / "band-stats"
    source.mkdir()
    shutil.copy(EXAMPLE_NOTEBOOK, source / "band-stats.ipynb")
    (source / "requirements.txt").write_text("# the standard library is enough\n")
    package = tmp_path / "band-stats.cwl"

    build = ("app", "build", str(source), "--base-image", NOTEBOOK_IMAGE, "--version", "2.0.0", "--json")
    report = as_json(swath(*build, "--output", str(package)))

    image = "localhost/swath-app/band-stats:2.0.0"
    assert report["image"] == image
    assert f"built {image} with docker from {NOTEBOOK_IMAGE}" in report["notes"]
    server = make_server(tmp_path / "server", container_runtime="docker", allow_host_tools="false")
    server.environment["DOCKER_HOST"] = docker
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            registered = client.post("/applications", content=package.read_bytes(), params={"name": "band-stats"},
                                     headers={"Content-Type": "application/cwl+yaml"})  # fmt: skip
            assert registered.status_code == 201, registered.text
            assert registered.json()["version"] == "2.0.0"
            assert registered.json()["metadata"]["containers"] == [image]
            assert registered.json()["warnings"] == []
            deployed = as_json(swath("app", "deploy", "band-stats:2.0.0", "--json", url=server.url))
            assert deployed["id"] == "band-stats"

            job_id, results = run_job(client, "band-stats:2.0.0", {"input_catalog": {"href": SAMPLE_CATALOG}})

            assert f"runs in docker image {image} (id " in client.get(f"/jobs/{job_id}/logs").text
            assert band_statistics(client, results)["field-b"]["count"] == 3
            assert json.dumps(executed_cells(client, results)).count("injected-parameters") == 1
    finally:
        server.stop()
        subprocess.run(["docker", "rmi", "--force", image], capture_output=True, check=False)


@pytest.fixture(autouse=True)
def _git_needs_no_global_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """git reads the tester's configuration; these tests give it an empty one."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
