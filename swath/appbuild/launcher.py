"""Run a notebook application's notebook with papermill inside its job, then describe its products in STAC.

This file is not imported by Swath: `swath app build` copies its text into every package it makes, as the tool's
script, so it runs wherever the job runs (an image with only papermill and ipykernel, or the host) with the standard
library alone. CWL evaluates parameter references in that text, so it must never hold a dollar sign followed by a
parenthesis or a brace (a test checks).

The job's folder holds, from the package: this script, `swath-notebook.json` (which parameter is a path, a STAC
catalog or the output folder), `parameters.json` (the job's inputs, as CWL gives them) and `notebook.ipynb.b64`
(the notebook, base64, so that no character of it is read as CWL). It leaves `results/`, the files the notebook
wrote there (with a STAC catalog made for them when the notebook wrote none) and `executed.ipynb`, the notebook as
it ran, outputs and errors included.
"""

import base64
import datetime
import json
import mimetypes
import os
import subprocess
import sys
from typing import Any

SPEC = "swath-notebook.json"
INPUTS = "parameters.json"
NOTEBOOK_DATA = "notebook.ipynb.b64"
NOTEBOOK = "notebook.ipynb"
EXECUTED = "executed.ipynb"
PAPERMILL_PARAMETERS = "papermill-parameters.json"
RESULTS = "results"
STAC_VERSION = "1.1.0"
# Where an image built from a repository keeps its files; the notebook imports its modules from there.
APPLICATION_FOLDER = "/opt/application"


def log(message: str) -> None:
    print("notebook: " + message, file=sys.stderr, flush=True)


def read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def notebook_values(spec: dict[str, Any], inputs: dict[str, Any], results: str) -> dict[str, Any]:
    """The papermill parameters: the job's values, paths for files and folders, the output folder.

    A parameter the job leaves null keeps the notebook's own default, as papermill does for one not given.
    """
    values: dict[str, Any] = {}
    for name, kind in spec["parameters"].items():
        value = inputs.get(name)
        if value is None:
            continue
        if kind in ("File", "Directory"):
            value = value["path"]
        elif kind == "stac":
            value = os.path.join(value["path"], "catalog.json")
            if not os.path.isfile(value):
                sys.exit("notebook: input " + name + " holds no STAC catalog.json; give a folder that has one.")
        values[name] = value
    if spec.get("output"):
        values[spec["output"]] = results
    return values


def run_papermill(values: dict[str, Any], folder: str) -> int:
    with open(PAPERMILL_PARAMETERS, "w", encoding="utf-8") as stream:
        json.dump(values, stream)
    environment = dict(os.environ)
    if os.path.isdir(APPLICATION_FOLDER):
        environment["PYTHONPATH"] = os.pathsep.join(
            part for part in (APPLICATION_FOLDER, environment.get("PYTHONPATH", "")) if part
        )
    command = [
        sys.executable, "-m", "papermill", NOTEBOOK, EXECUTED, "-f", PAPERMILL_PARAMETERS,
        "-k", "python3", "--cwd", folder, "--log-output", "--no-progress-bar",
    ]  # fmt: skip
    log("running " + " ".join(command))
    return subprocess.run(command, env=environment, check=False).returncode


def unused_folder(results: str, name: str) -> str:
    folder, number = name, 1
    while os.path.exists(os.path.join(results, folder)):
        number += 1
        folder = name + "-" + str(number)
    return folder


def write_catalog(results: str) -> None:
    """A STAC catalog of every file in `results`, one item per file, all hrefs relative."""
    files = sorted(
        os.path.relpath(os.path.join(top, name), results) for top, _, names in os.walk(results) for name in names
    )
    items_folder = unused_folder(results, "stac-items")
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    links = [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]
    used: set[str] = set()
    for relative in files:
        item_id = relative.replace(os.sep, "-").replace(".", "-")
        while item_id in used:
            item_id += "-"
        used.add(item_id)
        media_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        item = {
            "type": "Feature", "stac_version": STAC_VERSION, "id": item_id, "geometry": None,
            "properties": {"datetime": now, "title": relative},
            "links": [{"rel": "root", "href": "../catalog.json", "type": "application/json"},
                      {"rel": "parent", "href": "../catalog.json", "type": "application/json"}],
            "assets": {"data": {"href": "../" + relative.replace(os.sep, "/"), "type": media_type, "roles": ["data"]}},
        }  # fmt: skip
        os.makedirs(os.path.join(results, items_folder), exist_ok=True)
        with open(os.path.join(results, items_folder, item_id + ".json"), "w", encoding="utf-8") as stream:
            json.dump(item, stream, indent=2)
        links.append({"rel": "item", "href": "./" + items_folder + "/" + item_id + ".json",
                      "type": "application/geo+json"})  # fmt: skip
    catalog = {
        "type": "Catalog", "stac_version": STAC_VERSION, "id": "notebook-results",
        "description": "The files the notebook wrote to its output folder.", "links": links,
    }  # fmt: skip
    with open(os.path.join(results, "catalog.json"), "w", encoding="utf-8") as stream:
        json.dump(catalog, stream, indent=2)
    log("the notebook wrote no catalog.json: made one of its " + str(len(files)) + " file(s)")


def main() -> None:
    folder = os.getcwd()
    spec, inputs = read_json(SPEC), read_json(INPUTS)
    with open(NOTEBOOK_DATA, "rb") as stream:
        notebook = base64.b64decode(stream.read())
    with open(NOTEBOOK, "wb") as stream:
        stream.write(notebook)
    results = os.path.join(folder, RESULTS)
    os.makedirs(results, exist_ok=True)
    status = run_papermill(notebook_values(spec, inputs, results), folder)
    if status != 0:
        sys.exit("notebook: papermill ended with exit status " + str(status) + "; the log above shows the cell.")
    if not os.path.isfile(os.path.join(results, "catalog.json")):
        write_catalog(results)


if __name__ == "__main__":
    main()
