"""`python -m bench.api_workers`: submission with 1 and 2 API processes (`swath serve --api-workers N`), side by side.

The submission scenario's load (bench/scenarios/submission.py: async `POST /processes/{id}/execution` of the echo
package, wrk when installed, else the httpx generator) against one server per figure, each on a fresh PostgreSQL
database, with one runner pool behind it. Prints accepted/s and the latency percentiles; afterwards every accepted
job must be in the store. On a 2-core machine the API processes, the pool running the jobs, PostgreSQL and the load
generator share the two cores, so the second API process buys less than it would with a core of its own.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import httpx

from bench.load import has_wrk
from bench.options import Options
from bench.scenarios.submission import _latency, _missing, measure
from bench.servers import DATA, SwathServer, deploy, fresh_postgresql_database, running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk's run (the httpx generator: --submissions)")
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--api-workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--postgresql-url", default=Options().postgresql_url)
    arguments = parser.parse_args()
    generator = "wrk" if has_wrk() else "httpx"
    options = Options(
        concurrency=arguments.concurrency,
        load_seconds=arguments.seconds,
        submissions=arguments.submissions,
        load_generator=generator,
    )
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for count in arguments.api_workers:
            with fresh_postgresql_database(arguments.postgresql_url) as database_url:
                settings = {"workers": "2", "database_url": database_url, "api_workers": str(count)}
                server = SwathServer(Path(folder) / f"api-{count}", settings=settings)
                with running(server), httpx.Client(base_url=server.url, timeout=60) as client:
                    process_id = deploy(client, DATA / "echo.cwl")
                    burst = measure(f"{server.url}/processes/{process_id}/execution", generator, options)
                    missing = _missing(burst, database_url, process_id)
            latency = _latency(burst)
            rows.append((count, burst.accepted_per_second, latency.median, latency.p99, burst.accepted, missing))
    print(f"submission, {generator}, {arguments.concurrency} connections, PostgreSQL, one runner pool (2 jobs at once)")
    print(f"{'API processes':>13}  {'accepted/s':>10}  {'p50 ms':>7}  {'p99 ms':>7}  {'accepted':>8}  missing")
    for count, rate, median, p99, accepted, missing in rows:
        print(f"{count:>13}  {rate:>10.0f}  {median:>7.1f}  {p99:>7.1f}  {accepted:>8}  {missing}")


if __name__ == "__main__":
    main()
