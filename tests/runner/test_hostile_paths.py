"""Hostile names in data: nothing a STAC id, a basename, a link or a tool's catalog says lands outside its job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from swath.errors import JobFailed
from tests.runner.harness import FileServer, Runner, make_job, make_process


def _shell_tool(script: str, outputs: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "cwlVersion": "v1.2",
        "class": "CommandLineTool",
        "id": "hostile",
        "baseCommand": ["sh", "-c", script],
        "inputs": inputs or {},
        "outputs": outputs,
    }


def _item(item_id: str, asset_href: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": item_id,
        "geometry": None,
        "properties": {"datetime": "2024-01-01T00:00:00Z"},
        "links": [],
        "assets": {"data": {"href": asset_href, "type": "text/plain"}},
    }


def _catalog(item_href: str, catalog_id: str = "granules") -> dict[str, Any]:
    return {
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": catalog_id,
        "description": "Hostile.",
        "links": [{"rel": "root", "href": "./catalog.json"}, {"rel": "item", "href": item_href}],
    }


def _run_directory_input(runner: Runner, catalog_url: str) -> None:
    tool = _shell_tool("true", {}, {"product": {"type": "Directory", "inputBinding": {"position": 1}}})
    process = make_process(tool, "hostile", {"product": {"x-cwl-class": "Directory"}})
    runner.run(make_job(process, {"product": {"href": catalog_url}}), process)


def _files_under(root: Path) -> set[str]:
    return {path.name for path in root.rglob("*")} if root.exists() else set()


def test_a_stac_item_id_with_dot_dot_fails_the_job_before_anything_is_written_outside(
    runner: Runner, file_server: FileServer
) -> None:
    file_server.add("granules/a.txt", "1\n")
    file_server.add("granules/a.json", json.dumps(_item("../../../../escaped", "./a.txt")))
    url = file_server.add("granules/catalog.json", json.dumps(_catalog("./a.json")))

    with pytest.raises(JobFailed) as failure:
        _run_directory_input(runner, url)

    assert "holds a STAC Item whose id cannot name a folder" in str(failure.value)
    assert "escaped.json" not in _files_under(runner.root) - _files_under(runner.root / "served")


def test_a_stac_catalog_id_with_a_slash_fails_the_job(runner: Runner, file_server: FileServer) -> None:
    file_server.add("granules/a.txt", "1\n")
    file_server.add("granules/a.json", json.dumps(_item("fine", "./a.txt")))
    url = file_server.add("granules/catalog.json", json.dumps(_catalog("./a.json", catalog_id="x/../../y")))

    with pytest.raises(JobFailed) as failure:
        _run_directory_input(runner, url)

    assert "holds a STAC Catalog whose id cannot name a folder" in str(failure.value)


def test_an_asset_href_ending_in_dot_dot_fails_the_job(runner: Runner, file_server: FileServer) -> None:
    file_server.add("granules/a.json", json.dumps(_item("fine", f"{file_server.url}/x/..")))
    url = file_server.add("granules/catalog.json", json.dumps(_catalog("./a.json")))

    with pytest.raises(JobFailed) as failure:
        _run_directory_input(runner, url)

    assert "Asset 'data' of item 'fine' in input 'product' cannot be named as a file" in str(failure.value)


def _run_file_input(runner: Runner, value: Any) -> None:
    tool = _shell_tool('cat "$0"', {}, {"text": {"type": "File", "inputBinding": {"position": 1}}})
    process = make_process(tool, "hostile", {"text": {"x-cwl-class": "File"}})
    runner.run(make_job(process, {"text": value}), process)


def test_an_encoded_slash_in_a_download_name_fails_the_job(runner: Runner, file_server: FileServer) -> None:
    file_server.add("a", "1\n")
    with pytest.raises(JobFailed) as failure:
        _run_file_input(runner, {"href": f"{file_server.url}/..%2F..%2F..%2Fescaped"})

    assert str(failure.value).startswith("Input 'text' has a file name that cannot name a file: '../../../escaped'")
    assert not (runner.root / "escaped").exists()


def test_a_cwl_basename_with_dot_dot_fails_the_job(runner: Runner, file_server: FileServer) -> None:
    url = file_server.add("a.txt", "1\n")
    value = {"class": "File", "location": url, "basename": "../../../../escaped.txt"}

    with pytest.raises(JobFailed) as failure:
        _run_file_input(runner, value)

    assert "Input 'text' has a basename that cannot name a file" in str(failure.value)
    assert "escaped.txt" not in _files_under(runner.root) - _files_under(runner.root / "served")


def test_a_record_field_name_with_dot_dot_fails_the_job(runner: Runner, file_server: FileServer) -> None:
    url = file_server.add("a.txt", "1\n")
    tool = _shell_tool("true", {}, {"options": {"type": "Any"}})
    process = make_process(tool, "hostile", {"options": {}})
    job = make_job(process, {"options": {"../../escaped": {"class": "File", "location": url}}})

    with pytest.raises(JobFailed) as failure:
        runner.run(job, process)

    assert "Input 'options' has a field that cannot name a file" in str(failure.value)


def test_an_output_symlink_to_a_file_outside_the_job_is_refused(runner: Runner) -> None:
    secret = runner.root / "secret.txt"
    secret.write_text("root:x:0:0\n")
    tool = _shell_tool(f"ln -s {secret} shadow.txt", {"out": {"type": "File", "outputBinding": {"glob": "shadow.txt"}}})
    process = make_process(tool, "hostile")

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert str(failure.value) == (
        "Output 'out' holds 'shadow.txt', a link to a file outside the job's directory; only files the job made are "
        "stored."
    )
    stored = [path.read_text() for path in (runner.root / "out").rglob("*") if path.is_file()]
    assert "root:x:0:0\n" not in stored


def test_a_symlink_inside_a_directory_output_to_a_file_outside_is_refused(runner: Runner) -> None:
    secret = runner.root / "secret.txt"
    secret.write_text("root:x:0:0\n")
    script = f"mkdir result && echo fine > result/a.txt && ln -s {secret} result/shadow.txt"
    tool = _shell_tool(script, {"out": {"type": "Directory", "outputBinding": {"glob": "result"}}})
    process = make_process(tool, "hostile")

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert str(failure.value).startswith("Output 'out' holds 'shadow.txt', a link to a file outside")


def test_a_symlink_to_a_file_the_job_made_is_stored_as_that_file(runner: Runner) -> None:
    script = "mkdir result && echo made > result/a.txt && ln -s a.txt result/b.txt"
    tool = _shell_tool(script, {"out": {"type": "Directory", "outputBinding": {"glob": "result"}}})
    process = make_process(tool, "hostile")

    run = runner.run(make_job(process, {}), process)

    stored = {file.key.rsplit("/", 1)[-1]: file for file in run.results.outputs["out"].files}
    assert stored["b.txt"].checksum == stored["a.txt"].checksum


def test_a_tool_catalog_whose_item_id_climbs_out_cannot_overwrite_another_jobs_catalog(runner: Runner) -> None:
    victim = runner.root / "out" / "jobs" / "victim" / "catalog.json"
    victim.parent.mkdir(parents=True)
    victim.write_text('{"id": "victim"}')
    item = _item("../../../victim/catalog", "./a.txt")
    script = (
        "mkdir result && echo 1 > result/a.txt && "
        f"echo '{json.dumps(_catalog('./item.json'))}' > result/catalog.json && "
        f"echo '{json.dumps(item)}' > result/item.json"
    )
    tool = _shell_tool(script, {"out": {"type": "Directory", "outputBinding": {"glob": "result"}}})
    process = make_process(tool, "hostile")

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert "The output's STAC Item id cannot name a stored document" in str(failure.value)
    assert victim.read_text() == '{"id": "victim"}'


def test_a_tool_catalog_linking_to_a_document_outside_its_directory_is_not_read(runner: Runner) -> None:
    outside = runner.root / "outside.json"
    outside.write_text(json.dumps(_item("stolen", "./a.txt")))
    script = f"mkdir result && echo '{json.dumps(_catalog(str(outside)))}' > result/catalog.json"
    tool = _shell_tool(script, {"out": {"type": "Directory", "outputBinding": {"glob": "result"}}})
    process = make_process(tool, "hostile")

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert "links to a document outside its directory" in str(failure.value)


def test_a_package_default_file_outside_the_input_roots_is_refused(runner: Runner) -> None:
    secret = runner.root / "secret.txt"
    secret.write_text("root:x:0:0\n")
    inputs = {"text": {"type": "File", "default": {"class": "File", "location": secret.as_uri()}}}
    tool = _shell_tool("cat $0", {"out": {"type": "stdout"}}, inputs)
    tool["inputs"]["text"]["inputBinding"] = {"position": 1}
    process = make_process(tool, "hostile", {"text": {"x-cwl-class": "File"}})

    with pytest.raises(JobFailed) as failure:
        runner.run(make_job(process, {}), process)

    assert str(failure.value) == f"The package has a default file at {secret}, outside the allowed input directories."


def test_a_package_default_file_inside_the_input_roots_is_read(runner: Runner) -> None:
    allowed = runner.root / "inputs" / "default.txt"
    allowed.write_text("1\n2\n")
    inputs = {"text": {"type": "File", "default": {"class": "File", "location": allowed.as_uri()}}}
    tool = _shell_tool("wc -l < $0", {"out": {"type": "stdout"}}, inputs)
    tool["inputs"]["text"]["inputBinding"] = {"position": 1}
    process = make_process(tool, "hostile", {"text": {"x-cwl-class": "File"}})

    run = runner.run(make_job(process, {}), process)

    (stored,) = run.results.outputs["out"].files
    assert runner.storage.local_path(stored.key).read_text().strip() == "2"
