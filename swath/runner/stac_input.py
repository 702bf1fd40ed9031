"""Stage a STAC catalog input into one self-contained local directory (OGC 20-089, stage-in).

The tool then sees a Directory with `catalog.json` at its top, each item in `<item id>/<item id>.json` beside its
asset files, and only relative hrefs, whatever mix of http, local and earlier-job hrefs the original used.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pystac
from pystac.stac_io import DefaultStacIO

from swath.errors import JobFailed
from swath.paths import UnsafePath, safe_name
from swath.runner.joblog import runner_logger

if TYPE_CHECKING:
    from swath.runner.staging import Fetcher


class _FetcherStacIO(DefaultStacIO):
    """pystac reads through the job's Fetcher, so catalogs follow the same href rules as other inputs."""

    def __init__(self, fetcher: Fetcher, input_id: str) -> None:
        super().__init__()
        self.fetcher = fetcher
        self.input_id = input_id

    def read_text_from_href(self, href: str) -> str:
        return self.fetcher.read_text(href, self.input_id)


def stage_catalog(fetcher: Fetcher, href: str, input_id: str, target_dir: Path) -> Path:
    """Copy the catalog at `href`, all its items and their assets under `target_dir`; returns that directory."""
    stac_io = _FetcherStacIO(fetcher, input_id)
    try:
        root = pystac.read_file(href, stac_io=stac_io)
    except (pystac.STACError, ValueError, KeyError) as error:
        raise JobFailed(f"Directory input '{input_id}' at {href} is not a STAC catalog: {error}.") from error
    if not isinstance(root, pystac.Catalog):
        raise JobFailed(
            f"Directory input '{input_id}' at {href} is a STAC {type(root).__name__}; "
            "a Directory input needs a STAC Catalog or Collection."
        )
    runner_logger().info("Staging STAC catalog %s for input '%s'", href, input_id)
    root.fully_resolve()
    # pystac names each staged folder and file after an id: `<id>/<id>.json`. An id of `../../x` would write there.
    for catalog, children, items in root.walk():
        for stac_object in [catalog, *children, *items]:
            _check_id(stac_object, input_id)
    # Absolute first: moving the objects below would silently break relative asset hrefs.
    root.make_all_asset_hrefs_absolute()
    target_dir = target_dir.resolve()
    root.normalize_hrefs(str(target_dir))
    # The best practice names the top document catalog.json, also when it is a Collection.
    root.set_self_href(str(target_dir / "catalog.json"))
    for item in root.get_items(recursive=True):
        _stage_assets(fetcher, item, input_id)
    root.make_all_asset_hrefs_relative()
    root.save(pystac.CatalogType.SELF_CONTAINED, stac_io=stac_io)
    return target_dir


def _stage_assets(fetcher: Fetcher, item: pystac.Item, input_id: str) -> None:
    item_path = Path(item.get_self_href() or "")
    item_dir = item_path.parent
    used = {item_path.name}
    for key, asset in item.assets.items():
        name = _unique_name(_asset_name(asset.href, key, item.id, input_id), used)
        target = item_dir / name
        source = fetcher.local_path(asset.href, input_id)
        if source is None:
            fetcher.download(asset.href, target, input_id)
        elif source.is_file():
            # Copied, not linked: a container sees only the staged directory, and a tool must not be able
            # to change an earlier job's outputs through a hard link.
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        else:
            raise JobFailed(f"Asset '{key}' of item '{item.id}' in input '{input_id}' is not a file.")
        asset.href = str(target)


def _check_id(stac_object: pystac.STACObject, input_id: str) -> None:
    try:
        safe_name(stac_object.id)
    except UnsafePath as error:
        kind = type(stac_object).__name__
        raise JobFailed(
            f"Directory input '{input_id}' holds a STAC {kind} whose id cannot name a folder: {error}."
        ) from error


def _asset_name(href: str, key: str, item_id: str, input_id: str) -> str:
    """The file an asset is staged as: the last segment of its href, else its key; either must be a file name."""
    name = Path(href.split("?", 1)[0]).name or key
    try:
        return safe_name(name)
    except UnsafePath as error:
        raise JobFailed(
            f"Asset '{key[:80]}' of item '{item_id}' in input '{input_id}' cannot be named as a file: {error}."
        ) from error


def _unique_name(name: str, used: set[str]) -> str:
    candidate, number = name, 1
    while candidate in used:
        number += 1
        candidate = f"{Path(name).stem}-{number}{Path(name).suffix}"
    used.add(candidate)
    return candidate
