"""cwl_dag's instance type and storage, as the resource request that picks a job's queue class."""

from __future__ import annotations

import pytest

from swath.errors import InvalidInput
from swath.services.builtin import cwl_dag_resources
from swath.services.queues import ResourceNeeds, requested_needs, select_queue
from swath.settings import QueueClass

QUEUES = [QueueClass(name="small", cores=2, ram_mb=8192), QueueClass(name="large", cores=16, ram_mb=131072)]


@pytest.mark.parametrize(
    ("instance", "cores", "ram_gib"),
    [("t3.medium", 2, 8), ("c6i.large", 2, 4), ("m7i.xlarge", 4, 16), ("r7i.2xlarge", 8, 64), ("r5.12xlarge", 48, 384)],
)
def test_instance_types_are_cores_and_memory(instance: str, cores: int, ram_gib: int) -> None:
    assert cwl_dag_resources({"request_instance_type": instance}) == {"coresMin": cores, "ramMin": ram_gib * 1024}


def test_storage_is_output_space_in_mebibytes() -> None:
    assert cwl_dag_resources({"request_storage": "10Gi"}) == {"outdirMin": 10240}
    assert cwl_dag_resources({"request_storage": "500Mi"}) == {"outdirMin": 500}
    assert cwl_dag_resources({}) is None


def test_the_request_picks_the_first_class_that_offers_it() -> None:
    def queue(instance: str) -> str:
        return select_queue(
            QUEUES, requested_needs(ResourceNeeds(), cwl_dag_resources({"request_instance_type": instance}))
        )

    assert queue("t3.medium") == "small"  # 2 vCPUs, 8 GiB: exactly what "small" offers
    assert queue("r7i.2xlarge") == "large"
    with pytest.raises(InvalidInput):
        queue("r7i.8xlarge")  # 32 vCPUs: no class offers them


@pytest.mark.parametrize(
    "bad",
    [
        {"request_instance_type": "huge"},
        {"request_instance_type": "q9.large"},
        {"request_storage": "ten"},
        {"request_storage": "10Pi"},
    ],
)
def test_what_it_cannot_read_is_refused(bad: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        cwl_dag_resources(bad)
