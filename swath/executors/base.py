"""The executor interface: how an accepted job reaches a runner.

Delivery may happen more than once (a restart, a broker redelivery); the job table's compare-and-set claim makes a
job run once, so executors need not deduplicate.
"""

from __future__ import annotations

from typing import Protocol


class Executor(Protocol):
    def start(self) -> None:
        """Begin taking jobs; picks up jobs left accepted or orphaned by an earlier run."""
        ...

    def submit(self, job_id: str, queue: str | None = None) -> None:
        """Hand over a job whose row is already committed as accepted, to the workers of its queue class (None:
        the first configured class)."""
        ...

    def cancel(self, job_id: str) -> None:
        """Stop a job that was dismissed, wherever it runs; a job not running is ignored."""
        ...

    def check(self) -> None:
        """Raise BrokerUnavailable unless jobs can be handed over now (for `/health`)."""
        ...

    def stop(self) -> None:
        """Stop taking jobs and end the jobs this executor runs; they are re-run at the next start."""
        ...
