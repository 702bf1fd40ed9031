"""What `Job.wait` shows while it waits: a Rich progress line in a terminal, one updating line in Jupyter.

Jupyter gets a single display that is updated in place (never a new output per poll), at most once a second or
when the status changes. Anywhere else (a pipe, a log file) nothing is shown.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["WaitDisplay", "open_display"]


class WaitDisplay(Protocol):
    def show(self, job_id: str, status: str, progress: int | None, message: str | None) -> None: ...

    def close(self) -> None: ...


class _Silent:
    def show(self, job_id: str, status: str, progress: int | None, message: str | None) -> None:
        pass

    def close(self) -> None:
        pass


class _Terminal:
    def __init__(self) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        self._progress.start()
        self._task: TaskID | None = None

    def show(self, job_id: str, status: str, progress: int | None, message: str | None) -> None:
        description = f"job {job_id[:8]} [bold]{status}[/bold]"
        if self._task is None:
            self._task = self._progress.add_task(description, total=100)
        self._progress.update(self._task, description=description, completed=progress or 0)

    def close(self) -> None:
        self._progress.stop()


class _Notebook:
    _INTERVAL = 1.0

    def __init__(self) -> None:
        from IPython.display import display  # only in a notebook, where IPython is present

        self._started = time.monotonic()
        self._shown = 0.0
        self._last: tuple[str, int | None] | None = None
        self._handle: Any = display(self._text("", "waiting", None, None), raw=True, display_id=True)  # type: ignore[no-untyped-call]

    def _text(self, job_id: str, status: str, progress: int | None, message: str | None) -> dict[str, str]:
        elapsed = time.monotonic() - self._started
        done = f" {progress}%" if progress is not None else ""
        note = f" - {message}" if message else ""
        return {"text/plain": f"job {job_id[:8]} {status}{done} after {elapsed:.0f} s{note}"}

    def show(self, job_id: str, status: str, progress: int | None, message: str | None) -> None:
        now = time.monotonic()
        if (status, progress) == self._last and now - self._shown < self._INTERVAL:
            return
        self._last, self._shown = (status, progress), now
        if self._handle is not None:
            self._handle.update(self._text(job_id, status, progress, message), raw=True)

    def close(self) -> None:
        pass


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    instance = shell.get_ipython()
    return instance is not None and hasattr(instance, "kernel")


def open_display(show: bool | None) -> WaitDisplay:
    """The display for this place; `show` False silences it, True forces the terminal one outside a notebook."""
    if show is False:
        return _Silent()
    if _in_notebook():
        return _Notebook()
    if show or sys.stderr.isatty():
        return _Terminal()
    return _Silent()
