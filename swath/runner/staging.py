"""Stage in: turn a job's validated inputs into a CWL job order whose files are on this machine.

Where an href leads:
- http/https: downloaded (streamed) under work_dir/inputs, after the address of the URL and of every redirect is
  checked (services/network.py: no loopback, private or link-local address unless allowed_networks holds it);
- `file://` or an absolute path: used in place, when it lies under one of `Settings.readable_input_roots` (checked
  again here because a STAC catalog input names further local files);
- `<public url>/jobs/<id>/outputs/<path>`: an earlier job's output, read from storage without HTTP;
- `<public url>/files/<id>/<name>`: an uploaded file, read from storage likewise (submission checked that the
  job's owner may read both);
- `s3://`: downloaded with the S3 storage's credentials (refused when storage is not S3).
A Directory input that is a STAC catalog (a `.json` Catalog/Collection, or a directory holding `catalog.json`) is
copied with its items and assets into one self-contained local directory, as the OGC EO Application Package best
practice (OGC 20-089) expects of an input product.
CWL File and Directory objects (`swath.services.cwlvalues`), wherever they sit in a value, are staged the same way:
each `location` is fetched or checked, their `listing` and `secondaryFiles` too, and everything else they carry
(`basename`, `format`, `contents`, literal listings) goes to cwltool as given, once each `basename` has passed
`swath.paths` (cwltool joins it to its own directories too).
Every file written here is named by `_segment`, so nothing an input says lands outside `work_dir/inputs`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import httpx

from swath.errors import AddressRefused, FailureKind, JobFailed, NoSuchFile, StorageUnavailable
from swath.layout import CATALOG_NAME, OutputKey, output_key, parse_output_path, upload_key
from swath.paths import UnsafePath, safe_name
from swath.runner import stac_input
from swath.runner.joblog import runner_logger
from swath.services.cwlvalues import CWL_REQUIREMENTS, is_cwl_object
from swath.services.network import check_url, parse_networks
from swath.settings import Settings
from swath.storage import Storage
from swath.storage.base import ObjectReader
from swath.store.records import JSON

_CHUNK = 1 << 20
_MAX_REDIRECTS = 10
_TIMEOUT = httpx.Timeout(30.0, read=300.0)
# File name extensions for inline values, by media type.
_SUFFIXES = {"application/json": ".json", "application/geo+json": ".geojson", "text/csv": ".csv"}


class Fetcher:
    """Resolves and fetches hrefs for one job; holds the job's HTTP client (closed by `close`)."""

    def __init__(self, settings: Settings, storage: Storage, work_dir: Path) -> None:
        self.settings = settings
        self.storage = storage
        self.inputs_dir = work_dir / "inputs"
        self._client: httpx.Client | None = None
        self._documents = 0
        self._public_url = settings.resolved_public_url
        self._allowed_networks = parse_networks(settings.allowed_networks)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            # Redirects are followed by `_open`, which checks each one's address first.
            self._client = httpx.Client(follow_redirects=False, timeout=_TIMEOUT)
        return self._client

    def local_path(self, href: str, input_id: str) -> Path | None:
        """The file or directory behind `href` on this machine, or None for an href that must be downloaded."""
        if href.startswith(self._public_url + "/") and (output := self._earlier_output_key(href)) is not None:
            return self._earlier_output(output, input_id)
        if href.startswith(self._public_url + "/files/"):
            return self._uploaded_file(href, input_id)
        parsed = urlparse(href)
        if parsed.scheme in ("http", "https"):
            return None
        if parsed.scheme == "s3":
            if not isinstance(self.storage, ObjectReader):
                raise JobFailed(f"Input '{input_id}' is {href}, but s3 inputs need S3 storage configured.")
            return None
        if parsed.scheme not in ("file", "") or not href.startswith(("/", "file:")):
            raise JobFailed(f"Input '{input_id}' has href {href!r}; allowed are http, https, file and absolute paths.")
        return self._allowed_local(Path(url2pathname(parsed.path)), input_id)

    def _allowed_local(self, path: Path, input_id: str) -> Path:
        resolved = path.resolve()
        roots = [root.resolve() for root in self.settings.readable_input_roots]
        if not any(resolved.is_relative_to(root) for root in roots):
            raise JobFailed(f"Input '{input_id}' path {path} lies outside the allowed input directories.")
        if not resolved.exists():
            raise JobFailed(f"Input '{input_id}' path {path} does not exist.")
        return resolved

    def _earlier_output_key(self, href: str) -> OutputKey | None:
        return parse_output_path(href, urlparse(self._public_url).path)

    def _earlier_output(self, output: OutputKey, input_id: str) -> Path:
        job_id, relative = output.job_id, output.relative_path
        try:
            return self.storage.local_path(output_key(job_id, relative))
        except NoSuchFile:
            pass
        try:
            # A directory output: its catalog names it.
            self.storage.local_path(output_key(job_id, f"{relative}/{CATALOG_NAME}"))
            return self.storage.local_directory(output_key(job_id, relative))
        except NoSuchFile as error:
            raise JobFailed(
                f"Input '{input_id}' refers to output '{relative}' of job {job_id}, which does not exist."
            ) from error

    def _uploaded_file(self, href: str, input_id: str) -> Path:
        upload_id, _, name = unquote(urlparse(href).path).split("/files/", 1)[-1].partition("/")
        try:
            return self.storage.local_path(upload_key(upload_id, name))
        except NoSuchFile as error:
            raise JobFailed(
                f"Input '{input_id}' refers to uploaded file '{upload_id}/{name}', which does not exist."
            ) from error

    def _open(self, url: str, input_id: str) -> httpx.Response:
        """A streamed GET of `url`, following redirects; each address is checked before it is connected to."""
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                check_url(url, self._allowed_networks)
            except AddressRefused as error:
                raise JobFailed(f"Input '{input_id}': {error.detail}") from error
            response = self.client.send(self.client.build_request("GET", url), stream=True)
            if not response.is_redirect or response.next_request is None:
                return response
            response.close()
            url = str(response.next_request.url)
        raise JobFailed(f"Input '{input_id}' at {url} redirects more than {_MAX_REDIRECTS} times.")

    def download(self, url: str, target: Path, input_id: str) -> Path:
        """Stream `url` into `target` (created with its parents)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        runner_logger().info("Downloading input '%s' from %s", input_id, url)
        if url.startswith("s3://") and isinstance(self.storage, ObjectReader):
            return self._download_object(self.storage, url, target, input_id)
        try:
            with contextlib.closing(self._open(url, input_id)) as response:
                response.raise_for_status()
                with target.open("wb") as stream:
                    for chunk in response.iter_bytes(_CHUNK):
                        stream.write(chunk)
        except httpx.HTTPStatusError as error:
            raise JobFailed(
                f"Input '{input_id}' could not be downloaded from {url}: HTTP {error.response.status_code}.",
                _http_failure(error.response.status_code),
            ) from error
        except httpx.HTTPError as error:
            raise JobFailed(f"Input '{input_id}' at {url} is unreachable: {error}.", FailureKind.staging) from error
        return target

    @staticmethod
    def _download_object(storage: ObjectReader, url: str, target: Path, input_id: str) -> Path:
        try:
            return storage.download(url, target)
        except NoSuchFile as error:
            raise JobFailed(f"Input '{input_id}' could not be read: {error.detail}", FailureKind.input) from error
        except StorageUnavailable as error:
            raise JobFailed(f"Input '{input_id}' could not be read: {error.detail}", FailureKind.staging) from error

    def read_text(self, href: str, input_id: str) -> str:
        """The text of a small document (a STAC catalog or item), wherever it lives."""
        path = self.local_path(href, input_id)
        if path is not None:
            return path.read_text(encoding="utf-8")
        if href.startswith("s3://"):
            self._documents += 1
            target = self.inputs_dir / ".documents" / f"{self._documents}.json"
            return self.download(href, target, input_id).read_text(encoding="utf-8")
        try:
            with contextlib.closing(self._open(href, input_id)) as response:
                response.read()
                response.raise_for_status()
        except httpx.HTTPStatusError as error:
            raise JobFailed(
                f"Input '{input_id}' could not read {href}: HTTP {error.response.status_code}.",
                _http_failure(error.response.status_code),
            ) from error
        except httpx.HTTPError as error:
            raise JobFailed(f"Input '{input_id}' at {href} is unreachable: {error}.", FailureKind.staging) from error
        text: str = response.text
        return text


def _http_failure(status_code: int) -> FailureKind:
    """A server's error or its "too many requests" may pass; any other refusal is about the input itself."""
    return FailureKind.staging if status_code >= 500 or status_code == 429 else FailureKind.input


def stage_inputs(
    inputs: Mapping[str, Any],
    descriptions: Mapping[str, JSON],
    *,
    settings: Settings,
    storage: Storage,
    work_dir: Path,
) -> JSON:
    """The CWL job order for `inputs`; File and Directory inputs become CWL File/Directory objects."""
    fetcher = Fetcher(settings, storage, work_dir)
    try:
        order: JSON = {}
        for input_id, value in inputs.items():
            if input_id == CWL_REQUIREMENTS[0]:
                order[CWL_REQUIREMENTS[1]] = _stage_value(fetcher, input_id, value, work_dir / "inputs" / input_id)
                continue
            description = descriptions.get(input_id, {})
            cwl_class = description.get("x-cwl-class")
            target = work_dir / "inputs" / _segment(input_id, input_id, "input id")
            if cwl_class not in ("File", "Directory") or value is None:
                order[input_id] = _stage_value(fetcher, input_id, value, target)
                continue
            # cwltool refuses a File without the `format` its input declares; the first declared one is given.
            formats = description.get("x-cwl-format") or []
            staged = _stage_files(fetcher, input_id, cwl_class, value, target)
            for item in staged if isinstance(staged, list) else [staged]:
                for member in item if isinstance(item, list) else [item]:
                    if member["class"] == "File" and formats and "format" not in member:
                        member["format"] = formats[0]
            order[input_id] = staged
        return order
    except JobFailed as failure:
        # What staging refuses without saying otherwise is the user's input, never retried.
        if failure.kind is not FailureKind.error:
            raise
        raise JobFailed(str(failure), FailureKind.input) from failure
    finally:
        fetcher.close()


def check_package_defaults(document: Any, settings: Settings) -> None:
    """Refuse a package whose `default:` Files and Directories name local paths outside the input roots.

    cwltool reads a default itself, without Swath's staging: a package saying `default: {class: File, location:
    file:///etc/shadow}` (or a relative location, which cwltool resolves against the stored document, next to the
    database) would hand that file to the tool. The same rule as for an input's href applies; remote defaults are
    left to cwltool.
    """
    for location in _default_locations(document, inside_default=False):
        parsed = urlparse(location)
        if parsed.scheme in ("http", "https", "s3"):
            continue
        if parsed.scheme not in ("", "file") or not location.startswith(("/", "file:")):
            raise JobFailed(
                f"The package has a default file at {location[:200]!r}; a default must be an absolute file:// "
                "location inside the allowed input directories, or a URL."
            )
        path = Path(url2pathname(parsed.path)).resolve()
        if not any(path.is_relative_to(root.resolve()) for root in settings.readable_input_roots):
            raise JobFailed(f"The package has a default file at {path}, outside the allowed input directories.")


def _default_locations(value: Any, inside_default: bool) -> list[str]:
    """The `location`s (or `path`s) of every File/Directory under a `default` key anywhere in a CWL document."""
    found: list[str] = []
    if isinstance(value, list):
        for item in value:
            found.extend(_default_locations(item, inside_default))
    elif isinstance(value, Mapping):
        if inside_default and is_cwl_object(value):
            where = value.get("location", value.get("path"))
            if isinstance(where, str):
                found.append(where)
        for key, item in value.items():
            found.extend(_default_locations(item, inside_default or key == "default"))
    return found


def _stage_files(fetcher: Fetcher, input_id: str, cwl_class: str, value: Any, target: Path) -> Any:
    """A File/Directory input: one value, or a list of them (nested once for `File | File[]` given a list)."""
    if isinstance(value, list):
        return [
            _stage_files(fetcher, input_id, cwl_class, item, target / str(index)) for index, item in enumerate(value)
        ]
    if is_cwl_object(value):
        return _stage_object(fetcher, input_id, value, target)
    return _stage_one(fetcher, input_id, cwl_class, value, target)


def _stage_value(fetcher: Fetcher, input_id: str, value: Any, target: Path) -> Any:
    """Any value with every CWL File/Directory object in it staged; the rest as it is."""
    if isinstance(value, list):
        return [_stage_value(fetcher, input_id, item, target / str(index)) for index, item in enumerate(value)]
    if is_cwl_object(value):
        return _stage_object(fetcher, input_id, value, target)
    if isinstance(value, Mapping):
        return {
            key: _stage_value(fetcher, input_id, item, target / _segment(str(key), input_id, "field"))
            for key, item in value.items()
        }
    return value


def _stage_object(fetcher: Fetcher, input_id: str, value: Mapping[str, Any], target: Path) -> JSON:
    staged: JSON = dict(value)
    if value.get("basename") is not None:
        _segment(str(value["basename"]), input_id, "basename")
    location = value.get("location")
    if isinstance(location, str):
        if value["class"] == "Directory":
            staged["location"] = _directory(fetcher, input_id, location, target)["location"]
        else:
            path = fetcher.local_path(location, input_id)
            if path is None:
                name = str(value.get("basename") or _basename(location, input_id))
                path = fetcher.download(location, target / name, input_id)
            elif not path.is_file():
                raise JobFailed(f"Input '{input_id}' at {location} is not a file.")
            staged["location"] = path.as_uri()
    for key in ("listing", "secondaryFiles"):
        if isinstance(value.get(key), list):
            staged[key] = [
                _stage_object(fetcher, input_id, item, target / f"{key}-{index}")
                for index, item in enumerate(value[key])
                if is_cwl_object(item)
            ]
    return staged


def _stage_one(fetcher: Fetcher, input_id: str, cwl_class: str, value: Any, target_dir: Path) -> JSON:
    if not isinstance(value, dict):
        raise JobFailed(f"Input '{input_id}' must be a reference (href) to a {cwl_class}, not {value!r}.")
    if "href" not in value:
        if cwl_class == "Directory":
            raise JobFailed(f"Input '{input_id}' is a Directory and needs an href, not an inline value.")
        return _file(_write_inline(value, target_dir))
    href = str(value["href"])
    if cwl_class == "Directory":
        return _directory(fetcher, input_id, href, target_dir)
    path = fetcher.local_path(href, input_id)
    if path is None:
        path = fetcher.download(href, target_dir / _basename(href, input_id), input_id)
    elif not path.is_file():
        raise JobFailed(f"Input '{input_id}' at {href} is not a file.")
    return _file(path)


def _directory(fetcher: Fetcher, input_id: str, href: str, target_dir: Path) -> JSON:
    if href.rstrip("/").endswith(".json"):
        catalog_href = href
    else:
        path = fetcher.local_path(href, input_id)
        if path is not None and not (path / "catalog.json").is_file():
            if not path.is_dir():
                raise JobFailed(f"Input '{input_id}' at {href} is not a directory.")
            return {"class": "Directory", "location": path.as_uri()}
        # A remote directory cannot be listed over HTTP; only a STAC catalog in it says what it holds.
        catalog_href = href.rstrip("/") + "/catalog.json"
    staged = stac_input.stage_catalog(fetcher, catalog_href, input_id, target_dir)
    return {"class": "Directory", "location": staged.as_uri()}


def _write_inline(value: JSON, target_dir: Path) -> Path:
    media_type = str(value.get("mediaType") or "text/plain")
    content = value.get("value")
    text = content if isinstance(content, str) else json.dumps(content)
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / ("value" + _SUFFIXES.get(media_type.split(";")[0].strip(), ".txt"))
    path.write_text(text, encoding="utf-8")
    return path


def _file(path: Path) -> JSON:
    return {"class": "File", "location": path.as_uri()}


def _basename(href: str, input_id: str) -> str:
    """The file name a download is kept under: the href's last segment, decoded (`%2F..%2F` is refused)."""
    name = unquote(urlparse(href).path.rstrip("/").rsplit("/", 1)[-1])
    return _segment(name, input_id, "file name") if name else "download"


def _segment(name: str, input_id: str, what: str) -> str:
    """`name` as one segment of a path under the job's inputs, or the job fails naming the input."""
    try:
        return safe_name(name)
    except UnsafePath as error:
        raise JobFailed(f"Input '{input_id}' has a {what} that cannot name a file: {error}.") from error
