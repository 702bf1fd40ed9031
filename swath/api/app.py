"""The application factory: one FastAPI app per `Settings`, with its database, storage and executor.

Start-up brings the schema to the newest revision, makes the built-in and example processes live, gives back jobs
that a stopped server left running, and starts the reaper that fails or re-queues jobs whose runner went silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from swath import __version__
from swath.api.callbacks import send_callbacks_forever
from swath.api.errors import install_error_handlers
from swath.api.limits import BodyLimit
from swath.api.openapi import openapi_30
from swath.api.routes import (
    applications,
    collections,
    files,
    health,
    job_history,
    job_management,
    jobs,
    landing,
    processes,
    scheduling,
    signin,
    trs,
    unity,
)
from swath.api.security import SecurityMiddleware
from swath.api.unity_sps import UnitySpsFace
from swath.executors.base import Executor
from swath.executors.local import LocalExecutor, SharedPoolExecutor
from swath.services.auth import Authenticator
from swath.services.containers import choose_container_runtime
from swath.services.context import ServiceContext
from swath.services.jobs import reap_stale_jobs
from swath.services.package_check import start_fork_server
from swath.services.processes import deploy_examples, install_builtin_processes
from swath.services.retention import give_up_sweeping, is_retention_on, sweep, sweeper_id
from swath.services.signed_urls import signing_key
from swath.settings import Settings, api_worker_settings
from swath.storage import open_storage
from swath.store.database import create_database_engine, create_session_factory, migrate

log = logging.getLogger("swath.api")


def create_app(settings: Settings, api_worker: bool = False) -> FastAPI:
    """Build the app, with the executor the settings name.

    `api_worker`: one of several API processes of `swath serve --api-workers N`. The serving command has migrated
    the database and started the one runner pool; this process hands jobs to that pool (SharedPoolExecutor).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Probed once, before anything else: an explicit engine that cannot run a container stops the start-up.
        containers = await asyncio.to_thread(choose_container_runtime, settings.container_runtime)
        log.info("Containers: %s", containers.detail)
        engine = create_database_engine(settings.resolved_database_url)
        await asyncio.to_thread(migrate, engine)
        context = ServiceContext(
            settings=settings,
            sessions=create_session_factory(engine),
            storage=open_storage(settings),
            executor=_executor(settings, api_worker),
        )
        app.state.context = context
        app.state.authenticator = Authenticator(settings, context.sessions)
        app.state.signing_key = signing_key(settings)
        # The fork server that validates deploys imports cwltool once (~1 s); started now, not at the first deploy.
        await asyncio.to_thread(start_fork_server)
        await asyncio.to_thread(install_builtin_processes, context)
        if settings.deploy_examples:
            deployed = await asyncio.to_thread(deploy_examples, context)
            if deployed:
                log.info("Deployed the example applications: %s", ", ".join(deployed))
        await asyncio.to_thread(context.executor.start)
        reaper = asyncio.create_task(_reap_forever(context))
        callbacks = asyncio.create_task(send_callbacks_forever(context))
        background = [reaper, callbacks]
        if is_retention_on(settings):
            background.append(asyncio.create_task(_sweep_forever(context, sweeper_id())))
        # Everything made so far lives as long as the server. Frozen, the collector stops scanning it in every full
        # collection; those scans held the GIL for tens of ms and made the slowest 1 % of submissions
        # (bench/, scenario 3: p99 95-135 -> 28-30 ms at 8 connections).
        gc.freeze()
        try:
            yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await asyncio.to_thread(context.executor.stop)
            engine.dispose()

    app = FastAPI(
        title="Swath",
        version=__version__,
        description="OGC API - Processes (Parts 1 and 2) for CWL application packages.",
        openapi_url="/api",
        docs_url="/api.html",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.openapi = lambda: openapi_30(app)  # type: ignore[method-assign]
    app.state.auth_on = settings.is_auth_on
    # The last added runs first: Host and security headers for every answer (413s included), then the Unity SPS
    # prefix taken off, then the body limits, which tell a deploy from an execute by the OGC path.
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(UnitySpsFace, template=settings.unity_sps_prefix)
    app.add_middleware(SecurityMiddleware, settings=settings)
    install_error_handlers(app)
    routers = (
        landing, processes, scheduling, unity, jobs, job_history, job_management, collections, files, health, signin
    )
    for module in (*routers, applications):
        app.include_router(module.router)
    for trs_router in trs.routers:
        app.include_router(trs_router)
    app.mount("/static", StaticFiles(packages=[("swath.api", "static")]), name="static")
    return app


def create_api_worker_app() -> FastAPI:
    """The app of one API process of `swath serve --api-workers N` (uvicorn imports this factory in each), with the
    settings the serving command handed over."""
    return create_app(api_worker_settings(), api_worker=True)


def start_shared_runners(settings: Settings) -> Executor | None:
    """What `swath serve --api-workers N` does once, before it starts the API processes: bring the schema to the
    newest revision (N processes migrating at once would race), and start the one runner pool that every API
    process hands its jobs to (local executor; the Celery executor's workers are already shared)."""
    engine = create_database_engine(settings.resolved_database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    if settings.executor != "local":
        return None
    pool = LocalExecutor(settings, shared=True)
    pool.start()
    return pool


def _executor(settings: Settings, api_worker: bool = False) -> Executor:
    if settings.executor == "celery":
        from swath.executors.celery import CeleryExecutor  # Celery is needed only by scale-out deployments

        return CeleryExecutor(settings)
    if settings.executor == "slurm":
        from swath.executors.slurm import SlurmExecutor

        return SlurmExecutor(settings)
    return SharedPoolExecutor(settings) if api_worker else LocalExecutor(settings)


async def _sweep_forever(context: ServiceContext, holder: str) -> None:
    """The retention sweeper: every API process runs one, and the one holding the venue's lease does the work."""
    try:
        while True:
            try:
                await asyncio.to_thread(sweep, context, holder)
            except Exception:  # like the reaper: a passing database or storage error waits for the next round
                log.exception("The retention sweep failed")
            await asyncio.sleep(context.settings.retention_interval)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(give_up_sweeping, context, holder)


async def _reap_forever(context: ServiceContext) -> None:
    interval = context.settings.heartbeat_timeout / 2
    while True:
        await asyncio.sleep(interval)
        try:
            released = await asyncio.to_thread(reap_stale_jobs, context)
        except Exception:  # the reaper must outlive a passing database error; the next round retries
            log.exception("Reaping stale jobs failed")
            continue
        if released:
            log.warning("Took back %d job(s) whose runner stopped beating.", released)
