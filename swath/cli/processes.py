"""`swath process ...`: list, describe, deploy and undeploy processes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from swath.cli import render
from swath.cli.common import JsonOption, UrlOption, connected, print_json

app = typer.Typer(help="Deployed processes: list, describe, deploy, undeploy.", no_args_is_help=True)


@app.command("list")
def list_processes(url: UrlOption = None, json_output: JsonOption = False) -> None:
    """The deployed processes."""
    with connected(url) as client:
        processes = client.processes()
    if json_output:
        print_json(processes)
    else:
        render.processes_table(processes)


@app.command()
def describe(
    process_id: Annotated[str, typer.Argument(help="Process id, `name` or `name:version`.")],
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """A process's description: its inputs and outputs."""
    with connected(url) as client:
        process = client.process(process_id)
    if json_output:
        print_json(process)
    else:
        render.process_description(process)


@app.command()
def deploy(
    package: Annotated[str, typer.Argument(help="A CWL file (or ogcapppkg JSON), or its URL.")],
    workflow: Annotated[str | None, typer.Option("--workflow", "-w", help="The workflow of a $graph.")] = None,
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Deploy an application package; it becomes version `<version>` of the process `<id>` (`<id>:<version>`)."""
    source: str | Path = package if "://" in package else Path(package)
    with connected(url) as client:
        if isinstance(source, Path) and not source.is_file():
            raise FileNotFoundError(f"Package file {source} does not exist.")
        summary = client.deploy(source, workflow)
    if json_output:
        print_json(summary)
    else:
        render.console.print(f"Deployed process {summary['id']} version {summary.get('version', '')}", markup=False)


@app.command()
def undeploy(
    process_id: Annotated[str, typer.Argument(help="Process id.")],
    url: UrlOption = None,
) -> None:
    """Undeploy a process; its jobs stay readable."""
    with connected(url) as client:
        client.undeploy(process_id)
    render.console.print(f"Undeployed process {process_id}", markup=False)
