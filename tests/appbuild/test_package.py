"""The package a notebook becomes, run by the real cwltool and papermill on the host, and its image recipe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pystac
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from swath.appbuild import launcher
from swath.appbuild.build import build_application
from swath.appbuild.images import derived_dockerfile, image_name
from swath.errors import ApplicationBuildFailed

CWLTOOL = Path(sys.executable).parent / "cwltool"


def test_the_launcher_holds_nothing_cwl_would_read_as_an_expression() -> None:
    text = Path(launcher.__file__).read_text(encoding="utf-8")
    assert "$(" not in text and "${" not in text


def write_notebook(path: Path, parameters: str, *cells: str, markdown: str = "# A notebook") -> Path:
    notebook = new_notebook(
        cells=[new_markdown_cell(markdown), new_code_cell(parameters, metadata={"tags": ["parameters"]})]
        + [new_code_cell(cell) for cell in cells]
    )
    nbformat.write(notebook, path)
    return path


def run_cwltool(package: str, folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    (folder / "package.cwl").write_text(package, encoding="utf-8")
    command = [str(CWLTOOL), "--quiet", "--no-container", "--outdir", str(folder / "out"), "package.cwl#main"]
    return subprocess.run([*command, *arguments], cwd=folder, capture_output=True, text=True, timeout=180)


def test_a_notebook_holding_cwl_expression_syntax_runs_as_written_and_reads_its_file_input(tmp_path: Path) -> None:
    # `$(inputs)` and `\$(` would be evaluated or unescaped by CWL in any text the package held as it is.
    markdown = "# Dollars\nCosts $(1 + 2) or \\$(x) and ${y}."
    source = write_notebook(
        tmp_path / "dollars.ipynb",
        'word = "a"\nsuffix = "s.txt"  # type: File\nout = "o"  # type: output',
        "import os\nend = open(suffix).read()\n"
        "open(os.path.join(out, 'said.txt'), 'w').write(word + ' $(inputs) \\\\$(x)' + end)",
        markdown=markdown,
    )
    built = build_application(str(source), with_image=False, container_runtime="none")

    (tmp_path / "end.txt").write_text("!")

    finished = run_cwltool(built.package, tmp_path, "--word", "b", "--suffix", str(tmp_path / "end.txt"))

    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "out" / "results" / "said.txt").read_text() == "b $(inputs) \\$(x)!"
    executed = json.loads((tmp_path / "out" / "executed.ipynb").read_text())
    assert "".join(executed["cells"][0]["source"]) == markdown


def test_a_notebook_that_raises_fails_its_job_and_says_where(tmp_path: Path) -> None:
    source = write_notebook(tmp_path / "broken.ipynb", "year = 1", "raise RuntimeError('no data for ' + str(year))")
    built = build_application(str(source), with_image=False, container_runtime="none")

    finished = run_cwltool(built.package, tmp_path, "--year", "7")

    assert finished.returncode != 0
    assert "RuntimeError: no data for 7" in finished.stderr
    assert "notebook: papermill ended with exit status 1" in finished.stderr


def test_the_made_catalog_lists_every_file_the_notebook_wrote_with_relative_hrefs(tmp_path: Path) -> None:
    results = tmp_path / "results"
    (results / "maps").mkdir(parents=True)
    (results / "maps" / "a.csv").write_text("1,2\n")
    (results / "summary.json").write_text("{}")
    (results / "stac-items").mkdir()  # a folder of the notebook's own by the name the catalog would use

    launcher.write_catalog(str(results))

    catalog = pystac.Catalog.from_file(str(results / "catalog.json"))
    assets = {
        item.id: Path(asset.get_absolute_href() or "") for item in catalog.get_items() for asset in item.assets.values()
    }
    assert assets == {"maps-a-csv": results / "maps" / "a.csv", "summary-json": results / "summary.json"}
    links = json.loads((results / "catalog.json").read_text())["links"]
    assert {link["href"] for link in links if link["rel"] == "item"} == {
        "./stac-items-2/maps-a-csv.json",
        "./stac-items-2/summary-json.json",
    }


def test_a_parameter_named_as_an_output_is_refused(tmp_path: Path) -> None:
    source = write_notebook(tmp_path / "clash.ipynb", "results = 1")
    with pytest.raises(ApplicationBuildFailed, match=r"'results' .* has the id of an output of the package"):
        build_application(str(source), with_image=False, container_runtime="none")


def test_a_given_image_is_required_and_named_in_the_metadata(tmp_path: Path) -> None:
    source = write_notebook(tmp_path / "Field Stats.ipynb", "n = 1", markdown="# Field statistics\nPer field.")
    built = build_application(str(source), image="localhost/team/stats:2", container_runtime="none")

    document = yaml.safe_load(built.package)
    tool = document["$graph"][1]
    assert (built.name, document["id"], document["s:name"]) == ("field-stats", "field-stats", "Field statistics")
    assert document["s:description"] == "Per field."
    assert tool["requirements"]["DockerRequirement"] == {"dockerPull": "localhost/team/stats:2"}
    assert built.notes == ["the package names the image localhost/team/stats:2, as given; nothing was built"]


def test_a_notebook_of_another_language_is_refused(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "r.ipynb", "n = 1")
    document = json.loads(path.read_text())
    document["metadata"]["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    path.write_text(json.dumps(document))
    with pytest.raises(ApplicationBuildFailed, match=r"r\.ipynb is a R notebook; an application runs Python notebooks"):
        build_application(str(path), with_image=False, container_runtime="none")


def test_the_derived_image_installs_the_requirements_and_papermill_only_when_missing(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("numpy==2.1\n")
    recipe = derived_dockerfile("python:3.11-slim", tmp_path)
    assert recipe.splitlines() == [
        "FROM python:3.11-slim",
        "COPY requirements.txt /tmp/swath-requirements.txt",
        "RUN python3 -m pip install --no-cache-dir -r /tmp/swath-requirements.txt",
        'RUN python3 -c "import papermill, ipykernel" 2>/dev/null || python3 -m pip install --no-cache-dir papermill '
        "ipykernel",
        "COPY . /opt/application",
    ]
    (tmp_path / "requirements.txt").write_text("# nothing\n\n")
    (tmp_path / "environment.yml").write_text("dependencies: [numpy]\n")
    assert "conda env update --name base --file /tmp/swath-environment.yml" in derived_dockerfile("conda", tmp_path)


def test_image_names_are_local_and_hold_only_what_a_tag_may() -> None:
    assert image_name("Band-Stats", "1.0.0+build 7") == "localhost/swath-app/band-stats:1.0.0-build-7"
