"""The harness's result document and table (bench/report.py), and its command line (bench/__main__.py)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from bench.__main__ import parse
from bench.report import Run, show
from bench.stats import Figure, Summary, Target, Unavailable, single


def a_run() -> Run:
    run = Run(parameters={"overhead_jobs": 3})
    baseline = Figure("1 overhead", "cwltool command line", "ms", Summary.of([700.0, 710.0, 720.0]))
    run.add(
        Figure(
            "1 overhead",
            "submit → successful",
            "ms",
            Summary.of([40.0, 45.0, 50.0]),
            targets=[Target("median", "<", 100), Target("median", ">=", 10, on="ratio")],
            baseline=baseline,
        ),
        baseline,
    )
    run.unavailable.append(Unavailable("2 throughput", "jobs/s (celery)", "not available"))
    run.notes.append("numbers from a shared machine")
    return run


def test_the_result_document_holds_each_figure_with_its_statistics_targets_baseline_and_ratio() -> None:
    document = a_run().to_json()
    figure = document["figures"][0]
    assert figure["summary"]["median"] == 45.0
    assert figure["summary"]["p95"] == 49.5
    assert figure["targets"] == [
        {"stat": "median", "op": "<", "value": 100, "on": "value", "met": True},
        {"stat": "median", "op": ">=", "value": 10, "on": "ratio", "met": True},
    ]
    assert figure["met"] is True
    assert figure["baseline"]["name"] == "cwltool command line"
    assert figure["baseline"]["median"] == 710.0
    assert figure["ratio"] == 710.0 / 45.0


def test_the_result_document_says_what_was_not_available_and_where_it_ran() -> None:
    document = a_run().to_json()
    assert document["unavailable"] == [
        {"scenario": "2 throughput", "name": "jobs/s (celery)", "available": False, "reason": "not available"}
    ]
    assert document["parameters"] == {"overhead_jobs": 3}
    assert document["machine"]["cpus"] >= 1
    assert document["notes"] == ["numbers from a shared machine"]


def test_a_run_is_written_as_json_named_after_its_start(tmp_path: Path) -> None:
    run = a_run()
    path = run.write(tmp_path / "results")
    assert path.name == run.started.strftime("%Y%m%dT%H%M%SZ") + ".json"
    assert json.loads(path.read_text())["figures"][1]["name"] == "cwltool command line"


def test_the_table_shows_every_figure_and_every_unavailable_variant() -> None:
    console = Console(width=250, record=True)
    show(a_run(), console)
    text = console.export_text()
    assert "submit → successful" in text
    assert "15.78x" in text
    assert "jobs/s (celery): not available" in text
    assert "numbers from a shared machine" in text


def test_a_figure_without_baseline_or_target_renders_empty_cells() -> None:
    run = Run(parameters={})
    run.add(Figure("5 memory", "pool RSS", "MiB", single(100.0)))
    console = Console(width=250, record=True)
    show(run, console)
    assert "pool RSS" in console.export_text()


def test_the_command_line_runs_every_scenario_by_default() -> None:
    options = parse([])
    assert options.scenarios == ["overhead", "throughput", "submission", "listing", "memory", "peer", "containers"]
    assert options.listing_sizes == [100_000, 1_000_000]


def test_the_command_line_takes_scenarios_and_sizes() -> None:
    options = parse(["listing", "--listing-sizes", "100_000,1000000", "--databases", "sqlite"])
    assert options.scenarios == ["listing"]
    assert options.listing_sizes == [100_000, 1_000_000]
    assert options.databases == ["sqlite"]
