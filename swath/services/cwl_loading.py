"""How Swath loads CWL with cwltool, for deploy and for run alike, and the one translation of cwltool's errors.

A package that deploys must load the same way when it runs: the same schema-salad options, the same confinement,
the same messages. Deploy (`services/packages.py`) and the runner (`runner/cwl.py`) both load through
`load_document`, and the runner builds its `RuntimeContext` with `runtime_context`; neither configures cwltool
itself.

cwltool is driven through `cwltool.load_tool`'s functions, never `cwltool.main.main`, which empties
schema-salad's cache on every call (~0.4 s against ~10 ms per load, DESIGN.md).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx
from cwl_utils.errors import WorkflowException
from cwltool.context import LoadingContext, RuntimeContext
from cwltool.load_tool import fetch_document, make_tool, resolve_and_validate_document
from cwltool.pack import pack
from cwltool.process import Process
from cwltool.workflow import default_make_tool
from schema_salad.exceptions import SchemaSaladException, ValidationException
from schema_salad.fetcher import DefaultFetcher

from swath.errors import AddressRefused
from swath.services.network import IPNetwork, fetch_checked

__all__ = [
    "CWL_RUN_ERRORS",
    "describe_cwl_error",
    "load_and_pack",
    "load_document",
    "loading_context",
    "runtime_context",
]

# What cwltool raises when a run fails for a reason of the document or the tool (not of Swath).
CWL_RUN_ERRORS: tuple[type[Exception], ...] = (SchemaSaladException, WorkflowException)
# cwltool assumes some shapes before it validates them (`inputs: hello` fails on `str.get`); while only cwltool
# loads, these are its reaction to a malformed document, not a Swath bug.
_SHAPE_ERRORS = (AttributeError, KeyError, IndexError, TypeError, ValueError)
# schema-salad keeps module-level caches that it fills while loading; it makes no promise of thread safety, and the
# API deploys from a thread pool. Loading takes milliseconds once warm, so one lock costs little.
_CWLTOOL_LOCK = threading.Lock()
_REMOTE_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def loading_context(
    folder: Path | None,
    *,
    podman: bool = False,
    networks: Sequence[IPNetwork] = (),
    tool_factory: Callable[..., Process] | None = None,
) -> LoadingContext:
    """The one cwltool loading configuration.

    Schemas named by `$schemas` are not fetched (`skip_schemas`): they only describe metadata, and fetching them
    would make deploys, and every supervisor before it forks, depend on the network. JavaScript is not validated:
    that only logs warnings, and costs a node process per expression. With a `folder`, no local file outside it
    is read (a package is one self-contained document; without this, `run: /some/host/file.cwl` or `$include`
    would read files of the server), and every http(s) document (`run:`, `$import`, `$include`) is fetched only
    from public addresses and the `networks` allowed (services/network.py), redirects included. `tool_factory`
    replaces cwltool's (the runner's contained tools).
    """
    context = LoadingContext()
    context.construct_tool_object = tool_factory or default_make_tool
    context.skip_schemas = True
    context.disable_js_validation = True
    context.podman = podman
    if folder is not None:
        context.fetcher_constructor = _confined_fetcher(folder.resolve().as_uri() + "/", networks)
    return context


def load_document(
    path: Path,
    entry_id: str | None,
    error: Callable[[str], Exception],
    lead: str,
    *,
    podman: bool = False,
    networks: Sequence[IPNetwork] = (),
    tool_factory: Callable[..., Process] | None = None,
) -> Process:
    """The tool of the CWL file at `path` (its `#entry_id` for a `$graph`), confined to the file's folder.

    A document cwltool refuses raises `error(f"{lead}: <cwltool's message>")`, chained, with the folder's path
    left out of the message.
    """
    tool, _ = _load(path, entry_id, error, lead, podman=podman, networks=networks, tool_factory=tool_factory)
    return tool


def load_and_pack(
    path: Path,
    entry_id: str | None,
    error: Callable[[str], Exception],
    lead: str,
    *,
    networks: Sequence[IPNetwork] = (),
) -> tuple[Process, dict[str, Any]]:
    """`load_document`, and the document packed into one (`cwltool --pack`): what a multi-file package deploys as,
    since a process holds one CWL document."""
    tool, packed = _load(path, entry_id, error, lead, networks=networks, packing=True)
    return tool, packed or {}


def _load(
    path: Path,
    entry_id: str | None,
    error: Callable[[str], Exception],
    lead: str,
    *,
    podman: bool = False,
    networks: Sequence[IPNetwork] = (),
    tool_factory: Callable[..., Process] | None = None,
    packing: bool = False,
) -> tuple[Process, dict[str, Any] | None]:
    folder = path.parent
    file_uri = path.resolve().as_uri()
    with _CWLTOOL_LOCK:
        context = loading_context(folder, podman=podman, networks=networks, tool_factory=tool_factory)
        try:
            context, document, uri = fetch_document(file_uri, context)
            context, uri = resolve_and_validate_document(context, document, uri)
            tool = make_tool(file_uri + (f"#{entry_id}" if entry_id else ""), context)
            packed = _packed(context, uri, entry_id) if packing else None
        except CWL_RUN_ERRORS as failure:
            raise error(f"{lead}: {describe_cwl_error(failure, folder)}") from failure
        except _SHAPE_ERRORS as failure:
            raise error(
                f"{lead}: cwltool could not read it ({type(failure).__name__}: {describe_cwl_error(failure, folder)})."
            ) from failure
    return tool, packed


def _packed(context: LoadingContext, uri: str, entry_id: str | None) -> dict[str, Any]:
    """One document for the whole package, as `cwltool --pack` prints it: a `$graph` whose entry is `#main`.

    Packing renames the entry `#main`; its own id is kept as the document's top `id`, where a deploy reads the id
    of a `$graph` whose entry is `main` (services/packages.py).
    """
    target = uri.split("#", 1)[0] + f"#{entry_id}" if entry_id else uri
    packed = dict(pack(context, target))
    own_id = target.partition("#")[2]
    return {"id": own_id, **packed} if own_id and own_id != "main" else packed


def runtime_context(work_dir: Path, log: BinaryIO, engine: str | None) -> RuntimeContext:
    """The one cwltool run configuration: everything under the job's work directory, tools' output to its log."""
    scratch = work_dir / "cwl-tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    runtime = RuntimeContext()
    runtime.basedir = str(work_dir)
    runtime.outdir = str(work_dir / "outputs")
    runtime.tmpdir_prefix = str(scratch / "tmp")
    runtime.tmp_outdir_prefix = str(scratch / "out")
    # Tools' output goes to the job log: inside a Celery worker sys.stderr has no fileno() (DESIGN.md).
    runtime.default_stdout = log
    runtime.default_stderr = log
    runtime.use_container = engine is not None
    runtime.podman = engine == "podman"
    # Stage-out computes sha256 itself; cwltool's sha1 of every output would be a second full read.
    runtime.compute_checksum = False
    return runtime


def describe_cwl_error(error: BaseException, folder: Path | None = None, limit: int | None = None) -> str:
    """cwltool's message on one line, with `folder` (in any of the forms cwltool prints a path: `file://` URI,
    absolute, or relative to the working directory) left out, cut to `limit` characters."""
    message = str(error)
    if folder is not None:
        name = re.escape(folder.resolve().name)
        message = re.sub(rf"(?:file://)?[^\s'\"`(]*{name}/", "", message)
    # schema-salad prefixes nested errors with its loader's id: "(140527515585600) (package.cwl) Validation error".
    message = re.sub(r"\(\d+\) \(([^)\s]*)\) ", r"\1: ", message)
    message = " ".join(message.split())
    if limit is not None and len(message) > limit:
        return message[: limit - 1] + "…"
    return message


def _confined_fetcher(root: str, networks: Sequence[IPNetwork]) -> Callable[..., DefaultFetcher]:
    """A schema-salad fetcher that reads no local file outside `root`, and no URL whose address (or a redirect's)
    is refused (`run: http://169.254.169.254/...` would otherwise reach internal services)."""

    class _ConfinedFetcher(DefaultFetcher):
        def fetch_text(self, url: str, content_types: list[str] | None = None) -> str:
            self._check(url)
            if urlsplit(url).scheme in ("http", "https"):
                try:
                    return fetch_checked(url, networks, _REMOTE_TIMEOUT).decode("utf-8")
                except AddressRefused as refused:
                    raise ValidationException(refused.detail) from refused
                except (httpx.HTTPError, UnicodeDecodeError) as failure:
                    raise ValidationException(f"{url} could not be fetched: {failure}") from failure
            return super().fetch_text(url, content_types)

        def check_exists(self, url: str) -> bool:
            if urlsplit(url).scheme in ("http", "https"):
                return True  # fetch_text checks the address and tells a missing document apart
            return url.startswith(root) or (not url.startswith("file:") and super().check_exists(url))

        def _check(self, url: str) -> None:
            if url.startswith("file:") and not url.startswith(root):
                raise ValidationException(
                    f"{urlsplit(url).path} is outside the package; a package must be one self-contained document"
                )

    return _ConfinedFetcher
