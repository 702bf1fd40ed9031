"""The harness's statistics, targets and ratios (bench/stats.py)."""

from __future__ import annotations

import math

import pytest

from bench.stats import Figure, Summary, Target, percentile, single


def test_percentile_interpolates_between_the_closest_ranks() -> None:
    samples = [10.0, 20.0, 30.0, 40.0]
    assert percentile(samples, 0.0) == 10.0
    assert percentile(samples, 1.0) == 40.0
    assert percentile(samples, 0.5) == 25.0
    assert percentile(samples, 0.95) == pytest.approx(38.5)


def test_percentile_does_not_depend_on_the_order_of_the_samples() -> None:
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0


def test_percentile_of_no_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


def test_percentile_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        percentile([1.0], 95)


def test_a_summary_reports_count_extremes_median_tail_and_mean() -> None:
    summary = Summary.of([float(value) for value in range(1, 101)])
    assert (summary.n, summary.min, summary.max) == (100, 1.0, 100.0)
    assert summary.median == 50.5
    assert summary.p95 == pytest.approx(95.05)
    assert summary.p99 == pytest.approx(99.01)
    assert summary.mean == 50.5


def test_a_single_measurement_is_every_statistic() -> None:
    summary = single(42.0)
    assert summary.n == 1
    assert summary.min == summary.median == summary.p95 == summary.max == 42.0


def test_the_ratio_of_a_latency_is_how_many_times_faster_than_its_baseline() -> None:
    baseline = Figure("s", "cwltool", "ms", single(1000.0))
    figure = Figure("s", "swath", "ms", single(50.0), baseline=baseline)
    assert figure.ratio == 20.0


def test_the_ratio_of_a_rate_is_how_many_times_more_than_its_baseline() -> None:
    baseline = Figure("s", "peer", "jobs/s", single(100.0), better="higher")
    figure = Figure("s", "swath", "jobs/s", single(250.0), better="higher", baseline=baseline)
    assert figure.ratio == 2.5


def test_the_ratio_uses_the_statistic_the_figure_leads_with() -> None:
    baseline = Figure("s", "bare", "ms", Summary.of([1.0, 1.0, 10.0]))
    figure = Figure("s", "swath", "ms", Summary.of([2.0, 2.0, 20.0]), stat="max", baseline=baseline)
    assert figure.ratio == 0.5


def test_a_figure_without_a_baseline_has_no_ratio() -> None:
    assert Figure("s", "alone", "ms", single(1.0)).ratio is None


def test_a_zero_latency_is_infinitely_better_than_its_baseline() -> None:
    baseline = Figure("s", "b", "ms", single(5.0))
    assert Figure("s", "f", "ms", single(0.0), baseline=baseline).ratio == math.inf


def test_a_figure_meets_its_targets_only_when_it_meets_all_of_them() -> None:
    targets = [Target("median", "<", 100), Target("median", ">=", 10, on="ratio")]
    cwltool = Figure("s", "cwltool", "ms", single(1000.0))
    assert Figure("s", "fast", "ms", single(50.0), targets=targets, baseline=cwltool).met is True
    assert Figure("s", "slow", "ms", single(150.0), targets=targets, baseline=cwltool).met is False
    # Under 100 ms, but less than 10x faster than a quicker baseline.
    quick = Figure("s", "quick", "ms", single(500.0))
    assert Figure("s", "close", "ms", single(60.0), targets=targets, baseline=quick).met is False


def test_a_target_on_the_ratio_cannot_be_judged_without_a_baseline() -> None:
    figure = Figure("s", "f", "ms", single(1.0), targets=[Target("median", ">=", 10, on="ratio")])
    assert figure.met is None


def test_a_figure_without_targets_is_neither_met_nor_missed() -> None:
    assert Figure("s", "f", "ms", single(1.0)).met is None


def test_an_unknown_target_operator_is_refused() -> None:
    with pytest.raises(ValueError, match="operator '=>'"):
        Target("median", "=>", 1)


def test_targets_describe_themselves_for_the_table() -> None:
    assert Target("p99", "<", 20).describe("ms") == "p99 < 20 ms"
    assert Target("median", ">=", 10, on="ratio").describe("ms") == ">= 10x baseline"
