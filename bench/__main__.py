"""`python -m bench`: start what each scenario needs, run it, print the table and write the JSON results."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import tempfile
import traceback
from pathlib import Path

from rich.console import Console

from bench.options import DEFAULT_SCENARIOS, SCENARIOS, Options
from bench.report import Run, show
from bench.stats import Unavailable


def _numbers(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def _words(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def parse(argv: list[str] | None = None) -> Options:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", choices=[*SCENARIOS, []], help="scenarios to run (default: all but soak)"
    )
    parser.add_argument("--overhead-jobs", type=int, default=defaults.overhead_jobs)
    parser.add_argument("--cwltool-runs", type=int, default=defaults.cwltool_runs)
    parser.add_argument("--throughput-jobs", type=int, default=defaults.throughput_jobs)
    parser.add_argument("--executors", type=_words, default=defaults.executors, help="local,celery")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="SWATH_WORKERS of the servers")
    parser.add_argument("--submissions", type=int, default=defaults.submissions)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--load-generator", choices=["wrk", "httpx"], default=defaults.load_generator)
    parser.add_argument("--load-seconds", type=float, default=defaults.load_seconds, help="wrk's duration")
    parser.add_argument("--listing-sizes", type=_numbers, default=defaults.listing_sizes, help="e.g. 100000,1000000")
    parser.add_argument("--databases", type=_words, default=defaults.databases, help="sqlite,postgresql")
    parser.add_argument("--postgresql-url", default=defaults.postgresql_url)
    parser.add_argument("--listing-repeats", type=int, default=defaults.listing_repeats)
    parser.add_argument("--deep-pages", type=int, default=defaults.deep_pages)
    parser.add_argument("--queued-jobs", type=int, default=defaults.queued_jobs)
    parser.add_argument("--peer-submissions", type=int, default=defaults.peer_submissions)
    parser.add_argument("--container-jobs", type=int, default=defaults.container_jobs)
    parser.add_argument("--engines", type=_words, default=defaults.engines, help="docker,podman,host")
    parser.add_argument("--soak-jobs", type=int, default=defaults.soak_jobs)
    parser.add_argument("--soak-kill-interval", type=float, default=defaults.soak_kill_interval, help="seconds")
    arguments = vars(parser.parse_args(argv))
    arguments["scenarios"] = arguments["scenarios"] or list(DEFAULT_SCENARIOS)
    return Options(**arguments)


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    console = Console(width=200)
    with tempfile.TemporaryDirectory(prefix="swath-bench-") as scratch:
        options.work_dir = Path(scratch)
        parameters = {key: value for key, value in dataclasses.asdict(options).items() if key != "work_dir"}
        results = Run(parameters=parameters)
        for name in options.scenarios:
            console.rule(f"scenario: {name}")
            module = importlib.import_module(f"bench.scenarios.{name}")
            try:
                module.run(results, options)
            except Exception as error:  # one broken scenario must not lose the others' numbers
                console.print(traceback.format_exc())
                results.unavailable.append(Unavailable(name, "whole scenario", f"failed: {error}"))
    show(results, console)
    console.print(f"Results written to {results.write()}")


if __name__ == "__main__":
    main()
