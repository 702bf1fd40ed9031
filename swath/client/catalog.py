"""The application catalog from Python: register, find, read, deploy and delete application versions.

`Client` has these methods (a mixin keeps the catalog's face in one module beside the processes' and jobs').
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from swath.client.transport import Transport

__all__ = ["CatalogMethods"]

_ZIP = "application/zip"


class CatalogMethods:
    _transport: Transport

    def register_application(
        self,
        package: str | Path | bytes,
        name: str | None = None,
        version: str | None = None,
        entry: str | None = None,
        visible_to: list[str] | None = None,
    ) -> dict[str, Any]:
        """Register a package (a CWL file, a folder or .zip of a multi-file package, or the CWL text) in the
        catalog; the version's document, with its checksum and best-practice `warnings`. The same package again
        is accepted as it is; other content under a registered version raises the server's 409. `entry` names the
        entry file of a multi-file package; `visible_to` restricts the version to those users and `group:`s."""
        body, media_type = _registration_body(package)
        return self._register(body, media_type, name, version, entry, visible_to)

    def register_application_source(
        self,
        *,
        href: str | None = None,
        git: str | None = None,
        ref: str | None = None,
        path: str | None = None,
        name: str | None = None,
        version: str | None = None,
        entry: str | None = None,
        visible_to: list[str] | None = None,
    ) -> dict[str, Any]:
        """Have the server fetch and register a package: a CWL document or zip at `href`, or the folder (or entry
        file) `path` of the `git` repository at `ref` (a branch, tag or commit; default its HEAD)."""
        source = {"href": href, "git": git, "ref": ref, "path": path}
        body = json.dumps({key: value for key, value in source.items() if value is not None}).encode()
        return self._register(body, "application/json", name, version, entry, visible_to)

    def _register(
        self,
        body: bytes,
        media_type: str,
        name: str | None,
        version: str | None,
        entry: str | None,
        visible_to: list[str] | None,
    ) -> dict[str, Any]:
        given = {"name": name, "version": version, "entry": entry, "visibleTo": ",".join(visible_to or [])}
        params = {key: value for key, value in given.items() if value}
        response = self._transport.request(
            "POST", "/applications", content=body, headers={"Content-Type": media_type}, params=params
        )
        document: dict[str, Any] = response.json()
        return document

    def applications(
        self, name: str | None = None, keyword: str | None = None, author: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest version of each application matching every filter given (substrings, any case)."""
        params = {key: value for key, value in {"name": name, "keyword": keyword, "author": author}.items() if value}
        found: list[dict[str, Any]] = self._transport.json("GET", "/applications", params=params)["applications"]
        return found

    def application(self, name: str) -> dict[str, Any]:
        """An application and its versions, newest first."""
        document: dict[str, Any] = self._transport.json("GET", _application_path(name))
        return document

    def application_version(self, name: str, version: str) -> dict[str, Any]:
        """One version: checksum, registrant, metadata, warnings and files."""
        document: dict[str, Any] = self._transport.json("GET", _version_path(name, version))
        return document

    def application_package(self, name: str, version: str) -> bytes:
        """The version's package: its CWL file, or a zip of a multi-file package."""
        return self._transport.request("GET", _version_path(name, version) + "/package").content

    def deploy_application(self, name: str, version: str) -> dict[str, Any]:
        """Deploy a catalog version as a process of the same version; the process summary."""
        href = self._transport.absolute(_version_path(name, version) + "/package")
        body = {
            "processDescription": {"process": {"version": version}},
            "executionUnit": {"href": href, "type": "application/cwl+yaml"},
        }
        response = self._transport.request(
            "POST", "/processes", json=body, headers={"Content-Type": "application/ogcapppkg+json"}
        )
        summary: dict[str, Any] = response.json()
        return summary

    def delete_application_version(self, name: str, version: str, force: bool = False) -> None:
        """Delete a version; the server refuses (409) while a process deployed from it is live, unless `force`."""
        params = {"force": "true"} if force else None
        self._transport.request("DELETE", _version_path(name, version), params=params)


def _application_path(name: str) -> str:
    return f"/applications/{quote(name, safe='')}"


def _version_path(name: str, version: str) -> str:
    return f"{_application_path(name)}/versions/{quote(version, safe='')}"


def _registration_body(package: str | Path | bytes) -> tuple[bytes, str]:
    if isinstance(package, bytes):
        return package, "application/cwl+yaml"
    path = Path(package)
    if isinstance(package, str) and "\n" in package:
        return package.encode(), "application/cwl+yaml"
    if path.is_dir():
        return _zipped(path), _ZIP
    content = path.read_bytes()
    if path.suffix == ".zip":
        return content, _ZIP
    if path.suffix == ".json":
        return content, "application/ogcapppkg+json" if b"executionUnit" in content else "application/cwl+json"
    return content, "application/cwl+yaml"


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
