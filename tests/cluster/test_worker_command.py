"""`swath worker` refuses settings it cannot run with, saying what to set, before it touches any service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def worker(tmp_path: Path, *arguments: str, **settings: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    environment.update({f"SWATH_{key.upper()}": value for key, value in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "swath", "worker", *arguments],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_worker_needs_the_celery_executor(tmp_path: Path) -> None:
    finished = worker(tmp_path)
    assert finished.returncode == 2
    assert "swath worker needs SWATH_EXECUTOR=celery" in finished.stderr


def test_a_worker_refuses_sqlite(tmp_path: Path) -> None:
    finished = worker(tmp_path, executor="celery", broker_url="amqp://guest:guest@127.0.0.1:1//")
    assert finished.returncode == 2
    assert "set database_url to PostgreSQL" in finished.stderr


def test_a_worker_refuses_a_queue_class_that_is_not_configured(tmp_path: Path) -> None:
    finished = worker(
        tmp_path,
        "--queues",
        "small,gpu",
        executor="celery",
        broker_url="amqp://guest:guest@127.0.0.1:1//",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        public_url="http://127.0.0.1:8000",
        queues='[{"name": "small"}]',
    )
    assert finished.returncode == 2
    assert "queue class 'gpu' is not configured; configured: small" in finished.stderr
