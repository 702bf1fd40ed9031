"""4. Listing at scale: `GET /jobs` without and with filters, and deep paging, on stores seeded with many jobs.

For each database and size, a fresh store is seeded by bulk inserts (bench.seed) and a server started on it. Each
query's figure at a larger size has the same query at the smallest size as its baseline, so a ratio near 1 means
the query stays flat as the store grows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx

from bench.options import Options
from bench.report import Run
from bench.seed import PROCESSES, Seeded, seed
from bench.servers import SwathServer, fresh_postgresql_database, running
from bench.stats import Figure, Summary, Target, Unavailable

SCENARIO = "4 listing"
PAGE = 50


def queries(seeded: Seeded) -> dict[str, dict[str, Any]]:
    middle = seeded.first + (seeded.last - seeded.first) / 2
    window = f"{middle.isoformat()}/{(middle + timedelta(days=1)).isoformat()}"
    return {
        "first page": {},
        "status=failed": {"status": "failed"},
        "processID": {"processID": PROCESSES[2]},
        "processID (bare name: every version)": {"processID": PROCESSES[3].split(":")[0]},
        "datetime (1 day)": {"datetime": window},
        "status+processID+datetime": {"status": "successful", "processID": PROCESSES[1], "datetime": window},
    }


def run(results: Run, options: Options) -> None:
    smallest: dict[tuple[str, str], Figure] = {}
    for database in options.databases:
        for size in sorted(options.listing_sizes):
            try:
                with _seeded_server(database, size, options) as (server, seeded):
                    figures = _measure(server, seeded, database, size, options)
            except (OSError, RuntimeError, TimeoutError) as error:
                results.unavailable.append(Unavailable(SCENARIO, f"{database} {size:,}", str(error)[:200]))
                continue
            for key, figure in figures.items():
                first = smallest.setdefault((database, key), figure)
                figure.baseline = first if first is not figure else None
                results.add(figure)


@contextmanager
def _seeded_server(database: str, size: int, options: Options) -> Iterator[tuple[SwathServer, Seeded]]:
    folder = options.work_dir / f"listing-{database}-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    with _database(database, folder, options) as url:
        begin = time.perf_counter()
        seeded = seed(url, size)
        print(f"seeded {size:,} jobs into {database} in {time.perf_counter() - begin:.1f} s")
        with running(SwathServer(folder, settings={"workers": "1", "database_url": url})) as server:
            yield server, seeded


@contextmanager
def _database(database: str, folder: Any, options: Options) -> Iterator[str]:
    if database == "sqlite":
        yield f"sqlite:///{folder / 'swath.db'}"
    elif database == "postgresql":
        with fresh_postgresql_database(options.postgresql_url) as url:
            yield url
    else:
        raise RuntimeError(f"unknown database '{database}'; known: sqlite, postgresql")


def _measure(server: SwathServer, seeded: Seeded, database: str, size: int, options: Options) -> dict[str, Figure]:
    figures = {}
    where = f"{database}, {size:,} jobs"
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for name, parameters in queries(seeded).items():
            samples = [
                _timed(client, "/jobs", {"limit": PAGE, **parameters})[0] for _ in range(options.listing_repeats)
            ]
            figures[name] = _figure(f"{name} ({where})", samples)
        figures["deep paging"] = _figure(
            f"next-page, {options.deep_pages} pages deep ({where})", _pages(client, options)
        )
    return figures


def _figure(name: str, samples: list[float]) -> Figure:
    return Figure(SCENARIO, name, "ms", Summary.of(samples), stat="p95", targets=[Target("p95", "<", 50)])


def _timed(client: httpx.Client, url: str, parameters: dict[str, Any] | None = None) -> tuple[float, dict[str, Any]]:
    begin = time.perf_counter()
    response = client.get(url, params=parameters)
    elapsed = (time.perf_counter() - begin) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
    document: dict[str, Any] = response.json()
    return elapsed, document


def _pages(client: httpx.Client, options: Options) -> list[float]:
    """Follow `next` links from the first page; each page's latency is a sample."""
    samples = []
    elapsed, document = _timed(client, "/jobs", {"limit": PAGE})
    for _ in range(options.deep_pages):
        following = next((link["href"] for link in document["links"] if link["rel"] == "next"), None)
        if following is None:
            break
        elapsed, document = _timed(client, following)
        samples.append(elapsed)
    return samples
