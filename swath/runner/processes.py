"""Process-tree primitives for job processes: signalling a job's group, and finding what escaped it.

A tool may leave its process group (`setsid`, a double fork) and so outlive a `killpg`. Two Linux facilities close
that gap without cgroups: a *child subreaper* (prctl PR_SET_CHILD_SUBREAPER) adopts every orphan among its
descendants instead of init, so whatever a job started stays below the job's process (or, once that is gone, below
its supervisor); and `/proc/<pid>/task/<tid>/children` lists a process's children in one read, cheap enough to walk
at the end of every job.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable, Collection
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def become_subreaper() -> None:
    """Adopt the orphans among this process's descendants, so none escapes to init."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def on_parent_death(parent: int, handler: Callable[[], None]) -> None:
    """Call `handler` (from a SIGHUP the kernel sends) when `parent` dies; at once if it already has."""
    signal.signal(signal.SIGHUP, lambda *_: handler())
    _prctl(_PR_SET_PDEATHSIG, signal.SIGHUP)
    if os.getppid() != parent:  # the parent died before the request was in place
        handler()


def children(pid: int) -> list[int]:
    """The direct children of `pid` (empty when it is gone)."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, parents before their children."""
    found: list[int] = []
    pending = children(pid)
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children(child))
    return found


def signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def kill_tree(pid: int) -> None:
    """SIGKILL `pid`'s process group and every process below it, in whatever group or session it sits."""
    below = descendants(pid)
    signal_group(pid, signal.SIGKILL)
    for process in [pid, *below]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(process, signal.SIGKILL)


def kill_descendants() -> None:
    """SIGKILL everything below this process (a job ending takes its tools' daemons with it)."""
    for process in descendants(os.getpid()):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(process, signal.SIGKILL)


def kill_strays(known: Collection[int]) -> int:
    """Kill the trees of this (subreaper) process's children that are not in `known`: orphans a job left behind
    when its own process died first. Returns how many were found."""
    strays = [pid for pid in children(os.getpid()) if pid not in known]
    for pid in strays:
        kill_tree(pid)
    return len(strays)
