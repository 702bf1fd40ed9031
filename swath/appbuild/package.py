"""The CWL application package of a notebook, in the shape of the OGC Best Practice for EO Application Packages.

A `$graph` whose Workflow `main` is the entry point (its inputs the notebook's parameters) and whose one step runs
the CommandLineTool `run-notebook`. That tool carries everything it runs in `InitialWorkDirRequirement`, so the
package is one self-contained file: the launcher script (swath/appbuild/launcher.py), which parameter is a path,
the job's inputs (`$(inputs)`, a parameter reference, so no JavaScript engine is needed) and the notebook itself,
base64-encoded because CWL would read `$(` in any text it holds as an expression. The notebook is stored with its
outputs cleared: papermill replaces them, and they only make the package large.

Two outputs, named so that no parameter can take their ids: `results` (a Directory holding a STAC catalog) and
`executed_notebook` (a File: what ran, cell outputs and errors included).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from swath.appbuild import launcher
from swath.appbuild.parameters import NotebookParameter, ParameterKind
from swath.errors import ApplicationBuildFailed

__all__ = ["OUTPUT_IDS", "PackageMetadata", "application_package", "stripped_notebook"]

OUTPUT_IDS = ("results", "executed_notebook")
PYTHON_KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
TOOL_ID = "run-notebook"
_LAUNCHER_NAME = "launcher.py"
_LAUNCHER = Path(launcher.__file__).read_text(encoding="utf-8")


@dataclass(frozen=True)
class PackageMetadata:
    """What the package says about itself (schema.org terms, read by the catalog)."""

    name: str
    version: str
    title: str
    description: str | None
    authors: list[str]
    code_repository: str | None
    commit: str | None


def stripped_notebook(notebook: dict[str, Any]) -> bytes:
    """The notebook with its outputs and execution counts cleared, as canonical JSON text, naming the kernel the
    job runs it with (Python 3, ipykernel's), which papermill needs to read its parameters."""
    cells = []
    for cell in notebook.get("cells", []):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            cell = {**cell, "outputs": [], "execution_count": None}
        cells.append(cell)
    metadata = {**(notebook.get("metadata") or {}), "kernelspec": PYTHON_KERNEL}
    metadata["language_info"] = {**(metadata.get("language_info") or {}), "name": "python"}
    stripped = {**notebook, "metadata": metadata, "cells": cells}
    return (json.dumps(stripped, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def application_package(
    notebook: bytes, parameters: list[NotebookParameter], metadata: PackageMetadata, image: str | None
) -> str:
    """The package as CWL YAML text. With `image`, the tool requires it (DockerRequirement); without, it names
    none and runs only where the service allows tools on the host."""
    inputs = [parameter for parameter in parameters if parameter.is_input]
    for parameter in inputs:
        if parameter.name in OUTPUT_IDS:
            raise ApplicationBuildFailed(
                f"The parameter '{parameter.name}' (line {parameter.line}) has the id of an output of the package; "
                f"rename it (the outputs are {', '.join(OUTPUT_IDS)})."
            )
    document: dict[str, Any] = {
        "cwlVersion": "v1.2",
        "id": metadata.name,
        "$namespaces": {"s": "https://schema.org/"},
        **_schema_org(metadata),
        "$graph": [_workflow(inputs, metadata), _tool(notebook, parameters, metadata, image)],
    }
    text: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return "#!/usr/bin/env cwl-runner\n" + text


def _schema_org(metadata: PackageMetadata) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "s:name": metadata.title,
        "s:softwareVersion": metadata.version,
        "s:keywords": ["notebook", "papermill"],
    }
    if metadata.description:
        terms["s:description"] = metadata.description
    if metadata.authors:
        terms["s:author"] = [{"class": "s:Person", "s:name": author} for author in metadata.authors]
    if metadata.code_repository:
        terms["s:codeRepository"] = metadata.code_repository
    return terms


def _workflow(inputs: list[NotebookParameter], metadata: PackageMetadata) -> dict[str, Any]:
    return {
        "class": "Workflow",
        "id": "main",
        "label": metadata.title,
        "doc": metadata.description or f"Runs the notebook {metadata.name} with papermill.",
        "inputs": {parameter.name: _input(parameter) for parameter in inputs},
        "outputs": {
            "results": {
                "type": "Directory",
                "label": "Results",
                "doc": "The files the notebook wrote to its output folder, with a STAC catalog.json.",
                "outputSource": "run_notebook/results",
            },
            "executed_notebook": {
                "type": "File",
                "label": "Executed notebook",
                "doc": "The notebook as it ran, with every cell's output.",
                "outputSource": "run_notebook/executed_notebook",
            },
        },
        "steps": {
            "run_notebook": {
                "run": f"#{TOOL_ID}",
                "in": {parameter.name: parameter.name for parameter in inputs},
                "out": list(OUTPUT_IDS),
            }
        },
    }


def _input(parameter: NotebookParameter) -> dict[str, Any]:
    described: dict[str, Any] = {"type": parameter.cwl_type, "label": parameter.name}
    doc = parameter.doc or ""
    if parameter.kind is ParameterKind.stac:
        stac = "A folder holding a STAC catalog.json; the notebook gets that file's path."
        doc = f"{doc.rstrip('.')}. {stac}" if doc else stac
    if doc:
        described["doc"] = doc
    # A path in the notebook names a file on the author's machine: the job must be given one.
    if parameter.kind is ParameterKind.value and parameter.default is not None:
        described["default"] = parameter.default
    return described


def _tool(
    notebook: bytes, parameters: list[NotebookParameter], metadata: PackageMetadata, image: str | None
) -> dict[str, Any]:
    spec = {
        "parameters": {parameter.name: str(parameter.kind) for parameter in parameters if parameter.is_input},
        "output": next((p.name for p in parameters if p.kind is ParameterKind.output), None),
    }
    encoded = base64.encodebytes(notebook).decode("ascii")
    requirements: dict[str, Any] = {
        "InitialWorkDirRequirement": {
            "listing": [
                {"entryname": _LAUNCHER_NAME, "entry": _LAUNCHER},
                {"entryname": launcher.SPEC, "entry": json.dumps(spec, indent=1) + "\n"},
                {"entryname": launcher.INPUTS, "entry": "$(inputs)"},
                {"entryname": launcher.NOTEBOOK_DATA, "entry": encoded},
            ]
        },
        "ResourceRequirement": {"coresMax": 1, "ramMax": 2048},
    }
    if image is not None:
        requirements["DockerRequirement"] = {"dockerPull": image}
    built_from = f" Built from {metadata.code_repository or 'a local folder'}" if metadata.commit else ""
    return {
        "class": "CommandLineTool",
        "id": TOOL_ID,
        "label": f"Run the notebook {metadata.name}",
        "doc": "Runs the notebook with papermill, the job's inputs as its parameters."
        + (f"{built_from} at commit {metadata.commit}." if metadata.commit else ""),
        "requirements": requirements,
        "baseCommand": ["python3", _LAUNCHER_NAME],
        "inputs": {parameter.name: {"type": parameter.cwl_type} for parameter in parameters if parameter.is_input},
        "outputs": {
            "results": {"type": "Directory", "outputBinding": {"glob": launcher.RESULTS}},
            "executed_notebook": {"type": "File", "outputBinding": {"glob": launcher.EXECUTED}},
        },
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the script, the notebook) as literal blocks, which a reader can follow."""


def _literal_strings(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _literal_strings)
