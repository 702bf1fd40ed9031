"""Which container engine runs the tools of jobs, and what a package may run, decided before any job starts.

A runtime is used only when it works (issue 14): an engine whose client is installed but that cannot run a container
(no daemon, rootful Podman refusing cwltool's flags) made every job fail. So the choice is made once per process that
runs or deploys jobs, by running a container: `auto` takes the first engine that runs one and falls back to the
host, saying why in one line; an explicit `docker` or `podman` that does not run one is refused with the reason.

The probe assumes no image and no network: it imports a one-file image it builds on the spot (a static executable
that exits 0, a few hundred bytes), so an engine that holds no image at all, or only its packages' images, passes
wherever it can run containers.

Host execution is a decision (`SWATH_ALLOW_HOST_TOOLS`), checked at deploy: a tool without a `DockerRequirement`,
or any tool when no runtime is in use, runs on the host, which a shared venue must not allow for a stranger's
package.
"""

from __future__ import annotations

import functools
import io
import platform
import shutil
import struct
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from swath.errors import InvalidPackage
from swath.settings import Settings
from swath.store.records import JSON

__all__ = [
    "PROBE_IMAGE",
    "ContainerRuntime",
    "ContainerRuntimeUnusable",
    "ContainerUse",
    "check_package_may_run",
    "choose_container_runtime",
    "container_use",
    "cwl_objects",
    "image_names",
    "probe_container_runtime",
    "probe_engine",
    "runs_tools_on_host",
]

ENGINES = ("docker", "podman")
PROBE_IMAGE = "localhost/swath/probe:1"
# A cold engine's first `run` (creating its storage, loading the runtime) took about a second here; a probe that
# takes this long counts as failed.
_PROBE_TIMEOUT = 30.0
_REASON_LIMIT = 200


@dataclass(frozen=True)
class ContainerRuntime:
    """The engine this process runs tools with (None: on the host), and why, in one line."""

    engine: str | None
    detail: str


class ContainerRuntimeUnusable(Exception):
    """SWATH_CONTAINER_RUNTIME names an engine that cannot run a container here; the service must not start."""


@functools.cache
def choose_container_runtime(setting: str) -> ContainerRuntime:
    """The runtime for this process, probed once (every later call, and every forked child, reuses the answer).

    Raises ContainerRuntimeUnusable for an explicit engine that does not work.
    """
    return probe_container_runtime(setting)


def probe_container_runtime(setting: str) -> ContainerRuntime:
    """Probe now, without the cache (tests, and `choose_container_runtime`)."""
    if setting == "none":
        return ContainerRuntime(None, "SWATH_CONTAINER_RUNTIME is none: tools run on the host.")
    if setting in ENGINES:
        reason = probe_engine(setting)
        if reason is not None:
            raise ContainerRuntimeUnusable(f"SWATH_CONTAINER_RUNTIME is {setting}, but {reason}")
        return ContainerRuntime(setting, f"{setting} runs containers.")
    reasons = []
    for engine in ENGINES:
        reason = probe_engine(engine)
        if reason is None:
            return ContainerRuntime(engine, f"auto: {engine} runs containers.")
        reasons.append(reason)
    return ContainerRuntime(None, f"auto: no container runtime works, tools run on the host ({'; '.join(reasons)}).")


def probe_engine(engine: str) -> str | None:
    """None when `engine` runs a container here; else why not, as the end of a sentence ("docker cannot ...")."""
    if shutil.which(engine) is None:
        return f"{engine} is not installed"
    try:
        answer = _run([engine, "info"])
        if answer.returncode != 0:
            return f"{engine} does not answer: {_reason(answer)}"
        if _run([engine, "image", "inspect", PROBE_IMAGE]).returncode != 0:
            imported = _run([engine, "import", "-", PROBE_IMAGE], stdin=_probe_image_tar())
            if imported.returncode != 0:
                return f"{engine} cannot import an image: {_reason(imported)}"
        started = _run(
            [engine, "run", "--rm", "--pull=never", "--net=none", "--user=65534:65534", PROBE_IMAGE, "/probe"]
        )
    except subprocess.TimeoutExpired:
        return f"{engine} did not run a container within {_PROBE_TIMEOUT:g} seconds"
    except OSError as error:
        return f"{engine} could not be started: {error.strerror}"
    if started.returncode != 0:
        return f"{engine} cannot run a container: {_reason(started)}"
    return None


def _run(command: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, input=stdin, capture_output=True, timeout=_PROBE_TIMEOUT, check=False)


def _reason(finished: subprocess.CompletedProcess[bytes]) -> str:
    """The engine's own last line of complaint (its earlier lines are progress)."""
    lines = [line.strip() for line in finished.stderr.decode(errors="replace").splitlines() if line.strip()]
    reason = lines[-1] if lines else f"exit status {finished.returncode}"
    return reason if len(reason) <= _REASON_LIMIT else reason[: _REASON_LIMIT - 1] + "…"


# The probe image: a tar holding `/probe`, an ELF executable for this machine whose whole program is exit(0).
_EXIT_ZERO = {
    # mov eax, 60 (exit); xor edi, edi; syscall
    "x86_64": (62, bytes.fromhex("b83c00000031ff0f05")),
    # mov x0, #0; mov x8, #93 (exit); svc #0
    "aarch64": (183, bytes.fromhex("000080d2a80b80d2010000d4")),
}
_EXIT_ZERO["amd64"] = _EXIT_ZERO["x86_64"]
_EXIT_ZERO["arm64"] = _EXIT_ZERO["aarch64"]


def _probe_image_tar() -> bytes:
    machine = platform.machine().lower()
    if machine not in _EXIT_ZERO:
        raise OSError(0, f"Swath has no probe executable for machine type {machine!r}")
    executable = _exit_zero_elf(*_EXIT_ZERO[machine])
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        entry = tarfile.TarInfo("probe")
        entry.size, entry.mode = len(executable), 0o755
        tar.addfile(entry, io.BytesIO(executable))
    return archive.getvalue()


def _exit_zero_elf(machine: int, code: bytes) -> bytes:
    """A static ELF64 executable: one header, one loadable segment, `code` right after them."""
    base, header_size, segment_header_size = 0x400000, 64, 56
    size = header_size + segment_header_size + len(code)
    identity = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, ELF version 1, System V
    header = struct.pack(
        "<16sHHIQQQIHHHHHH",
        identity, 2, machine, 1, base + header_size + segment_header_size, header_size, 0, 0,
        header_size, segment_header_size, 1, 0, 0, 0,
    )  # fmt: skip
    segment = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)  # PT_LOAD, read + execute
    return header + segment + code


# What a package may run --------------------------------------------------------------------------------------------


def runs_tools_on_host(document: JSON, runtime: ContainerRuntime) -> bool:
    """Whether any command-line tool of the package would run on the host under `runtime`."""
    return any(not contained or runtime.engine is None for contained in _tools(document))


def image_names(document: JSON) -> list[str]:
    """Every image the package names (`dockerPull` or `dockerImageId`), in document order, once each."""
    names: dict[str, None] = {}
    for node in cwl_objects(document):
        for entry in _docker_requirements(node):
            for key in ("dockerPull", "dockerImageId"):
                if isinstance(entry.get(key), str):
                    names[entry[key]] = None
    return list(names)


@dataclass(frozen=True)
class ContainerUse:
    """How a process's tools run on this service, for its description: a tool never runs on the host silently."""

    # "docker", "podman", or None (no runtime).
    engine: str | None
    images: list[str]
    runs_tools_on_host: bool


def container_use(document: JSON | None, settings: Settings) -> ContainerUse:
    runtime = choose_container_runtime(settings.container_runtime)
    if document is None:  # a built-in process: Swath's own code, no tool
        return ContainerUse(runtime.engine, [], False)
    return ContainerUse(runtime.engine, image_names(document), runs_tools_on_host(document, runtime))


def check_package_may_run(document: JSON, settings: Settings, runtime: ContainerRuntime) -> None:
    """Refuse, at deploy, a package that names an image outside the allow-list, or whose tools would run on the host
    where the operator does not allow that. Raises InvalidPackage."""
    allowed = settings.allowed_images
    for name in image_names(document):
        if allowed and not any(_is_from(name, prefix) for prefix in allowed):
            raise InvalidPackage(
                f"The package names image '{name}', which this service does not run; "
                f"allowed images start with: {', '.join(allowed)}."
            )
    if settings.host_tools_allowed or not runs_tools_on_host(document, runtime):
        return
    if runtime.engine is None:
        raise InvalidPackage(
            "This service has no container runtime and runs no tool on the host (SWATH_ALLOW_HOST_TOOLS is off); "
            "the package's tools cannot run here."
        )
    raise InvalidPackage(
        "The package has a tool without a DockerRequirement, which would run on the host, and this service runs no "
        "tool on the host (SWATH_ALLOW_HOST_TOOLS is off); name an image for every tool."
    )


def _is_from(image: str, prefix: str) -> bool:
    """`prefix` is a registry or path ("ghcr.io/", "localhost/team"), a repository (any of its tags), or an image.

    Whole path components only: "localhost/team" does not admit "localhost/team-b/tool".
    """
    if image == prefix or prefix.endswith(("/", ":", "@")):
        return image.startswith(prefix)
    return image.startswith((prefix + "/", prefix + ":", prefix + "@"))


def _tools(document: JSON) -> Iterator[bool]:
    """For each CommandLineTool in the document: whether a DockerRequirement covers it (its own, or one of an
    enclosing workflow or step; in a `$graph`, of any workflow in it, since steps reach tools there by reference)."""
    graph = document.get("$graph")
    roots = graph if isinstance(graph, list) else [document]
    graph_covered = any(
        isinstance(node, dict) and node.get("class") == "Workflow" and _docker_requirements(node) for node in roots
    )
    for root in roots:
        if isinstance(root, dict):
            yield from _tools_below(root, graph_covered)


def _tools_below(node: JSON, covered: bool) -> Iterator[bool]:
    covered = covered or bool(_docker_requirements(node))
    if node.get("class") == "CommandLineTool":
        yield covered
    for key, value in node.items():
        if key in ("requirements", "hints"):
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, dict):
                yield from _tools_below(child, covered)


def _docker_requirements(node: JSON) -> list[JSON]:
    found: list[JSON] = []
    for key in ("requirements", "hints"):
        entries: Any = node.get(key)
        if isinstance(entries, dict):  # the map form, keyed by class
            entries = [{"class": name, **(body or {})} for name, body in entries.items() if isinstance(body, dict)]
        if isinstance(entries, list):
            found.extend(e for e in entries if isinstance(e, dict) and e.get("class") == "DockerRequirement")
    return found


def cwl_objects(value: Any) -> Iterator[JSON]:
    """Every mapping of a CWL document (processes, steps, inline tools), depth first."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from cwl_objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from cwl_objects(child)
