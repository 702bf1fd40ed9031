"""A run's results: the Rich table printed at the end and the JSON document written to bench/results/."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.stats import Figure, Unavailable

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Run:
    """Everything one `python -m bench` measured, with what it was asked to do and where it ran."""

    parameters: dict[str, Any]
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    figures: list[Figure] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)

    def to_json(self) -> dict[str, Any]:
        return {
            "started": self.started.isoformat(),
            "finished": datetime.now(UTC).isoformat(),
            "machine": machine(),
            "parameters": self.parameters,
            "figures": [figure.to_json() for figure in self.figures],
            "unavailable": [item.to_json() for item in self.unavailable],
            "notes": self.notes,
        }

    def write(self, folder: Path = RESULTS_DIR) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.started.strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(self.to_json(), indent=2, default=str) + "\n")
        return path


def machine() -> dict[str, Any]:
    """Where the numbers come from: they mean little without the cores, the load and the commit."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=RESULTS_DIR.parent
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit,
    }


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(run: Run) -> Table:
    grid = Table(title="Swath benchmarks", show_lines=False)
    for column in (
        "scenario",
        "figure",
        "unit",
        "n",
        "median",
        "p95",
        "min / max",
        "target",
        "baseline",
        "ratio",
        "ok",
    ):
        grid.add_column(column, justify="left" if column in ("scenario", "figure", "target", "baseline") else "right")
    for figure in run.figures:
        summary = figure.summary
        verdict = {True: "[green]yes", False: "[red]no", None: ""}[figure.met]
        baseline = "" if figure.baseline is None else f"{figure.baseline.name}: {_number(figure.baseline.value)}"
        ratio = "" if figure.ratio is None else f"{figure.ratio:.2f}x"
        grid.add_row(
            figure.scenario,
            figure.name,
            figure.unit,
            str(summary.n),
            _number(summary.median),
            _number(summary.p95),
            f"{_number(summary.min)} / {_number(summary.max)}",
            "; ".join(target.describe(figure.unit) for target in figure.targets),
            baseline,
            ratio,
            verdict,
        )
    for item in run.unavailable:
        grid.add_row(item.scenario, f"{item.name}: {item.reason}", "", "", "", "", "", "", "", "", "[yellow]n/a")
    return grid


def show(run: Run, console: Console | None = None) -> None:
    console = console or Console()
    console.print(table(run))
    for note in run.notes:
        console.print(f"- {note}")
