"""The job's STAC catalog: stored with absolute hrefs, one item per output file, or the tool's own catalog."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from swath.storage import LocalStorage
from tests.runner.harness import PUBLIC_URL, FileServer, Runner, load_cwl, make_job, make_process, serve_catalog


def _stored_json(storage: LocalStorage, href: str) -> Any:
    job_id, relative = href.removeprefix(f"{PUBLIC_URL}/jobs/").split("/outputs/", 1)
    return json.loads(storage.local_path(f"jobs/{job_id}/{relative}").read_text())


def test_each_output_file_becomes_an_item_of_the_jobs_catalog_with_file_size_and_checksum(runner: Runner) -> None:
    process = make_process(load_cwl("wc.cwl"), "wc", {"text": {"x-cwl-class": "File"}})
    job = make_job(process, {"text": {"value": "a\nb\n"}})

    run = runner.run(job, process)

    catalog_file = run.results.catalog
    assert catalog_file is not None
    assert catalog_file.key == f"jobs/{job.id}/catalog.json"
    catalog = _stored_json(runner.storage, catalog_file.href)
    assert catalog["id"] == job.id
    assert "test-process" in catalog["description"]
    item_links = [link["href"] for link in catalog["links"] if link["rel"] == "item"]
    assert item_links == [f"{PUBLIC_URL}/jobs/{job.id}/outputs/items/{job.id}-lines.json"]
    item = _stored_json(runner.storage, item_links[0])
    assert item == run.results.items[0]
    assert item["geometry"] is None
    assert item["properties"]["datetime"]
    assert {link["rel"]: link["href"] for link in item["links"]}["root"] == catalog_file.href
    (stored,) = run.results.outputs["lines"].files
    asset = item["assets"]["lines.txt"]
    assert asset["href"] == stored.href
    assert asset["roles"] == ["data"]
    assert asset["type"] == "text/plain"
    assert asset["file:size"] == stored.size
    content = runner.storage.local_path(stored.key).read_bytes()
    assert asset["file:checksum"] == "1220" + hashlib.sha256(content).hexdigest()
    assert "https://stac-extensions.github.io/file/v2.1.0/schema.json" in item["stac_extensions"]


def test_a_directory_output_with_its_own_catalog_becomes_the_jobs_catalog_with_absolute_hrefs(
    runner: Runner, file_server: FileServer
) -> None:
    process = make_process(load_cwl("stac-count.cwl"), "stac_count", {"product": {"x-cwl-class": "Directory"}})
    job = make_job(process, {"product": {"href": serve_catalog(file_server)}}, collection="LINE_COUNTS___1")

    run = runner.run(job, process)

    assert run.results.catalog is not None
    catalog = _stored_json(runner.storage, run.results.catalog.href)
    assert catalog["id"] == "line-counts"
    assert all(link["href"].startswith(f"{PUBLIC_URL}/jobs/{job.id}/") for link in catalog["links"])
    items = [_stored_json(runner.storage, link["href"]) for link in catalog["links"] if link["rel"] == "item"]
    assert sorted(item["id"] for item in items) == ["granule-a-count", "granule-b-count"]
    counts = {}
    for item in items:
        asset = item["assets"]["count"]
        # The tool's asset, now stored under the output directory and named by an absolute href.
        assert asset["href"] == (
            f"{PUBLIC_URL}/jobs/{job.id}/outputs/result/result/{item['id'].removesuffix('-count')}/count.txt"
        )
        content = _read(runner.storage, asset["href"])
        counts[item["id"]] = content.decode().strip()
        assert asset["file:checksum"] == "1220" + hashlib.sha256(content).hexdigest()
        assert asset["file:size"] == len(content)
        links = {link["rel"]: link["href"] for link in item["links"]}
        assert links["root"] == run.results.catalog.href
        assert links["derived_from"] == f"{PUBLIC_URL}/jobs/{job.id}/outputs/result/result/source.txt"
    assert counts == {"granule-a-count": "3", "granule-b-count": "2"}
    assert sorted(item["id"] for item in run.results.items) == ["granule-a-count", "granule-b-count"]
    assert {item["collection"] for item in run.results.items} == {"LINE_COUNTS___1"}
    # The tool's own files are kept unchanged beside the job's catalog.
    stored_keys = {file.key for file in run.results.outputs["result"].files}
    assert f"jobs/{job.id}/result/result/catalog.json" in stored_keys
    assert run.results.outputs["result"].cwl_class == "Directory"


def _read(storage: LocalStorage, href: str) -> bytes:
    job_id, relative = href.removeprefix(f"{PUBLIC_URL}/jobs/").split("/outputs/", 1)
    return storage.local_path(f"jobs/{job_id}/{relative}").read_bytes()
