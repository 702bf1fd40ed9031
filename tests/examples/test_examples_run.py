"""The example applications shipped in `swath/examples/` run with real cwltool, without containers, and give the
results their documentation promises. They are what a new user runs first, so a broken example is a broken release.
"""

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pystac
import pytest
import yaml
from cwltool.context import RuntimeContext
from cwltool.factory import Factory

import swath
from tests.ogc_schemas import validate

EXAMPLES = Path(swath.__file__).parent / "examples"
SAMPLE_CATALOG = EXAMPLES / "data" / "sample-catalog"


def _run(tmp_path: Path, document: str, **inputs: Any) -> dict[str, Any]:
    """Run one example in-process as the runner does: no container, every file under `tmp_path`.

    `document` is a file name in `swath/examples/`, with a `#fragment` to pick a process of a `$graph`.
    """
    for folder in ("tmp", "tmp-out"):
        (tmp_path / folder).mkdir()
    runtime = RuntimeContext(
        {
            "use_container": False,
            "outdir": str(tmp_path / "out"),
            "tmpdir_prefix": f"{tmp_path}/tmp/",
            "tmp_outdir_prefix": f"{tmp_path}/tmp-out/",
            "stagedir": str(tmp_path / "stage"),
        }
    )
    name, _, fragment = document.partition("#")
    uri = (EXAMPLES / name).as_uri() + (f"#{fragment}" if fragment else "")
    outputs = Factory(runtime_context=runtime).make(uri)(**inputs)
    assert isinstance(outputs, dict)
    return outputs


def _file(path: Path) -> dict[str, str]:
    return {"class": "File", "location": path.as_uri()}


def _local(output: dict[str, Any]) -> Path:
    """The local path of a File or Directory output (the Python API gives a `location` URI, not a `path`)."""
    location = urlsplit(output["location"])
    assert location.scheme == "file"
    return Path(unquote(location.path))


def _text(output: dict[str, Any]) -> str:
    return _local(output).read_text(encoding="utf-8")


def test_word_count_counts_the_lines_words_and_bytes_of_the_sample_text(tmp_path: Path) -> None:
    outputs = _run(tmp_path, "word-count.cwl", text=_file(EXAMPLES / "data" / "sample.txt"))

    assert (outputs["lines"], outputs["words"], outputs["bytes"]) == (3, 29, 160)
    assert _text(outputs["counts"]).split() == ["3", "29", "160"]


def test_word_count_of_an_empty_file_is_all_zeros(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.touch()

    outputs = _run(tmp_path, "word-count.cwl", text=_file(empty))

    assert (outputs["lines"], outputs["words"], outputs["bytes"]) == (0, 0, 0)


def test_scatter_squares_adds_up_the_square_of_every_number(tmp_path: Path) -> None:
    outputs = _run(tmp_path, "scatter-squares.cwl", numbers=[1, 2, 3, 4, -5])

    assert outputs["sum"] == 1 + 4 + 9 + 16 + 25
    assert _text(outputs["total"]) == "55\n"


def test_scatter_squares_of_an_empty_list_is_zero(tmp_path: Path) -> None:
    outputs = _run(tmp_path, "scatter-squares.cwl", numbers=[])

    assert outputs["sum"] == 0


def _band_stats(tmp_path: Path) -> Path:
    """The output folder of stac-band-stats run on the sample catalog."""
    inputs = {"input_catalog": {"class": "Directory", "location": SAMPLE_CATALOG.as_uri()}}
    outputs = _run(tmp_path, "stac-band-stats.cwl#main", **inputs)
    return _local(outputs["output"])


def test_stac_band_stats_returns_a_valid_stac_catalog_with_one_item_per_input_item(tmp_path: Path) -> None:
    output = _band_stats(tmp_path)

    catalog = pystac.Catalog.from_file(str(output / "catalog.json"))
    catalog.validate_all()
    input_items = pystac.Catalog.from_file(str(SAMPLE_CATALOG / "catalog.json")).get_items(recursive=True)
    assert sorted(item.id for item in catalog.get_items(recursive=True)) == sorted(item.id for item in input_items)


def test_stac_band_stats_links_its_items_and_assets_by_relative_hrefs(tmp_path: Path) -> None:
    output = _band_stats(tmp_path)

    catalog = json.loads((output / "catalog.json").read_text(encoding="utf-8"))
    item_hrefs = [link["href"] for link in catalog["links"] if link["rel"] == "item"]
    assert item_hrefs == ["./field-a/field-a.json", "./field-b/field-b.json"]
    item = json.loads((output / "field-a" / "field-a.json").read_text(encoding="utf-8"))
    assert item["assets"]["red-stats"]["href"] == "./red-stats.json"
    assert (output / "field-a" / "red-stats.json").is_file()


def test_stac_band_stats_computes_the_statistics_of_each_asset(tmp_path: Path) -> None:
    output = _band_stats(tmp_path)

    red = json.loads((output / "field-a" / "red-stats.json").read_text(encoding="utf-8"))
    probes = json.loads((output / "field-b" / "probes-stats.json").read_text(encoding="utf-8"))
    assert red == {
        "item": "field-a", "asset": "red", "media_type": "text/csv",
        "lines": 4, "count": 20, "min": 0.07, "max": 0.25, "mean": 0.147,
    }  # fmt: skip
    assert probes == {
        "item": "field-b", "asset": "probes", "media_type": "application/geo+json",
        "lines": 8, "count": 3, "min": 27.0, "max": 35.25, "mean": 31.25,
    }  # fmt: skip


@pytest.mark.parametrize("example", ["word-count", "scatter-squares", "stac-band-stats"])
def test_each_example_has_an_execute_request_naming_exactly_its_inputs(example: str) -> None:
    body = json.loads((EXAMPLES / "jobs" / f"{example}.json").read_text(encoding="utf-8"))
    document = yaml.safe_load((EXAMPLES / f"{example}.cwl").read_text(encoding="utf-8"))
    process = next(p for p in document["$graph"] if p["id"] == "main") if "$graph" in document else document

    validate(body, "execute.yaml")
    assert sorted(body["inputs"]) == sorted(process["inputs"])
    assert sorted(body["outputs"]) == sorted(process["outputs"])


@pytest.mark.parametrize("example", ["word-count", "scatter-squares", "stac-band-stats"])
def test_each_example_names_its_process_id_and_version(example: str) -> None:
    document = yaml.safe_load((EXAMPLES / f"{example}.cwl").read_text(encoding="utf-8"))

    assert (document["id"], document["s:softwareVersion"]) == (example, "1.0.0")
    assert document["$namespaces"]["s"] == "https://schema.org/"


def test_the_file_inputs_of_the_execute_requests_exist() -> None:
    hrefs = [
        value["href"]
        for path in sorted((EXAMPLES / "jobs").glob("*.json"))
        for value in json.loads(path.read_text(encoding="utf-8"))["inputs"].values()
        if isinstance(value, dict) and "href" in value
    ]

    assert hrefs
    for href in hrefs:
        assert href.startswith("file://{EXAMPLES}/")
        assert (EXAMPLES / href.removeprefix("file://{EXAMPLES}/")).is_file(), href
