"""The builtin `echo` process: the OGC test process, run without cwltool."""

from __future__ import annotations

import json

from swath.services.builtin import echo_process
from swath.store.records import JobRecord
from tests.runner.harness import Runner, make_job


def test_echo_returns_each_given_input_as_its_paired_output(runner: Runner) -> None:
    process = echo_process()
    inputs = {
        "stringInput": "Value2",
        "measureInput": {"value": 10.3, "uom": "m"},
        "arrayInput": [1, 2, 3],
    }

    run = runner.run(make_job(process, inputs), process)

    assert {key: value.value for key, value in run.results.outputs.items()} == {
        "stringOutput": "Value2",
        "measureOutput": {"value": 10.3, "uom": "m"},
        "arrayOutput": [1, 2, 3],
    }
    assert all(not value.files for value in run.results.outputs.values())


def test_echo_still_writes_a_catalog_without_items(runner: Runner) -> None:
    process = echo_process()
    job: JobRecord = make_job(process, {"stringInput": "Value1"})

    run = runner.run(job, process)

    assert run.results.catalog is not None
    catalog = json.loads(runner.storage.local_path(run.results.catalog.key).read_text())
    assert catalog["id"] == job.id
    assert [link["rel"] for link in catalog["links"]] == ["root", "self"]
    assert run.results.items == []


def test_the_echo_description_is_the_ogc_example_with_every_input_paired_to_an_output() -> None:
    process = echo_process()
    assert (process.id, process.version) == ("echo", "1.0.0")
    assert process.description.title == "Echo Process"
    assert len(process.description.inputs) == len(process.description.outputs) == 10
    assert {name.removesuffix("Input") for name in process.description.inputs} == {
        name.removesuffix("Output") for name in process.description.outputs
    }
