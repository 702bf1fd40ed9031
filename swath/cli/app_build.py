"""`swath app build`: a notebook or a repository becomes a CWL application package, optionally registered and
deployed. The work is swath/appbuild's; this command reads the options and reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from swath.appbuild.build import build_application
from swath.appbuild.images import DEFAULT_BASE_IMAGE
from swath.cli.common import USAGE_ERROR, JsonOption, UrlOption, connected, fail, print_json, server_settings
from swath.cli.render import console
from swath.errors import ApplicationBuildFailed


def build(
    source: Annotated[str, typer.Argument(help="A notebook (.ipynb), a repository folder, or a git URL to clone.")],
    notebook: Annotated[str | None, typer.Option(help="The notebook inside the repository (its path there).")] = None,
    name: Annotated[str | None, typer.Option(help="The application's name (default: the notebook's).")] = None,
    version: Annotated[str | None, typer.Option(help="The version (default: swath-app.yaml's, else 1.0.0).")] = None,
    image: Annotated[str | None, typer.Option(help="Name this image instead of building one.")] = None,
    base_image: Annotated[str, typer.Option(help="The base of the built image when there is no Dockerfile.")] = (
        DEFAULT_BASE_IMAGE
    ),
    no_image: Annotated[bool, typer.Option("--no-image", help="Build no image: the package runs on the host.")] = False,
    output: Annotated[Path | None, typer.Option(help="Where to write the package (default: NAME.cwl here).")] = None,
    register: Annotated[bool, typer.Option(help="Register the package in the server's catalog.")] = False,
    deploy: Annotated[bool, typer.Option(help="Register it and deploy it as a process.")] = False,
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Make a CWL application package from a notebook with a cell tagged `parameters` (papermill's convention)."""
    settings = server_settings()
    try:
        built = build_application(
            source,
            notebook=notebook,
            name=name,
            version=version,
            image=image,
            base_image=base_image,
            with_image=not no_image,
            container_runtime=settings.container_runtime,
        )
    except ApplicationBuildFailed as error:
        fail(str(error), USAGE_ERROR)
    target = output or Path(f"{built.name}.cwl")
    target.write_text(built.package, encoding="utf-8")
    inputs = [parameter.name for parameter in built.parameters if parameter.is_input]
    registered: dict[str, Any] | None = None
    deployed: dict[str, Any] | None = None
    if register or deploy:
        with connected(url) as client:
            registered = client.register_application(built.package, built.name, built.version)
            if deploy:
                deployed = client.deploy_application(built.name, built.version)
    if json_output:
        report = {"name": built.name, "version": built.version, "package": str(target), "image": built.image,
                  "inputs": inputs, "notes": built.notes, "registered": registered, "deployed": deployed}  # fmt: skip
        print_json({key: value for key, value in report.items() if value is not None or key == "image"})
        return
    console.print(f"Wrote {target}: application {built.name}:{built.version}", markup=False)
    console.print(f"  inputs: {', '.join(inputs) or 'none'}", markup=False)
    for note in built.notes:
        console.print(f"  {note}", markup=False)
    if registered is not None:
        console.print(f"Registered {built.name}:{built.version} ({registered['checksum']})", markup=False)
        for warning in registered.get("warnings", []):
            console.print(f"  warning: {warning}", markup=False)
    if deployed is not None:
        console.print(f"Deployed process {deployed['id']} version {deployed.get('version', '')}", markup=False)
