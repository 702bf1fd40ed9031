"""Processes implemented inside Swath: today `echo`, the OGC API - Processes test process.

Its description lives in `swath.services.builtin`; here each `<name>Input` given comes back as `<name>Output`.
"""

from __future__ import annotations

from swath.services.builtin import echo_output_id
from swath.store.records import JobRecord, OutputValue, ProcessRecord


def run_builtin(job: JobRecord, process: ProcessRecord) -> dict[str, OutputValue]:
    """Each given input back as the paired output's literal value; inputs not given produce no output."""
    outputs = process.description.outputs
    return {
        echo_output_id(input_id): OutputValue(value=value)
        for input_id, value in job.inputs.items()
        if echo_output_id(input_id) in outputs
    }
