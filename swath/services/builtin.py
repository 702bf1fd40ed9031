"""Processes built into Swath rather than deployed: the OGC test process `echo`.

`echo` is the official example process description (OGC API - Processes Part 1, ProcessDescription.json) that the
OGC conformance suite expects a server to offer; its outputs return its inputs. The copy kept here differs in two
ways: the remote schema `$ref`s of the original are inlined, so inputs can be validated without network access,
and every input is optional (`minOccurs: 0`), so a client can echo just the inputs it cares about.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from swath.store.records import ProcessDescription, ProcessKind, ProcessRecord

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
