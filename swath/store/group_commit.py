"""Group commit for new jobs: submissions that arrive together are inserted in one transaction.

Every submission must be committed before its client hears of it (DESIGN.md), and a commit costs far more than an
insert: on SQLite each writer takes the database lock, and under a burst of submissions the threads spent most of
their time waiting for it (bench/, scenario 3). Here the first thread to arrive commits everything queued by then,
and threads that arrived while it was committing find their rows already committed, or commit the next group.
Each caller still returns only once its own row is committed, and sees the error if its group failed.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from swath.errors import SwathError
from swath.store.database import transaction
from swath.store.jobs import insert_jobs
from swath.store.records import JobRecord

# A check a new job must pass inside the transaction that records it (a queued cap); it raises to refuse the job.
Admission = Callable[[Session], None]


@dataclass
class _Waiting:
    job: JobRecord
    admit: Admission | None = None
    done: bool = False
    error: BaseException | None = None


@dataclass
class _Group:
    # Guards `queue`; held only to add or take entries.
    queue_lock: threading.Lock = field(default_factory=threading.Lock)
    queue: list[_Waiting] = field(default_factory=list)
    # Held by the one thread committing a group.
    turn: threading.Lock = field(default_factory=threading.Lock)


_GROUPS: weakref.WeakKeyDictionary[sessionmaker[Session], _Group] = weakref.WeakKeyDictionary()
_GROUPS_LOCK = threading.Lock()


def commit_new_job(sessions: sessionmaker[Session], job: JobRecord, admit: Admission | None = None) -> None:
    """Insert and commit `job`'s row, together with any others submitted at the same moment.

    With `admit`, the job is checked first in the same transaction, after the rows of the group inserted before
    it; the error it raises refuses this job alone.
    """
    with _GROUPS_LOCK:
        group = _GROUPS.setdefault(sessions, _Group())
    mine = _Waiting(job, admit)
    with group.queue_lock:
        group.queue.append(mine)
    with group.turn:
        if not mine.done:
            with group.queue_lock:
                batch, group.queue = group.queue, []
            _commit(sessions, batch)
    if mine.error is not None:
        raise mine.error


def _commit(sessions: sessionmaker[Session], batch: list[_Waiting]) -> None:
    try:
        with transaction(sessions) as session:
            _insert(session, batch)
    except BaseException as error:  # every caller in the group must hear of it, not only this one
        for waiting in batch:
            waiting.error = error
    for waiting in batch:
        waiting.done = True


def _insert(session: Session, batch: list[_Waiting]) -> None:
    plain: list[JobRecord] = []
    for waiting in batch:
        if waiting.admit is None:
            plain.append(waiting.job)
            continue
        # What was queued before this job counts against its cap: the rows before it go in first.
        if plain:
            insert_jobs(session, plain)
            plain = []
        try:
            waiting.admit(session)
        except SwathError as error:
            waiting.error = error
            continue
        insert_jobs(session, [waiting.job])
    if plain:
        insert_jobs(session, plain)
