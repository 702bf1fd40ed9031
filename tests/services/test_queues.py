"""Queue selection: a job's CWL ResourceRequirement, or its execute request, picks the first class that fits."""

from __future__ import annotations

import pytest

from swath.errors import InvalidInput
from swath.services.queues import ResourceNeeds, package_needs, requested_needs, select_queue
from swath.settings import QueueClass

CLASSES = [
    QueueClass(name="small", cores=2, ram_mb=4096, disk_mb=10000),
    QueueClass(name="large", cores=16, ram_mb=65536),
]


def tool(requirement: dict[str, object], where: str = "hints") -> dict[str, object]:
    return {"class": "CommandLineTool", where: {"ResourceRequirement": requirement}}


def test_a_package_without_requirements_goes_to_the_first_class() -> None:
    assert select_queue(CLASSES, package_needs({"class": "CommandLineTool"})) == "small"


def test_a_package_needing_more_cores_than_the_small_class_goes_to_the_large_one() -> None:
    assert select_queue(CLASSES, package_needs(tool({"coresMin": 4}))) == "large"


def test_ram_and_disk_count_too() -> None:
    assert select_queue(CLASSES, package_needs(tool({"ramMin": 8192}, where="requirements"))) == "large"
    assert package_needs(tool({"outdirMin": 6000, "tmpdirMin": 5000})) == ResourceNeeds(disk_mb=11000)
    assert select_queue(CLASSES, package_needs(tool({"outdirMin": 6000, "tmpdirMin": 5000}))) == "large"


def test_the_largest_step_of_a_workflow_decides() -> None:
    workflow = {
        "$graph": [
            {"class": "Workflow", "steps": [{"run": "#a"}, {"run": "#b"}]},
            {"id": "a", **tool({"coresMin": 1})},
            {"id": "b", "requirements": [{"class": "ResourceRequirement", "coresMin": 8, "ramMin": 1024}]},
        ]
    }
    assert package_needs(workflow) == ResourceNeeds(cores=8, ram_mb=1024)


def test_expressions_do_not_pick_a_queue() -> None:
    assert package_needs(tool({"coresMin": "$(inputs.threads)"})) == ResourceNeeds()


def test_an_execute_request_replaces_the_package_needs() -> None:
    needs = requested_needs(package_needs(tool({"coresMin": 8, "ramMin": 100})), {"coresMin": 1})
    assert needs == ResourceNeeds(cores=1, ram_mb=100)
    assert select_queue(CLASSES, needs) == "small"


def test_an_unknown_or_bad_resource_request_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Resource request 'gpus' is unknown; allowed: coresMin, ramMin"):
        requested_needs(ResourceNeeds(), {"gpus": 1})
    with pytest.raises(InvalidInput, match="Resource request ramMin must be a positive number, not 'lots'"):
        requested_needs(ResourceNeeds(), {"ramMin": "lots"})


def test_needs_no_class_offers_are_refused_naming_the_classes() -> None:
    with pytest.raises(InvalidInput) as caught:
        select_queue(CLASSES, ResourceNeeds(cores=32, ram_mb=1000))
    assert caught.value.detail == (
        "The job needs 32 cores, 1000 MB of RAM, which no queue class offers "
        "(small: 2 cores, 4096 MB RAM, 10000 MB disk; large: 16 cores, 65536 MB RAM)."
    )
