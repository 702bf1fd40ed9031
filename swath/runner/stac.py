"""The job's STAC catalog: `jobs/<job>/catalog.json`, its items in `jobs/<job>/items/<item id>.json`.

Every href in what is stored is absolute (a storage href), so the documents stay valid wherever a client copies
them, and items can be filed into a collection as they are. Assets carry the STAC file extension
(`file:size`, `file:checksum` as a sha2-256 multihash).

When the tool wrote its own catalog into a Directory output (OGC 20-089 stage-out), that catalog becomes the job's
catalog: its ids, descriptions and item metadata are kept and only its hrefs are rewritten. The tool's files are
stored unchanged under the output; the rewritten documents are stored beside them as the job's catalog and items.
The tool's catalog is read only from inside its directory (`_ToolStacIO`), and its ids, which name the stored
documents, must be file names (`swath.paths`): a catalog the tool wrote never reaches another job's files.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pystac
from pystac.extensions.file import FileExtension
from pystac.stac_io import DefaultStacIO

from swath.errors import JobFailed
from swath.layout import job_catalog_key, output_key
from swath.paths import UnsafePath, confined, safe_name
from swath.runner.outputs import JobStorage, Product, StoredOutputs
from swath.store.records import JSON, JobRecord, ProcessRecord, StoredFile

# Multihash prefix of a sha2-256 digest: function code 0x12, length 0x20 (https://multiformats.io/multihash/).
_SHA256_MULTIHASH = "1220"
_ITEM_MEDIA_TYPE = "application/geo+json"
_CATALOG_MEDIA_TYPE = "application/json"


def write_catalog(
    job: JobRecord, process: ProcessRecord, stored: StoredOutputs, storage: JobStorage, finished: datetime
) -> tuple[StoredFile, list[JSON]]:
    """Store the job's catalog and items; returns the catalog's StoredFile and the item documents.

    The item documents returned carry `collection` when the job names one; the stored ones do not, because
    STAC allows that field only beside a `collection` link, which the collection's owner adds when filing.
    """
    tool_catalogs = [
        _tool_catalog(product, product.directory)
        for product in stored.products
        if product.directory is not None and _has_catalog(product)
    ]
    if len(tool_catalogs) == 1:
        root = tool_catalogs[0]
    else:
        root = pystac.Catalog(
            id=job.id,
            title=f"Results of job {job.id}",
            description=f"Outputs of job {job.id} of process '{process.id}' version {process.version}.",
        )
        for child in tool_catalogs:
            root.add_child(child)
    for item in _plain_items(job.id, [p for p in stored.products if not _has_catalog(p)], finished):
        root.add_item(item)
    catalog, items = _publish(root, job.id, storage)
    if job.collection is not None:
        items = [{**item, "collection": job.collection} for item in items]
    return catalog, items


def multihash(checksum: str) -> str:
    """`sha256:<hex>` as the STAC file extension wants it: a hex multihash."""
    algorithm, _, digest = checksum.partition(":")
    if algorithm != "sha256":
        raise ValueError(f"Checksum {checksum!r} is not sha256.")
    return _SHA256_MULTIHASH + digest


def _has_catalog(product: Product) -> bool:
    return product.directory is not None and (product.directory / "catalog.json").is_file()


def _asset(stored: StoredFile, roles: list[str] | None = None, base: pystac.Asset | None = None) -> pystac.Asset:
    extra = dict(base.extra_fields) if base is not None else {}
    extra.update({"file:size": stored.size, "file:checksum": multihash(stored.checksum)})
    return pystac.Asset(
        href=stored.href,
        title=base.title if base is not None else None,
        description=base.description if base is not None else None,
        media_type=(base.media_type if base is not None else None) or stored.media_type,
        roles=(base.roles if base is not None else None) or roles,
        extra_fields=extra,
    )


def _plain_items(job_id: str, products: list[Product], finished: datetime) -> list[pystac.Item]:
    """One item per output File (with its secondaryFiles) or Directory, ids unique across jobs."""
    counts: dict[str, int] = {}
    for product in products:
        counts[product.output_id] = counts.get(product.output_id, 0) + 1
    items: list[pystac.Item] = []
    seen: dict[str, int] = {}
    for product in products:
        seen[product.output_id] = seen.get(product.output_id, 0) + 1
        item_id = f"{job_id}-{product.output_id}"
        if counts[product.output_id] > 1:
            item_id += f"-{seen[product.output_id]}"
        item = pystac.Item(
            id=item_id,
            geometry=None,
            bbox=None,
            datetime=finished,
            properties={},
            stac_extensions=[FileExtension.get_schema_uri()],
        )
        for stored in product.files:
            item.add_asset(stored.key.removeprefix(product.prefix + "/"), _asset(stored, ["data"]))
        items.append(item)
    return items


def _tool_catalog(product: Product, directory: Path) -> pystac.Catalog:
    """The catalog the tool wrote into a Directory output, with its local hrefs turned into storage hrefs."""
    directory = directory.resolve()
    by_path = {
        (directory / stored.key.removeprefix(product.prefix + "/")).resolve(): stored for stored in product.files
    }
    try:
        root = pystac.read_file(str(directory / "catalog.json"), stac_io=_ToolStacIO(directory, product.output_id))
        if not isinstance(root, pystac.Catalog):
            raise JobFailed(f"Output '{product.output_id}' holds a catalog.json that is not a STAC Catalog.")
        root.fully_resolve()
    except (pystac.STACError, ValueError, KeyError) as error:
        if isinstance(error.__cause__, JobFailed):  # pystac wraps what the reader refused
            raise error.__cause__ from None
        raise JobFailed(
            f"Output '{product.output_id}' holds a catalog.json that pystac cannot read: {error}."
        ) from error
    root.make_all_asset_hrefs_absolute()
    _bind_hierarchy(root)
    objects: list[pystac.STACObject] = [root, *_descendants(root)]
    for stac_object in objects:
        for link in stac_object.links:
            if link.rel != "self" and not link.is_resolved():
                link.target = _storage_href(link.get_absolute_href() or link.href, by_path)
        if isinstance(stac_object, pystac.Item):
            _rewrite_assets(stac_object, by_path)
    return root


class _ToolStacIO(DefaultStacIO):
    """Reads a tool's catalog documents only from inside its output directory (links followed): a link to
    `/etc/...`, another job's files or a URL is refused rather than read and published."""

    def __init__(self, directory: Path, output_id: str) -> None:
        super().__init__()
        self.directory = directory
        self.output_id = output_id

    def read_text_from_href(self, href: str) -> str:
        if _is_url(href) and not href.startswith("file://"):
            raise JobFailed(
                f"The catalog in output '{self.output_id}' links to {href[:200]}; it may link only to "
                "documents inside its own directory."
            )
        try:
            path = confined(Path(href.removeprefix("file://")), self.directory)
        except UnsafePath as error:
            raise JobFailed(
                f"The catalog in output '{self.output_id}' links to a document outside its directory: {error}."
            ) from error
        return path.read_text(encoding="utf-8")


def _bind_hierarchy(root: pystac.Catalog) -> None:
    """Point every object's root and parent links at the objects in memory.

    pystac may resolve a tool's `root`/`parent` links to separate copies of a catalog (or leave them as paths);
    those would keep the tool's local paths and relative hrefs when the tree is published.
    """
    for catalog, children, items in root.walk():
        for stac_object in [*children, *items]:
            stac_object.set_root(root)
            stac_object.set_parent(catalog)
    root.set_root(root)


def _rewrite_assets(item: pystac.Item, by_path: dict[Path, StoredFile]) -> None:
    for key, asset in list(item.assets.items()):
        stored = by_path.get(Path(asset.href).resolve()) if not _is_url(asset.href) else None
        if stored is not None:
            item.assets[key] = _asset(stored, ["data"], base=asset)
            if FileExtension.get_schema_uri() not in item.stac_extensions:
                item.stac_extensions.append(FileExtension.get_schema_uri())
        item.assets[key].set_owner(item)


def _storage_href(href: str, by_path: dict[Path, StoredFile]) -> str:
    if _is_url(href):
        return href
    stored = by_path.get(Path(href).resolve())
    return stored.href if stored is not None else href


def _is_url(href: str) -> bool:
    return "://" in href


def _descendants(catalog: pystac.Catalog) -> list[pystac.STACObject]:
    found: list[pystac.STACObject] = []
    for child in catalog.get_children():
        found.append(child)
        found.extend(_descendants(child))
    found.extend(catalog.get_items())
    return found


def _document_name(stac_object: pystac.STACObject) -> str:
    """The id that names a stored document, when it is a file name; the tool chose it."""
    try:
        return safe_name(stac_object.id)
    except UnsafePath as error:
        kind = type(stac_object).__name__
        raise JobFailed(f"The output's STAC {kind} id cannot name a stored document: {error}.") from error


def _publish(root: pystac.Catalog, job_id: str, storage: JobStorage) -> tuple[StoredFile, list[JSON]]:
    """Give every object its storage href, then store each document with absolute links."""
    root.catalog_type = pystac.CatalogType.ABSOLUTE_PUBLISHED
    objects = _descendants(root)
    keys: dict[int, str] = {id(root): job_catalog_key(job_id)}
    used = set(keys.values())
    for stac_object in objects:
        folder = "items" if isinstance(stac_object, pystac.Item) else "catalogs"
        name = _document_name(stac_object)
        key, number = output_key(job_id, f"{folder}/{name}.json"), 1
        while key in used:
            number += 1
            key = output_key(job_id, f"{folder}/{name}-{number}.json")
        used.add(key)
        keys[id(stac_object)] = key
    for stac_object in [root, *objects]:
        stac_object.set_self_href(storage.href(keys[id(stac_object)]))
    items: list[JSON] = []
    for stac_object in objects:
        document = stac_object.to_dict(include_self_link=True, transform_hrefs=True)
        is_item = isinstance(stac_object, pystac.Item)
        storage.put_bytes(
            keys[id(stac_object)], _encode(document), _ITEM_MEDIA_TYPE if is_item else _CATALOG_MEDIA_TYPE
        )
        if is_item:
            items.append(document)
    catalog = storage.put_bytes(
        keys[id(root)], _encode(root.to_dict(include_self_link=True, transform_hrefs=True)), _CATALOG_MEDIA_TYPE
    )
    return catalog, items


def _encode(document: JSON) -> bytes:
    return json.dumps(document, indent=2).encode("utf-8")
