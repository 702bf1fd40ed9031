"""Where a notebook application comes from: a notebook file, a repository folder, or a git repository to clone.

A repository is read as repo2docker reads one, from its top: a `Dockerfile` builds the image as it is; else
`requirements.txt` (pip) or `environment.yml` (conda) name what the notebook needs on top of a base image. The
notebook is the one `--notebook` names, else the one `swath-app.yaml` names (`notebook:`, with optional `name:` and
`version:`), else the repository's only `.ipynb`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from swath.errors import ApplicationBuildFailed

__all__ = ["APP_CONFIG", "NotebookSource", "is_git_url", "opened_source"]

APP_CONFIG = "swath-app.yaml"
_GIT_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
_GIT_TIMEOUT = 600.0


@dataclass(frozen=True)
class NotebookSource:
    """A notebook and the folder the image is built from (None: a lone notebook, nothing beside it)."""

    notebook: Path
    repository: Path | None
    # Where the code lives for readers of the package (the URL cloned, or the folder's `origin`), and its commit.
    code_repository: str | None
    commit: str | None
    name: str | None
    version: str | None


def is_git_url(text: str) -> bool:
    return bool(_GIT_URL.match(text)) and not Path(text).exists()


@contextmanager
def opened_source(reference: str, notebook: str | None = None) -> Iterator[NotebookSource]:
    """The source `reference` names; a cloned repository lives in a temporary folder until the block ends."""
    if is_git_url(reference):
        with tempfile.TemporaryDirectory(prefix="swath-app-") as directory:
            clone = Path(directory) / "repository"
            _git(
                ["clone", "--quiet", "--depth", "1", "--", reference, str(clone)],
                None,
                f"git could not clone {reference}",
            )
            yield _repository_source(clone, notebook, reference)
        return
    path = Path(reference)
    if path.is_file():
        if path.suffix != ".ipynb":
            raise ApplicationBuildFailed(f"{reference} is not a notebook; give an .ipynb file or a repository.")
        if notebook is not None:
            raise ApplicationBuildFailed("--notebook chooses a notebook inside a repository; give a repository.")
        yield NotebookSource(path.resolve(), None, None, None, None, None)
        return
    if path.is_dir():
        yield _repository_source(path.resolve(), notebook, None)
        return
    raise ApplicationBuildFailed(f"{reference} is neither a notebook, a folder nor a git URL.")


def _repository_source(folder: Path, notebook: str | None, url: str | None) -> NotebookSource:
    config = _config(folder)
    chosen = notebook or config.get("notebook")
    if chosen is not None:
        path = (folder / str(chosen)).resolve()
        if not path.is_relative_to(folder):
            raise ApplicationBuildFailed(f"The notebook {chosen} lies outside the repository; name one inside it.")
        if not path.is_file():
            raise ApplicationBuildFailed(f"The repository has no notebook {chosen}.")
    else:
        path = _only_notebook(folder)
    is_git = (folder / ".git").exists()
    origin = _git(["remote", "get-url", "origin"], folder, None) if is_git and url is None else None
    return NotebookSource(
        notebook=path,
        repository=folder,
        code_repository=url or origin,
        commit=_git(["rev-parse", "HEAD"], folder, None) if is_git else None,
        name=str(config["name"]) if config.get("name") else None,
        version=str(config["version"]) if config.get("version") else None,
    )


def _config(folder: Path) -> dict[str, object]:
    path = folder / APP_CONFIG
    if not path.is_file():
        return {}
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ApplicationBuildFailed(f"{APP_CONFIG} is not readable YAML: {error}") from error
    if not isinstance(config, dict):
        raise ApplicationBuildFailed(f"{APP_CONFIG} must be a mapping (notebook:, name:, version:).")
    return config


def _only_notebook(folder: Path) -> Path:
    found = sorted(
        path
        for path in folder.rglob("*.ipynb")
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    if len(found) == 1:
        return found[0]
    if not found:
        raise ApplicationBuildFailed(f"The repository {folder.name} holds no notebook (.ipynb).")
    names = ", ".join(str(path.relative_to(folder)) for path in found)
    raise ApplicationBuildFailed(
        f"The repository holds {len(found)} notebooks ({names}); choose one with --notebook or in {APP_CONFIG}."
    )


def _git(arguments: list[str], folder: Path | None, failure: str | None) -> str | None:
    """git's output; None when it fails and `failure` is None, else ApplicationBuildFailed with its reason."""
    if shutil.which("git") is None:
        if failure is None:
            return None
        raise ApplicationBuildFailed(f"{failure}: git is not installed.")
    finished = subprocess.run(
        ["git", *arguments], cwd=folder, capture_output=True, text=True, timeout=_GIT_TIMEOUT, check=False
    )
    if finished.returncode == 0:
        return finished.stdout.strip() or None
    if failure is None:
        return None
    # git's reason is its `fatal:` line; the lines after it are advice.
    lines = [line.strip() for line in finished.stderr.splitlines() if line.strip()]
    fatal = [line.removeprefix("fatal:").strip() for line in lines if line.startswith("fatal:")]
    reason = (fatal or lines or [f"exit status {finished.returncode}"])[0].rstrip(".")
    raise ApplicationBuildFailed(f"{failure}: {reason}.")
