"""The image a notebook application runs in, built with the local container engine.

As repo2docker does: the repository's own `Dockerfile` when it has one; else an image derived from a base image
(default `python:3.11-slim`) with the repository's files in /opt/application, its `requirements.txt` (pip) or
`environment.yml` (conda, which the base image must hold), and papermill with ipykernel unless the base has them.
The engine is the one Swath would run jobs with (services/containers.py decides which works); the image stays in
that engine under a `localhost/` name, which cwltool finds there without pulling.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from swath.appbuild.launcher import APPLICATION_FOLDER
from swath.errors import ApplicationBuildFailed

__all__ = ["DEFAULT_BASE_IMAGE", "build_image", "derived_dockerfile", "image_name"]

DEFAULT_BASE_IMAGE = "python:3.11-slim"
_BUILD_TIMEOUT = 3600.0
_REASON_LINES = 5


def image_name(name: str, version: str) -> str:
    """`localhost/swath-app/NAME:VERSION`, with what a tag may not hold replaced."""
    tag = re.sub(r"[^A-Za-z0-9_.-]", "-", version)[:128].lstrip(".-") or "latest"
    return f"localhost/swath-app/{name.lower()}:{tag}"


def derived_dockerfile(base_image: str, repository: Path | None) -> str:
    lines = [f"FROM {base_image}"]
    if repository is not None and _names_requirements(repository / "requirements.txt"):
        lines += [
            "COPY requirements.txt /tmp/swath-requirements.txt",
            "RUN python3 -m pip install --no-cache-dir -r /tmp/swath-requirements.txt",
        ]
    elif repository is not None and (repository / "environment.yml").is_file():
        lines += [
            "COPY environment.yml /tmp/swath-environment.yml",
            "RUN conda env update --name base --file /tmp/swath-environment.yml && conda clean --all --yes",
        ]
    lines += [
        # The base may hold them already (an image made for notebooks): then nothing is fetched.
        'RUN python3 -c "import papermill, ipykernel" 2>/dev/null'
        " || python3 -m pip install --no-cache-dir papermill ipykernel",
        f"COPY . {APPLICATION_FOLDER}",
    ]
    return "\n".join(lines) + "\n"


def _names_requirements(path: Path) -> bool:
    """Whether a requirements file asks for anything (not only comments and blank lines): an empty one needs no
    pip, which a base image made for notebooks may not hold."""
    if not path.is_file():
        return False
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(line.split("#", 1)[0].strip() for line in lines)


def build_image(engine: str, image: str, repository: Path | None, notebook: Path, base_image: str) -> str:
    """Build `image`; a one-line description of how it was built."""
    if repository is not None and (repository / "Dockerfile").is_file():
        _build(engine, image, repository, repository / "Dockerfile")
        return f"built {image} with {engine} from the repository's Dockerfile"
    with tempfile.TemporaryDirectory(prefix="swath-image-") as directory:
        context = Path(directory) / "context"
        if repository is None:
            context.mkdir()
            shutil.copy2(notebook, context / notebook.name)
        else:
            shutil.copytree(repository, context, ignore=shutil.ignore_patterns(".git", ".ipynb_checkpoints"))
        dockerfile = Path(directory) / "Dockerfile"
        dockerfile.write_text(derived_dockerfile(base_image, repository), encoding="utf-8")
        _build(engine, image, context, dockerfile)
    return f"built {image} with {engine} from {base_image}"


def _build(engine: str, image: str, context: Path, dockerfile: Path) -> None:
    command = [engine, "build", "--quiet", "--tag", image, "--file", str(dockerfile), str(context)]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=_BUILD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as error:
        raise ApplicationBuildFailed(f"{engine} build of {image} took more than {_BUILD_TIMEOUT:g} s.") from error
    except OSError as error:
        raise ApplicationBuildFailed(f"{engine} could not be started: {error.strerror}.") from error
    if finished.returncode != 0:
        lines = [line for line in (finished.stderr or finished.stdout).splitlines() if line.strip()]
        reason = " / ".join(lines[-_REASON_LINES:]) or f"exit status {finished.returncode}"
        raise ApplicationBuildFailed(f"{engine} could not build {image}: {reason}")
