"""What `Job.wait` and `Job.download` show: Rich progress in a terminal, one updating line in Jupyter.

Jupyter gets a single display that is updated in place (never a new output per poll), at most once a second or
when the status changes. Anywhere else (a pipe, a log file) nothing is shown.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["DownloadDisplay", "WaitDisplay", "open_display", "open_download_display"]


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
        if status == "accepted" and message:
            # A queued job's message says where it stands and why it waits.
            description += f" {escape(message)}"
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


class DownloadDisplay(Protocol):
    def start(self, name: str, size: int | None) -> None: ...

    def advance(self, count: int) -> None: ...

    def close(self) -> None: ...


class _SilentDownload:
    def start(self, name: str, size: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


class _TerminalDownload:
    def __init__(self) -> None:
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
        console = Console(stderr=True)
        # In a terminal the bars go once done; written to a file they stay, as the record of what was saved.
        self._progress = Progress(*columns, console=console, transient=console.is_terminal)
        self._progress.start()
        self._task: TaskID | None = None

    def start(self, name: str, size: int | None) -> None:
        self._task = self._progress.add_task(name, total=size)

    def advance(self, count: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, count)

    def close(self) -> None:
        self._progress.stop()


class _NotebookDownload:
    _INTERVAL = 0.5

    def __init__(self) -> None:
        from IPython.display import display

        self._files = 0
        self._bytes = 0
        self._name = ""
        self._shown = 0.0
        self._handle: Any = display(self._text(), raw=True, display_id=True)  # type: ignore[no-untyped-call]

    def _text(self) -> dict[str, str]:
        return {"text/plain": f"downloaded {self._files} file(s), {self._bytes:,} bytes {self._name}".rstrip()}

    def start(self, name: str, size: int | None) -> None:
        self._files += 1
        self._name = f"(now {name})"
        self._update(force=True)

    def advance(self, count: int) -> None:
        self._bytes += count
        self._update(force=False)

    def _update(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._shown >= self._INTERVAL:
            self._shown = now
            self._handle.update(self._text(), raw=True)

    def close(self) -> None:
        self._name = ""
        self._handle.update(self._text(), raw=True)


def open_download_display(show: bool | None) -> DownloadDisplay:
    """As `open_display`, for downloads."""
    if show is False:
        return _SilentDownload()
    if _in_notebook():
        return _NotebookDownload()
    if show or sys.stderr.isatty():
        return _TerminalDownload()
    return _SilentDownload()
