"""What every service function needs: settings, the database, storage and the executor, built once per entry point."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from swath.executors.base import Executor
from swath.settings import Settings
from swath.storage.base import Storage


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    executor: Executor
