"""`swath app build`: from a parameterised notebook (or a repository holding one) to a CWL application package.

The steps are the ones Unity's app-pack-generator takes, on Swath's own terms: find the notebook, read its
`parameters` cell (parameters.py), build an image when a container engine works here (images.py), and write one
self-contained package (package.py). Registering and deploying it are the catalog's ordinary calls, made by the
caller with the package text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from swath.appbuild.images import DEFAULT_BASE_IMAGE, build_image, image_name
from swath.appbuild.package import PackageMetadata, application_package, stripped_notebook
from swath.appbuild.parameters import NotebookParameter, find_parameters_cell, read_parameters
from swath.appbuild.sources import NotebookSource, opened_source
from swath.errors import ApplicationBuildFailed
from swath.process_ids import is_valid_process_id, is_valid_version
from swath.services.containers import ContainerRuntimeUnusable, probe_container_runtime

__all__ = ["BuiltApplication", "build_application"]

DEFAULT_VERSION = "1.0.0"


@dataclass(frozen=True)
class BuiltApplication:
    """The package text, and what the author should know about it (the image, or why there is none)."""

    name: str
    version: str
    package: str
    image: str | None
    parameters: list[NotebookParameter]
    notes: list[str]


def build_application(
    reference: str,
    *,
    notebook: str | None = None,
    name: str | None = None,
    version: str | None = None,
    image: str | None = None,
    base_image: str = DEFAULT_BASE_IMAGE,
    with_image: bool = True,
    container_runtime: str = "auto",
) -> BuiltApplication:
    """Build the package of `reference` (a notebook, a repository folder or a git URL); ApplicationBuildFailed
    says what to change."""
    with opened_source(reference, notebook) as source:
        document = _read_notebook(source)
        parameters = read_parameters(find_parameters_cell(document, source.notebook.name), source.notebook.name)
        metadata = _metadata(source, document, name, version)
        notes: list[str] = []
        chosen = image
        if image is not None:
            notes.append(f"the package names the image {image}, as given; nothing was built")
        elif with_image:
            chosen = _built_image(source, metadata, base_image, container_runtime, notes)
        else:
            notes.append("--no-image: no image was built")
        if chosen is None:
            notes.append(
                "the package names no image: it runs where the service allows tools on the host "
                "(SWATH_ALLOW_HOST_TOOLS), with papermill and ipykernel on that host's python3"
            )
        package = application_package(stripped_notebook(document), parameters, metadata, chosen)
    return BuiltApplication(metadata.name, metadata.version, package, chosen, parameters, notes)


def _read_notebook(source: NotebookSource) -> dict[str, Any]:
    try:
        document = json.loads(source.notebook.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApplicationBuildFailed(f"{source.notebook.name} is not a notebook: not JSON ({error}).") from error
    if not isinstance(document, dict) or document.get("nbformat") != 4:
        raise ApplicationBuildFailed(f"{source.notebook.name} is not a version 4 Jupyter notebook (nbformat 4).")
    metadata = document.get("metadata") or {}
    language = (metadata.get("kernelspec") or {}).get("language") or (metadata.get("language_info") or {}).get("name")
    if language not in (None, "python"):
        raise ApplicationBuildFailed(
            f"{source.notebook.name} is a {language} notebook; an application runs Python notebooks (ipykernel)."
        )
    return document


def _built_image(
    source: NotebookSource, metadata: PackageMetadata, base_image: str, setting: str, notes: list[str]
) -> str | None:
    try:
        runtime = probe_container_runtime(setting)
    except ContainerRuntimeUnusable as error:
        raise ApplicationBuildFailed(str(error)) from error
    if runtime.engine is None:
        notes.append(f"no image was built: {runtime.detail}")
        return None
    built = image_name(metadata.name, metadata.version)
    notes.append(build_image(runtime.engine, built, source.repository, source.notebook, base_image))
    return built


def _metadata(
    source: NotebookSource, document: dict[str, Any], name: str | None, version: str | None
) -> PackageMetadata:
    chosen_name = name or source.name or _slug(source.notebook.stem)
    if not is_valid_process_id(chosen_name):
        raise ApplicationBuildFailed(
            f"'{chosen_name}' cannot name an application: use letters, digits, '.', '_' and '-', starting with a "
            "letter or digit (--name)."
        )
    chosen_version = version or source.version or DEFAULT_VERSION
    if not is_valid_version(chosen_version):
        raise ApplicationBuildFailed(f"'{chosen_version}' is not a version: use letters, digits, '.', '_', '+', '-'.")
    title, description = _introduction(document)
    authors = [
        str(author["name"])
        for author in (document.get("metadata") or {}).get("authors", [])
        if isinstance(author, dict) and author.get("name")
    ]
    return PackageMetadata(
        name=chosen_name,
        version=chosen_version,
        title=title or chosen_name,
        description=description,
        authors=authors,
        code_repository=source.code_repository,
        commit=source.commit,
    )


def _introduction(document: dict[str, Any]) -> tuple[str | None, str | None]:
    """The title (the first heading) and description (the rest) of the notebook's first markdown cell."""
    for cell in document.get("cells", []):
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            text = ("".join(source) if isinstance(source, list) else str(source)).strip()
            lines = text.splitlines()
            if lines and lines[0].startswith("#"):
                rest = "\n".join(lines[1:]).strip()
                return lines[0].lstrip("#").strip() or None, rest or None
            return None, text or None
    return None, None


def _slug(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._").lower() or "notebook"
