"""Executors hand a job id to a runner: `local` runs jobs on this machine."""

from swath.executors.base import Executor

__all__ = ["Executor"]
