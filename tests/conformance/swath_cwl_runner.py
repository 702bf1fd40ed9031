#!/usr/bin/env python3
"""A `cwl-runner` for cwltest that runs every test through a Swath server's OGC API.

Called as `swath_cwl_runner.py [--outdir=DIR] [--quiet] TOOL.cwl [JOB]`, with the server named by `SWATH_URL` (the
suite driver, `run_suite.py`, starts one server for the whole run). Prints the CWL output object on standard
output as cwltool does; exits 1 when the job fails or the package or its inputs are refused, 33 (cwltool's
"unsupported feature") never, since a refusal is not one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from swath.client import Client
from swath.client.cwlrunner import JobFailed, run_package
from swath.client.errors import APIError


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outdir", default=".")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("tool")
    parser.add_argument("job", nargs="?")
    arguments, _ = parser.parse_known_args(argv)
    job = {}
    base = Path.cwd()
    if arguments.job:
        job_path = Path(arguments.job)
        job = yaml.safe_load(job_path.read_text(encoding="utf-8")) or {}
        base = job_path.resolve().parent
    outdir = Path(arguments.outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        with Client(timeout=600) as client:
            output = run_package(client, arguments.tool, job, base, outdir)
    except (APIError, JobFailed) as error:
        print(f"swath: {error}", file=sys.stderr)
        return 1
    print(json.dumps(output, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
