"""Retry policies, and the end of a job's attempt: the one place that decides whether a failed run is tried again.

A process declares its policy at deploy, as a hint of its CWL in Swath's namespace (the CWL way to say what an
engine may ignore), else the server's settings give it one:

    $namespaces: {swath: "https://swath.dev/cwl#"}
    hints:
      swath:Retry:
        maxAttempts: 3            # attempts in all, the first included (Argo's limit + 1, Airflow's retries + 1)
        on: [exitCode, runnerLost] # which failures (Argo's retryPolicy, Nextflow's errorStrategy)
        exitCodes: [1, 75]        # with exitCode: only these codes (Nextflow's `task.exitStatus in ...`)
        backoff: 5                # seconds before the second attempt (Argo's backoff.duration, Airflow's retry_delay)
        backoffFactor: 2          # times this before each further one (Argo's factor)
        maxBackoff: 300           # the longest wait (Argo's maxDuration, Airflow's max_retry_delay)

Only the failures `FailureKind.is_retryable` names can be retried: an input the user got wrong, a full disk, a
dismissal or any other error ends the job at once, whatever the policy lists. Every path that sees an attempt end
(the job's own process, its supervisor, the reaper of lost runners) calls `end_attempt`; the attempt number is the
job's `attempts` count, which only the claim raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from swath.errors import FailureKind, InvalidPackage
from swath.settings import Settings
from swath.store import attempts as attempt_store
from swath.store import jobs as job_store
from swath.store.records import JSON, JobRecord, JobStatus, ProcessRecord

# Swath's CWL namespace: the hints below are `<prefix>:<name>` with `$namespaces: {<prefix>: SWATH_CWL}`.
SWATH_CWL = "https://swath.dev/cwl#"
RETRY_HINT = "Retry"
_FIELDS = {"maxAttempts", "on", "exitCodes", "backoff", "backoffFactor", "maxBackoff"}


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    on: frozenset[FailureKind]
    # With `exit_code` in `on`: the tool exit codes that are retried; empty: every non-zero one.
    exit_codes: frozenset[int] = frozenset()
    backoff: float = 0.0
    backoff_factor: float = 2.0
    max_backoff: float = 300.0

    def retries(self, failure: Failure) -> bool:
        """Whether this failure may be tried again (attempts left aside)."""
        if not failure.kind.is_retryable or failure.kind not in self.on:
            return False
        return not (
            failure.kind is FailureKind.exit_code and self.exit_codes and failure.exit_code not in self.exit_codes
        )

    def delay(self, attempt: int) -> float:
        """Seconds to wait after attempt `attempt` (1 for the first) failed, before the next may start."""
        return min(self.backoff * self.backoff_factor ** max(attempt - 1, 0), self.max_backoff)

    def to_json(self) -> JSON:
        """The policy as the process description's `swath:retry` member shows it (the hint's own words)."""
        document: JSON = {
            "maxAttempts": self.max_attempts,
            "on": sorted(kind.value for kind in self.on),
            "backoff": self.backoff,
            "backoffFactor": self.backoff_factor,
            "maxBackoff": self.max_backoff,
        }
        if self.exit_codes:
            document["exitCodes"] = sorted(self.exit_codes)
        return document


@dataclass(frozen=True)
class Failure:
    """How an attempt failed: the sentence the user reads, its kind, and a failed tool's exit code."""

    kind: FailureKind
    message: str
    exit_code: int | None = None


def default_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.max_attempts,
        on=frozenset(FailureKind(word) for word in settings.retry_on),
        backoff=settings.retry_backoff,
        backoff_factor=settings.retry_backoff_factor,
        max_backoff=settings.retry_max_backoff,
    )


def retry_policy(process: ProcessRecord, settings: Settings) -> RetryPolicy:
    """The policy of a deployed revision: its `swath:Retry` hint over the server's defaults (checked at deploy)."""
    hint = package_hint(process.cwl, process.workflow_id, RETRY_HINT)
    return _policy(hint, default_policy(settings)) if hint is not None else default_policy(settings)


def check_retry_hint(cwl: JSON | None, workflow_id: str | None, settings: Settings) -> None:
    """Refuse at deploy a `swath:Retry` hint that does not read as a policy (InvalidPackage naming the field)."""
    hint = package_hint(cwl, workflow_id, RETRY_HINT)
    if hint is not None:
        _policy(hint, default_policy(settings))


def _policy(hint: Mapping[str, Any], defaults: RetryPolicy) -> RetryPolicy:
    unknown = sorted(set(hint) - _FIELDS - {"class"})
    if unknown:
        raise InvalidPackage(
            f"The swath:Retry hint has unknown fields {unknown}; allowed: {', '.join(sorted(_FIELDS))}."
        )
    max_attempts = hint.get("maxAttempts", defaults.max_attempts)
    if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or not 1 <= max_attempts <= 100:
        raise InvalidPackage(f"The swath:Retry hint's maxAttempts is {max_attempts!r}; give a whole number 1-100.")
    retryable = sorted(kind.value for kind in FailureKind if kind.is_retryable)
    words = hint.get(
        "on", [kind.value for kind in FailureKind if kind.is_retryable and kind is not FailureKind.time_limit]
    )
    if not isinstance(words, list) or any(word not in retryable for word in words):
        raise InvalidPackage(f"The swath:Retry hint's `on` is {words!r}; give a list of: {', '.join(retryable)}.")
    codes = hint.get("exitCodes", [])
    if not isinstance(codes, list) or not all(isinstance(code, int) and not isinstance(code, bool) for code in codes):
        raise InvalidPackage(f"The swath:Retry hint's exitCodes is {codes!r}; give a list of whole numbers.")
    return RetryPolicy(
        max_attempts=max_attempts,
        on=frozenset(FailureKind(word) for word in words),
        exit_codes=frozenset(codes),
        backoff=_seconds(hint, "backoff", defaults.backoff, 0),
        backoff_factor=_seconds(hint, "backoffFactor", defaults.backoff_factor, 1),
        max_backoff=_seconds(hint, "maxBackoff", defaults.max_backoff, 0),
    )


def _seconds(hint: Mapping[str, Any], name: str, default: float, least: float) -> float:
    value = hint.get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not least <= value <= 86400:
        raise InvalidPackage(f"The swath:Retry hint's {name} is {value!r}; give a number {least:g}-86400.")
    return float(value)


def package_hint(cwl: JSON | None, workflow_id: str | None, name: str) -> Mapping[str, Any] | None:
    """The `swath:<name>` hint (or requirement) of the object that runs, else of the document; None if absent.

    CWL allows both forms: a list of objects with a `class`, and a mapping from class to the object's fields.
    """
    if not isinstance(cwl, Mapping):
        return None
    namespaces = cwl.get("$namespaces") or {}
    names = {SWATH_CWL + name} | {f"{prefix}:{name}" for prefix, uri in namespaces.items() if uri == SWATH_CWL}
    places: list[Any] = [cwl]
    graph = cwl.get("$graph")
    if isinstance(graph, list):
        wanted = (workflow_id or "main").lstrip("#")
        places = [item for item in graph if isinstance(item, Mapping) and str(item.get("id", "")).lstrip("#") == wanted]
        places.append(cwl)
    for place in places:
        for section in ("hints", "requirements"):
            found = _find_class(place.get(section), names)
            if found is not None:
                return found
    return None


def _find_class(entries: Any, names: set[str]) -> Mapping[str, Any] | None:
    if isinstance(entries, Mapping):
        for key, value in entries.items():
            if key in names:
                if not isinstance(value, Mapping):
                    raise InvalidPackage(f"The {key} hint must be an object of fields, not {value!r}.")
                return value
        return None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and entry.get("class") in names:
            return entry
    return None


def end_attempt(
    session: Session, job: JobRecord, failure: Failure, policy: RetryPolicy, now: datetime
) -> JobStatus | None:
    """End `job`'s current attempt, which failed: queue the job again (after the policy's back-off) when the policy
    retries this failure and attempts are left, else fail it. Only while `job.runner` still holds it; returns the
    status the job moved to, or None when it had moved on (dismissed, taken back by another path).
    """
    retry_at: datetime | None = None
    if policy.retries(failure):
        retry_at = now + timedelta(seconds=policy.delay(job.attempts))
        outcome = job_store.release_job(session, job, policy.max_attempts, failure.message, now, retry_at)
    else:
        won = job_store.move_job(
            session, job.id, [JobStatus.running], JobStatus.failed, now, owner=job.runner, message=failure.message
        )
        outcome = JobStatus.failed if won else None
    status, reason = JobStatus.failed, failure.kind.value
    message: str | None = failure.message
    if outcome is None:
        current = job_store.get_job(session, job.id)
        if current is not None and current.status is JobStatus.dismissed:
            status, reason, message = JobStatus.dismissed, FailureKind.dismissed.value, current.message
    attempt_store.close_attempt(
        session,
        job.id,
        job.attempts,
        status,
        now,
        reason=reason,
        exit_code=failure.exit_code,
        message=message,
        retry_at=retry_at if outcome is JobStatus.accepted else None,
    )
    return outcome


def succeed_attempt(session: Session, job: JobRecord, now: datetime, message: str | None = None) -> None:
    attempt_store.close_attempt(session, job.id, job.attempts, JobStatus.successful, now, message=message)
