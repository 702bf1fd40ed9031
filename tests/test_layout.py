"""The architecture as STYLE.md draws it: imports point down, and public surfaces are pinned."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import swath.executors
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


def test_the_public_surfaces_are_pinned() -> None:
    assert swath.executors.__all__ == ["Executor"]
    assert swath.storage.__all__ == ["LocalStorage", "Storage", "open_storage"]


def test_only_the_settings_read_the_environment() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "settings.py":
            assert "os.environ" not in path.read_text(encoding="utf-8"), path.relative_to(PACKAGE)
