"""`swath app ...`: register, list, show, deploy and delete versions in the application catalog; `build` a package
from a notebook (swath/cli/app_build.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from swath.cli.app_build import build
from swath.cli.common import JsonOption, UrlOption, connected, fail, print_json
from swath.cli.render import console
from swath.client.errors import APIError

app = typer.Typer(help="The application catalog: register, list, show, deploy, delete.", no_args_is_help=True)

app.command()(build)

ReferenceArgument = Annotated[str, typer.Argument(help="NAME:VERSION of a catalog version.")]


def _split(reference: str) -> tuple[str, str]:
    name, separator, version = reference.partition(":")
    if not separator or not name or not version:
        fail(f"'{reference}' does not name a version; write NAME:VERSION.", 2)
    return name, version


@app.command()
def register(
    package: Annotated[
        str,
        typer.Argument(
            help="A CWL file, an ogcapppkg .json, a folder or .zip of files, an http(s) URL for the server to "
            "fetch, or with --git a git repository URL."
        ),
    ],
    name: Annotated[str | None, typer.Option(help="The application's name (default: the package's id).")] = None,
    version: Annotated[str | None, typer.Option(help="The version (default: its s:softwareVersion).")] = None,
    entry: Annotated[str | None, typer.Option(help="The entry file of a multi-file package.")] = None,
    git: Annotated[bool, typer.Option("--git", help="PACKAGE is a git repository the server clones.")] = False,
    ref: Annotated[str | None, typer.Option(help="With --git: the branch, tag or commit.")] = None,
    path: Annotated[str | None, typer.Option(help="With --git: the package's folder or entry file.")] = None,
    visible_to: Annotated[
        str | None, typer.Option(help="Only these users and group:NAMEs (comma-separated) see the version.")
    ] = None,
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Register a package as an immutable version; prints its checksum and best-practice warnings."""
    shown_to = [item.strip() for item in (visible_to or "").split(",") if item.strip()] or None
    with connected(url) as client:
        try:
            if git or package.startswith(("http://", "https://")):
                document = client.register_application_source(
                    **({"git": package, "ref": ref, "path": path} if git else {"href": package}),
                    name=name,
                    version=version,
                    entry=entry,
                    visible_to=shown_to,
                )
            else:
                document = client.register_application(package, name, version, entry, shown_to)
        except APIError as error:
            # Every problem of a refused package, not only the summary line: the author fixes them in one round.
            for problem in error.document.get("errors", []):
                typer.echo(f"  {problem}", err=True)
            raise
    if json_output:
        print_json(document)
        return
    console.print(f"Registered {document['name']}:{document['version']} ({document['checksum']})", markup=False)
    for warning in document.get("warnings", []):
        console.print(f"  warning: {warning}", markup=False)


@app.command("list")
def list_applications(
    name: Annotated[str | None, typer.Option(help="Part of the name.")] = None,
    keyword: Annotated[str | None, typer.Option(help="Part of a keyword.")] = None,
    author: Annotated[str | None, typer.Option(help="Part of an author's name.")] = None,
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """The applications of the catalog, each with its newest version."""
    with connected(url) as client:
        found = client.applications(name, keyword, author)
    if json_output:
        print_json(found)
        return
    table = Table("name", "version", "title", "registered by", title="Applications")
    for item in found:
        table.add_row(
            Text(item["name"]), Text(item["version"]), Text(item.get("title") or ""), Text(item["registeredBy"])
        )
    console.print(table)


@app.command()
def show(
    reference: Annotated[str, typer.Argument(help="NAME, or NAME:VERSION for one version.")],
    url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """An application's versions, or one version's metadata, warnings and files."""
    with connected(url) as client:
        document: dict[str, Any] = (
            client.application_version(*_split(reference)) if ":" in reference else client.application(reference)
        )
    if json_output or ":" not in reference:
        print_json(document)
        return
    console.print(f"{document['name']}:{document['version']}  {document['checksum']}", markup=False)
    console.print(f"registered by {document['registeredBy']} at {document['registered']}", markup=False)
    for key, value in document.get("metadata", {}).items():
        console.print(f"  {key}: {value}", markup=False)
    for path in document.get("files", []):
        console.print(f"  file: {path}", markup=False)
    for warning in document.get("warnings", []):
        console.print(f"  warning: {warning}", markup=False)


@app.command()
def deploy(reference: ReferenceArgument, url: UrlOption = None, json_output: JsonOption = False) -> None:
    """Deploy a catalog version as a process of the same version."""
    with connected(url) as client:
        summary = client.deploy_application(*_split(reference))
    if json_output:
        print_json(summary)
    else:
        console.print(f"Deployed process {summary['id']} version {summary.get('version', '')}", markup=False)


@app.command()
def delete(
    reference: ReferenceArgument,
    force: Annotated[bool, typer.Option(help="Delete even while a process deployed from it is live.")] = False,
    url: UrlOption = None,
) -> None:
    """Delete a catalog version."""
    with connected(url) as client:
        client.delete_application_version(*_split(reference), force=force)
    console.print(f"Deleted {reference}", markup=False)
