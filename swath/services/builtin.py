"""Processes built into Swath rather than deployed: the OGC test process `echo`, and Unity's generic `cwl_dag`.

`echo` is the official example process description (OGC API - Processes Part 1, ProcessDescription.json) that the
OGC conformance suite expects a server to offer; its outputs return its inputs. The copy kept here differs in two
ways: the remote schema `$ref`s of the original are inlined, so inputs can be validated without network access,
and every input is optional (`minOccurs: 0`), so a client can echo just the inputs it cares about.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from swath.errors import InvalidInput
from swath.store.records import JSON, ProcessDescription, ProcessKind, ProcessRecord

_ECHO_FILE = Path(__file__).with_name("echo_process.json")


def echo_process() -> ProcessRecord:
    document = json.loads(_ECHO_FILE.read_text())
    description = ProcessDescription(
        title=document.get("title"),
        description=document.get("description"),
        inputs=document["inputs"],
        outputs=document["outputs"],
        job_control_options=document["jobControlOptions"],
        output_transmission=document["outputTransmission"],
    )
    return ProcessRecord(
        pk=0,
        id=document["id"],
        version=document["version"],
        kind=ProcessKind.builtin,
        description=description,
        cwl=None,
        workflow_id=None,
        package=_ECHO_FILE.read_bytes(),
        package_media_type="application/json",
        created_by="swath",
        created=datetime.now(UTC),
    )


def echo_output_id(input_id: str) -> str:
    """`stringInput` is echoed as `stringOutput`, and so on for every input."""
    return input_id.removesuffix("Input") + "Output"


CWL_DAG = "cwl_dag"
_TEXT = {"type": "string"}
_CWL_DAG_INPUTS: dict[str, JSON] = {
    "cwl_workflow": {
        "title": "The CWL workflow to run",
        "description": "The http(s) URL of a CWL document (a Workflow or a CommandLineTool).",
        "schema": {"type": "string", "format": "uri"},
    },
    "cwl_args": {
        "title": "The workflow's inputs",
        "description": "A CWL job order: a JSON object, JSON text, or the http(s) URL of a JSON or YAML document.",
        "schema": {"oneOf": [{"type": "object"}, _TEXT]},
        "minOccurs": 0,
    },
    "log_level": {"title": "Log level", "schema": {**_TEXT, "default": "INFO"}, "minOccurs": 0},
    "request_instance_type": {
        "title": "Instance type",
        "description": "A cloud instance type such as r7i.xlarge: its vCPUs and memory pick the job's queue class.",
        "schema": _TEXT,
        "minOccurs": 0,
    },
    "request_storage": {
        "title": "Storage",
        "description": "The disk the job needs, such as 10Gi or 500Mi.",
        "schema": _TEXT,
        "minOccurs": 0,
    },
}


def cwl_dag_process() -> ProcessRecord:
    """Unity SPS's generic process: run the CWL workflow at a URL with the given job order."""
    description = ProcessDescription(
        title="Run a CWL workflow",
        description="Unity's generic process: fetches the CWL workflow at `cwl_workflow` and runs it on `cwl_args`.",
        inputs=_CWL_DAG_INPUTS,
        outputs={},
        job_control_options=["async-execute"],
        output_transmission=["value", "reference"],
    )
    return ProcessRecord(
        pk=0,
        id=CWL_DAG,
        version="2.0.0",
        kind=ProcessKind.builtin,
        description=description,
        cwl=None,
        workflow_id=None,
        package=json.dumps({"id": CWL_DAG, "inputs": _CWL_DAG_INPUTS}).encode(),
        package_media_type="application/json",
        created_by="swath",
        created=datetime.now(UTC),
    )


# vCPUs of an instance size (AWS naming: large = 2, xlarge = 4, Nxlarge = 4N) and GiB of memory per vCPU of a
# family by its first letter (compute c: 2, general m and burstable t: 4, memory r: 8, x: 16).
_SIZE = {"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4}
_GIB_PER_VCPU = {"c": 2, "m": 4, "t": 4, "r": 8, "x": 16}
_STORAGE_UNITS = {"Mi": 1, "M": 1, "Gi": 1024, "G": 1024, "Ti": 1024 * 1024, "T": 1024 * 1024}


def cwl_dag_resources(inputs: JSON) -> JSON | None:
    """The resource request (CWL words) that `request_instance_type` and `request_storage` mean, which picks the
    job's queue class as any other request's `resources` does; None when neither is given."""
    resources: JSON = {}
    instance = inputs.get("request_instance_type")
    if instance:
        family, _, size = str(instance).partition(".")
        multiple, _, unit = size.partition("xlarge")
        vcpus = 4 * int(multiple) if unit == "" and multiple.isdigit() else _SIZE.get(size)
        per_vcpu = _GIB_PER_VCPU.get(family[:1].lower())
        if vcpus is None or per_vcpu is None:
            raise InvalidInput(
                f"Instance type '{instance}' is not one Swath knows; name one such as m7i.large or r7i.2xlarge.",
                input_id="request_instance_type",
            )
        resources.update(coresMin=vcpus, ramMin=vcpus * per_vcpu * 1024)
    storage = inputs.get("request_storage")
    if storage:
        number = str(storage).rstrip("MGTi")
        unit = str(storage)[len(number) :]
        if not number.isdigit() or unit not in _STORAGE_UNITS:
            raise InvalidInput(f"Storage '{storage}' is not a size such as 10Gi or 500Mi.", input_id="request_storage")
        resources["outdirMin"] = int(number) * _STORAGE_UNITS[unit]
    return resources or None
