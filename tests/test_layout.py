"""The architecture as STYLE.md draws it: imports point down, and public surfaces are pinned."""

from __future__ import annotations
import __future__

import ast
from pathlib import Path
from types import ModuleType

import pytest

import swath.client
import swath.client.api
import swath.executors
import swath.layout
import swath.ogc
import swath.storage

PACKAGE = Path(__file__).resolve().parents[1] / "swath"
HTTP_LIBRARIES = ("fastapi", "starlette", "uvicorn")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules_of(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["services", "store", "runner", "executors", "storage"])
def test_layers_below_the_api_do_not_speak_http(layer: str) -> None:
    for path in modules_of(layer):
        http = {name for name in imported_modules(path) if name.split(".")[0] in HTTP_LIBRARIES}
        assert not http, f"{path.relative_to(PACKAGE)} imports {sorted(http)}"


def test_nothing_but_the_cli_imports_the_api() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("api", "cli"):
            continue
        assert not any(name.startswith("swath.api") for name in imported_modules(path)), relative


@pytest.mark.parametrize("layer", ["store", "storage"])
def test_the_store_and_storage_do_not_reach_up_into_services_or_runner(layer: str) -> None:
    for path in modules_of(layer):
        upward = {name for name in imported_modules(path) if name.startswith(("swath.services", "swath.runner"))}
        assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)}"


def public_members(module: ModuleType) -> list[str]:
    """The public names a module defines, or a package takes from its own modules, plus its constants
    (UPPER_CASE); not what it imports from elsewhere, nor submodules or `from __future__` features."""

    def is_own(name: str, value: object) -> bool:
        origin = str(getattr(value, "__module__", ""))
        return name.isupper() or origin == module.__name__ or origin.startswith(module.__name__ + ".")

    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, ModuleType | __future__._Feature) and is_own(name, value)
    )


@pytest.mark.parametrize(
    "module", [swath.client, swath.client.api, swath.executors, swath.storage, swath.layout, swath.ogc]
)
def test_a_public_surface_declares_exactly_what_it_offers(module: ModuleType) -> None:
    assert sorted(module.__all__) == public_members(module)


def test_the_client_and_the_commands_speak_to_the_server_only_over_http() -> None:
    # `swath serve` and `swath worker` (cli/main.py) start the server and a worker, so main.py alone may import
    # them, and only inside those commands; both first check the container runtime, and refuse to start without it.
    for path in [*modules_of("client"), *modules_of("cli")]:
        inward = {
            name
            for name in imported_modules(path)
            if name.startswith(("swath.api", "swath.services", "swath.store", "swath.runner", "swath.executors"))
        }
        allowed = (
            {"swath.api.app", "swath.executors.celery_worker", "swath.services.containers"}
            if path.name == "main.py"
            else set()
        )
        if path.name == "tokens.py":
            # `swath token` runs beside the server's database: the first admin token cannot come over HTTP.
            allowed = {"swath.services", "swath.store.database"}
        if path.name == "purge.py":
            # `swath purge` too: the retention rules apply to the server's database and data directory.
            allowed = {"swath.services.retention"}
        assert inward <= allowed, f"{path.relative_to(PACKAGE)} imports {sorted(inward - allowed)}"


def test_only_the_settings_read_the_environment() -> None:
    # The notebook launcher is not Swath's code at run time: its text is the script of a job's tool, run in the job.
    launcher = PACKAGE / "appbuild" / "launcher.py"
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "settings.py" and path != launcher:
            assert "os.environ" not in path.read_text(encoding="utf-8"), path.relative_to(PACKAGE)
