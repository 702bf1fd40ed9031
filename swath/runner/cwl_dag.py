"""Unity's generic process `cwl_dag`: fetch the CWL workflow at a URL and run it on the given job order.

Notebooks written for Unity SPS name their workflow by URL (`cwl_workflow`) and its inputs as a job order
(`cwl_args`: an object, JSON text, or a URL of JSON or YAML). Both are fetched with the address checks of every
other fetch (no loopback, private or link-local address unless `allowed_networks` holds it). The workflow runs as
a deployed package does, its outputs stored and catalogued the same way; `request_instance_type` and
`request_storage` already chose the job's queue class when it was submitted (services/builtin.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from ruamel.yaml.error import MarkedYAMLError
from schema_salad.utils import yaml_no_ts

from swath.errors import AddressRefused, InvalidInput, JobFailed, SwathError
from swath.runner.containers import ContainerPolicy
from swath.runner.cwl import ProgressCallback, load_process_tool, run_cwl
from swath.runner.joblog import runner_logger
from swath.runner.outputs import JobStorage, StoredOutputs, check_output_links, store_outputs
from swath.runner.staging import check_package_defaults
from swath.services.cwlvalues import file_objects
from swath.services.network import IPNetwork, check_url, parse_networks
from swath.services.package_sources import fetch_url, read_package_source
from swath.settings import Settings
from swath.storage import Storage
from swath.store.records import JSON, JobRecord, ProcessKind, ProcessRecord


def run_cwl_dag(
    job: JobRecord,
    process: ProcessRecord,
    *,
    settings: Settings,
    storage: Storage,
    work_dir: Path,
    log: BinaryIO,
    policy: ContainerPolicy,
    report_progress: ProgressCallback,
) -> StoredOutputs:
    networks = parse_networks(settings.allowed_networks)
    workflow_url = job.inputs.get("cwl_workflow")
    if not isinstance(workflow_url, str) or urlsplit(workflow_url).scheme not in ("http", "https"):
        raise JobFailed(f"cwl_workflow must be the http(s) URL of a CWL document, not {workflow_url!r}.")
    try:
        body = fetch_url(workflow_url, networks)
        _, source = read_package_source(body, "application/cwl+yaml", lambda href: fetch_url(href, networks))
    except SwathError as error:
        raise JobFailed(str(error)) from error
    order = _job_order(job.inputs.get("cwl_args"), networks)
    runner_logger().info("Running the CWL workflow at %s.", workflow_url)
    fetched = replace(
        process,
        kind=ProcessKind.cwl,
        cwl=source.cwl,
        package=source.text.encode(),
        package_media_type="application/cwl+yaml",
        workflow_id=None,
    )
    # Loaded in this job's own folder: each job of cwl_dag may run another workflow.
    loaded = load_process_tool(fetched, settings.container_runtime, work_dir / ".workflow")
    check_package_defaults(fetched.cwl, settings)
    outputs = run_cwl(
        loaded,
        order,
        work_dir=work_dir,
        log=log,
        policy=policy,
        report_progress=report_progress,
        check_outputs=lambda output: check_output_links(output, [work_dir, *settings.readable_input_roots]),
    )
    return store_outputs(outputs, JobStorage(storage, job.id, work_dir))


def _job_order(value: Any, networks: Sequence[IPNetwork]) -> JSON:
    """`cwl_args` as a job order, its files checked: absent means none, an object is one, text is JSON or the URL
    of one."""
    return _checked_files(_read_job_order(value, networks), networks)


def _read_job_order(value: Any, networks: Sequence[IPNetwork]) -> JSON:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise JobFailed("cwl_args must be a JSON object, JSON text, or the URL of a JSON or YAML document.")
    text = value.strip()
    if urlsplit(text).scheme in ("http", "https"):
        try:
            body = fetch_url(text, networks)
        except SwathError as error:
            raise JobFailed(str(error).replace("execution unit", "cwl_args document")) from error
        try:
            order = yaml_no_ts().load(body.decode("utf-8"))
        except (UnicodeDecodeError, MarkedYAMLError) as error:
            raise JobFailed(f"The cwl_args document at {text} is not JSON or YAML.") from error
    else:
        try:
            order = json.loads(text)
        except ValueError as error:
            raise JobFailed("cwl_args is neither a URL nor JSON text.") from error
    if not isinstance(order, dict):
        raise JobFailed("cwl_args must hold a JSON object (the workflow's job order).")
    return order


def _checked_files(order: JSON, networks: Sequence[IPNetwork]) -> JSON:
    """`order` with its File and Directory objects checked as every input's are (services/cwlvalues): cwltool reads
    this job order as given, not through stage-in, so a location must be an http(s) URL of an allowed address."""

    def check(_: str, href: str) -> str:
        if urlsplit(href).scheme not in ("http", "https"):
            raise JobFailed(f"cwl_args names {href[:200]!r}; only http(s) URLs are allowed.")
        try:
            check_url(href, networks)
        except AddressRefused as error:
            raise JobFailed(f"cwl_args: {error.detail}") from error
        return href

    try:
        checked: JSON = file_objects("cwl_args", order, check)
    except InvalidInput as error:
        raise JobFailed(error.detail) from error
    return checked
