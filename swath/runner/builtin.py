"""Processes implemented inside Swath. Today only `echo`, the OGC API - Processes test process.

Its description is the standard's example (`echo_process.json`, copied from the OGC example
ProcessDescription.json with id "echo"); each `<name>Input` comes back as the `<name>Output` of the same value.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from swath.store.records import JobRecord, OutputValue, ProcessDescription

JSON = dict[str, Any]

ECHO_ID = "echo"


def _load_echo() -> JSON:
    document: JSON = json.loads(
        resources.files("swath.runner").joinpath("echo_process.json").read_text(encoding="utf-8")
    )
    return document


_ECHO = _load_echo()
ECHO_VERSION: str = _ECHO["version"]
ECHO_DESCRIPTION = ProcessDescription(
    title=_ECHO.get("title"),
    description=_ECHO.get("description"),
    keywords=list(_ECHO.get("keywords", [])),
    inputs=_ECHO["inputs"],
    outputs=_ECHO["outputs"],
    job_control_options=list(_ECHO["jobControlOptions"]),
    output_transmission=list(_ECHO["outputTransmission"]),
)
# stringInput -> stringOutput, measureInput -> measureOutput, ... as the example pairs them.
_ECHO_PAIRS = {
    input_id: input_id.removesuffix("Input") + "Output"
    for input_id in ECHO_DESCRIPTION.inputs
    if input_id.removesuffix("Input") + "Output" in ECHO_DESCRIPTION.outputs
}


def is_builtin(process_id: str) -> bool:
    return process_id == ECHO_ID


def run_echo(job: JobRecord) -> dict[str, OutputValue]:
    """Each given input back as the paired output's literal value; inputs not given produce no output."""
    return {
        output_id: OutputValue(value=job.inputs[input_id])
        for input_id, output_id in _ECHO_PAIRS.items()
        if input_id in job.inputs
    }
