"""cwltool's validation of a deploy, in a child process with a CPU-time and a memory limit.

Validating a package costs more than linearly in its size (bench/limits.py: a 1 MB package with many inputs took
longer than eight minutes), and cwltool's loading runs under one lock in the process that loads
(services/cwl_loading.py). Done in the API process, one large or hostile deploy held every other deploy behind that
lock for minutes and, holding the GIL, slowed every read of that process. Each validation therefore runs in its own
process, forked from a warm fork server that has already imported cwltool (~tens of ms a child, against ~1 s for a
fresh interpreter): `RLIMIT_CPU` and `RLIMIT_AS` bound what one package may cost, nothing is shared between two
deploys, and the API only waits on a pipe.

The child answers the described inputs and outputs, or cwltool's refusal; a child stopped by a limit is refused
with the name of the setting that stopped it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import resource
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from swath.errors import InvalidPackage
from swath.services.cwl_loading import load_document
from swath.services.descriptions import describe_inputs, describe_outputs, named_types
from swath.services.network import IPNetwork
from swath.store.records import JSON

__all__ = ["CheckedPackage", "PackageCheckLimits", "checked_in_child", "start_fork_server"]

log = logging.getLogger("swath.services")

# The fork server imports cwltool and fills its caches once (package_check_server); every validation is a fork.
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["swath.services.package_check_server"])
# Wall-clock time a child may take beyond its CPU limit (remote `run:` documents are fetched in it, 30 s each at
# most) before it is killed.
_WALL_MARGIN = 60.0


@dataclass(frozen=True)
class PackageCheckLimits:
    cpu_seconds: int
    memory_bytes: int


@dataclass(frozen=True)
class CheckedPackage:
    """What the parent needs of the loaded tool: its OGC input and output descriptions."""

    inputs: dict[str, JSON]
    outputs: dict[str, JSON]


def start_fork_server() -> None:
    """Start the fork server now (it imports cwltool, ~1 s) rather than at the first deploy."""
    forkserver.ensure_running()


def checked_in_child(
    text: str, entry_id: str | None, networks: Sequence[IPNetwork], limits: PackageCheckLimits
) -> CheckedPackage:
    """Validate the CWL `text` with cwltool in a limited child; InvalidPackage with cwltool's message, or naming the
    limit that stopped it."""
    receiving, sending = _FORKS.Pipe(duplex=False)
    child = _FORKS.Process(
        target=_check, args=(sending, text, entry_id, tuple(networks), limits), name="swath-package-check", daemon=True
    )
    child.start()
    sending.close()
    outcome: tuple[str, Any] | None = None
    wall = limits.cpu_seconds + _WALL_MARGIN
    answered = False
    try:
        if receiving.poll(wall):
            answered = True
            with contextlib.suppress(EOFError):
                outcome = receiving.recv()
    finally:
        receiving.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    if not answered:
        raise InvalidPackage(
            f"Validating the package took longer than {wall:g} s (SWATH_DEPLOY_CPU_LIMIT and the time its remote "
            "documents take to fetch); deploy a smaller or self-contained package."
        )
    return _answer(outcome, child.exitcode, limits)


def _answer(outcome: tuple[str, Any] | None, exitcode: int | None, limits: PackageCheckLimits) -> CheckedPackage:
    if outcome is not None and outcome[0] == "described":
        inputs, outputs = outcome[1]
        return CheckedPackage(inputs, outputs)
    if outcome is not None and outcome[0] == "invalid":
        raise InvalidPackage(outcome[1])
    if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise InvalidPackage(
            f"Validating the package took more than {limits.cpu_seconds} s of CPU, the most SWATH_DEPLOY_CPU_LIMIT "
            "allows; deploy a smaller package (split large $graphs, fewer inputs)."
        )
    if (outcome is not None and outcome[0] == "memory") or exitcode in (-signal.SIGSEGV, -signal.SIGABRT):
        raise InvalidPackage(
            f"Validating the package needed more than {limits.memory_bytes // 2**20} MiB of memory, the most "
            "SWATH_DEPLOY_MEMORY_LIMIT allows; deploy a smaller package."
        )
    log.error("The package check stopped with exit code %s: %s", exitcode, outcome)
    raise InvalidPackage("The package is not valid CWL: cwltool could not read it.")


def _check(
    sending: Connection, text: str, entry_id: str | None, networks: Sequence[IPNetwork], limits: PackageCheckLimits
) -> None:
    """The child: limit itself, load, describe, answer one message."""
    # Soft limit: SIGXCPU stops the child; the hard limit a second later kills one that ignores it.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    try:
        sending.send(("described", _described(text, entry_id, networks)))
    except InvalidPackage as refused:
        sending.send(("invalid", refused.detail))
    except MemoryError:
        sending.send(("memory", None))
    finally:
        sending.close()


def _described(text: str, entry_id: str | None, networks: Sequence[IPNetwork]) -> tuple[JSON, JSON]:
    with TemporaryDirectory(prefix="swath-package-") as directory:
        path = Path(directory) / "package.cwl"
        path.write_text(text, encoding="utf-8")
        tool = load_document(path, entry_id, InvalidPackage, "The package is not valid CWL", networks=networks)
    types = named_types([*tool.requirements, *tool.hints])
    described = (describe_inputs(tool.tool["inputs"], types), describe_outputs(tool.tool["outputs"], types))
    # Plain JSON across the pipe: cwltool's ruamel maps carry line data that the parent has no use for.
    return json.loads(json.dumps(described))  # type: ignore[no-any-return]
