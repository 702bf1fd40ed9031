"""Figures: a measured quantity with its summary statistics, its target and its ratio to a baseline.

A figure's `ratio` is always "times better than the baseline": baseline / value for quantities where lower is
better (latency, memory), value / baseline where higher is better (throughput). Above 1 means Swath did better.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Better = Literal["lower", "higher"]
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (0..1) with linear interpolation between the closest ranks (numpy's default)."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction {fraction} is outside 0..1")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """What a list of samples is reported as."""

    n: int
    min: float
    median: float
    p95: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(
            n=len(samples),
            min=min(samples),
            median=percentile(samples, 0.5),
            p95=percentile(samples, 0.95),
            p99=percentile(samples, 0.99),
            max=max(samples),
            mean=sum(samples) / len(samples),
        )

    def stat(self, name: str) -> float:
        value = getattr(self, name)
        if not isinstance(value, float | int):
            raise ValueError(f"'{name}' is not a statistic of a summary")
        return float(value)


@dataclass(frozen=True)
class Target:
    """`stat op value`, e.g. median < 100 (ms); `on` = "ratio" puts it on the ratio to the baseline instead."""

    stat: str
    op: str
    value: float
    on: Literal["value", "ratio"] = "value"

    def __post_init__(self) -> None:
        if self.op not in _COMPARE:
            raise ValueError(f"target operator '{self.op}' is not one of {', '.join(_COMPARE)}")

    def is_met(self, figure: Figure) -> bool | None:
        subject = figure.ratio if self.on == "ratio" else figure.summary.stat(self.stat)
        if subject is None:
            return None
        return _COMPARE[self.op](subject, self.value)

    def describe(self, unit: str) -> str:
        if self.on == "ratio":
            return f"{self.op} {self.value:g}x baseline"
        return f"{self.stat} {self.op} {self.value:g} {unit}"


@dataclass
class Figure:
    """One measured quantity of one scenario; `stat` names the statistic that ratios and the table lead with."""

    scenario: str
    name: str
    unit: str
    summary: Summary
    better: Better = "lower"
    stat: str = "median"
    targets: list[Target] = field(default_factory=list)
    baseline: Figure | None = None
    note: str = ""

    @property
    def value(self) -> float:
        return self.summary.stat(self.stat)

    @property
    def ratio(self) -> float | None:
        """Times better than the baseline (> 1: better), on the figure's leading statistic."""
        if self.baseline is None:
            return None
        base = self.baseline.summary.stat(self.stat)
        if self.better == "lower":
            return base / self.value if self.value else math.inf
        return self.value / base if base else math.inf

    @property
    def met(self) -> bool | None:
        """All targets met (True), one missed (False), or no target to judge (None)."""
        verdicts = [target.is_met(self) for target in self.targets]
        known = [verdict for verdict in verdicts if verdict is not None]
        if not known:
            return None
        return all(known)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "name": self.name,
            "unit": self.unit,
            "better": self.better,
            "stat": self.stat,
            "summary": asdict(self.summary),
            "targets": [asdict(target) | {"met": target.is_met(self)} for target in self.targets],
            "met": self.met,
            "baseline": None
            if self.baseline is None
            else {"name": self.baseline.name, **asdict(self.baseline.summary)},
            "ratio": self.ratio,
            "note": self.note,
        }


@dataclass
class Unavailable:
    """A scenario variant that could not run here, and why (reported, never a failure of the run)."""

    scenario: str
    name: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "name": self.name, "available": False, "reason": self.reason}


def single(value: float) -> Summary:
    """A figure measured once (a throughput over a whole run): every statistic is that value."""
    return Summary.of([value])
