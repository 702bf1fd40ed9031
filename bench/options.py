"""The sizes and switches of a run, with defaults that finish in under ten minutes on 2 cores."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SCENARIOS = ("overhead", "throughput", "submission", "listing", "memory", "peer", "containers", "soak")
# What `python -m bench` runs when no scenario is named: all but the soak, which alone takes longer than the rest.
DEFAULT_SCENARIOS = SCENARIOS[:-1]


@dataclass
class Options:
    scenarios: list[str] = field(default_factory=lambda: list(DEFAULT_SCENARIOS))
    work_dir: Path = Path("/tmp")
    # 1. per-job overhead
    overhead_jobs: int = 30
    cwltool_runs: int = 5
    # 2. throughput
    throughput_jobs: int = 1000
    executors: list[str] = field(default_factory=lambda: ["local", "celery"])
    workers: int = 2
    # 3. submission
    submissions: int = 3000
    concurrency: int = 8
    load_generator: str = "wrk"
    load_seconds: float = 10.0
    # 4. listing
    listing_sizes: list[int] = field(default_factory=lambda: [100_000, 1_000_000])
    databases: list[str] = field(default_factory=lambda: ["sqlite", "postgresql"])
    postgresql_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    listing_repeats: int = 30
    deep_pages: int = 100
    # 5. memory
    queued_jobs: int = 1000
    # 6. peer
    peer_submissions: int = 500
    # 7. containers
    container_jobs: int = 10
    engines: list[str] = field(default_factory=lambda: ["docker", "podman", "host"])
    # 8. soak
    soak_jobs: int = 10_000
    soak_kill_interval: float = 20.0
