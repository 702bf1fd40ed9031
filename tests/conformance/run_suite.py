"""Run the CWL v1.2 conformance suite through Swath's OGC API, next to plain cwltool, and compare.

`python -m tests.conformance.run_suite [--suite DIR] [--out DIR] [-j 2]` starts one Swath server (local executor,
no container runtime), runs `cwltest` with `swath_cwl_runner.py` against it and with `cwltool --no-container`, writes
each run's per-tag badges (`--badgedir`) and a `summary.json` / `summary.md` table under `--out`, and exits 1 when
Swath passes fewer tests than cwltool did. Both runs take the same tests, with the same options, on the same
machine; the tests that need a container engine fail the same way for both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.servers import REPO, SwathServer, child_environment, running

HERE = Path(__file__).resolve().parent
SUITE = Path(os.environ.get("SWATH_CWL_SUITE", str(REPO.parent / "shared" / "cwl-v1.2")))
RUNNER = HERE / "swath_cwl_runner.py"


def run_cwltest(
    suite: Path, tool: list[str], out: Path, jobs: int, environment: dict[str, str], only: list[str]
) -> dict[str, object]:
    """One cwltest run; its per-tag counts (from the badges) and its duration."""
    badges = out / "badges"
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "cwltest",
        "--test",
        str(suite / "conformance_tests.yaml"),
        "--tool",
        tool[0],
        "-j",
        str(jobs),
        "--timeout",
        "180",
        "--badgedir",
        str(badges),
        "--junit-xml",
        str(out / "junit.xml"),
        *only,
        *(["--", *tool[1:]] if len(tool) > 1 else []),
    ]
    started = time.monotonic()
    with (out / "cwltest.log").open("wb") as log:
        subprocess.run(command, cwd=suite, env=environment, stdout=log, stderr=subprocess.STDOUT, check=False)
    return {"seconds": round(time.monotonic() - started, 1), "tags": read_badges(badges)}


def read_badges(badges: Path) -> dict[str, dict[str, int]]:
    """Per tag: passed, failed, unsupported and total, counted from cwltest's `<tag>.md` badge pages."""
    counts: dict[str, dict[str, int]] = {}
    for path in sorted(badges.glob("*.md")):
        tally = {"passed": 0, "failed": 0, "unsupported": 0}
        section = None
        for line in path.read_text().splitlines():
            if line.startswith("## List of "):
                section = line.removeprefix("## List of ").split()[0]
            elif line.startswith("- [") and section in tally:
                tally[section] += 1
        counts[path.stem] = {**tally, "total": sum(tally.values())}
    return counts


def markdown(swath: dict[str, dict[str, int]], cwltool: dict[str, dict[str, int]]) -> str:
    lines = ["| tag | Swath (OGC API) | cwltool --no-container | tests |", "|---|---:|---:|---:|"]
    for tag in sorted(set(swath) | set(cwltool), key=lambda name: (name != "all", name)):
        ours, theirs = swath.get(tag, {}), cwltool.get(tag, {})
        total = ours.get("total") or theirs.get("total", 0)
        lines.append(f"| {tag} | {ours.get('passed', 0)} | {theirs.get('passed', 0)} | {total} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--out", type=Path, default=Path("conformance-results"))
    parser.add_argument("-j", type=int, default=2)
    parser.add_argument("--skip-cwltool", action="store_true", help="Run only the Swath side.")
    parser.add_argument("-n", help="Only these tests (numbers, as cwltest -n: 1,3-6,9).")
    arguments = parser.parse_args()
    out = arguments.out.resolve()
    suite = arguments.suite.resolve()
    server = SwathServer(
        data_dir=out / "swath-data",
        settings={
            "workers": str(arguments.j),
            "allowed_input_roots": json.dumps([str(suite), "/tmp"]),
            "log_level": "warning",
        },
    )
    # The runner imports Swath from this checkout, as the server does.
    environment = child_environment({})
    # The networkaccess tests open http://commonwl.org from the tool; nothing may leave this machine, so they are
    # left out of both runs.
    only = [*(["-n", arguments.n] if arguments.n else []), "--exclude-tags", "networkaccess"]
    summary: dict[str, object] = {}
    with running(server):
        environment["SWATH_URL"] = server.url
        summary["swath"] = run_cwltest(suite, [str(RUNNER)], out / "swath", arguments.j, environment, only)
    if not arguments.skip_cwltool:
        summary["cwltool"] = run_cwltest(
            suite, ["cwltool", "--no-container"], out / "cwltool", arguments.j, environment, only
        )
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    swath_tags = summary["swath"]["tags"]  # type: ignore[index]
    cwltool_tags = summary.get("cwltool", {}).get("tags", {})  # type: ignore[attr-defined]
    (out / "summary.md").write_text(markdown(swath_tags, cwltool_tags))
    print(markdown(swath_tags, cwltool_tags))
    if cwltool_tags and swath_tags.get("all", {}).get("passed", 0) < cwltool_tags.get("all", {}).get("passed", 0):
        print("Swath passes fewer conformance tests than cwltool.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
