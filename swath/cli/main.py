"""The `swath` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from swath.cli import applications, jobs, login, processes, purge, run, tokens
from swath.cli.common import server_settings as _settings
from swath.settings import Settings, hand_to_api_workers

app = typer.Typer(
    help="Swath: deploy CWL application packages and run them as OGC API - Processes jobs.", no_args_is_help=True
)
# The client commands talk to a server over HTTP (swath.client), wherever it runs; `serve` runs one.
app.add_typer(processes.app, name="process")
app.add_typer(jobs.app, name="job")
app.add_typer(tokens.app, name="token")
app.add_typer(applications.app, name="app")
app.command("login")(login.login)
app.command("run")(run.run)
app.command("purge")(purge.purge)


@app.callback()
def main() -> None:
    """Swath: deploy CWL application packages and run them as OGC API - Processes jobs."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (env SWATH_HOST; default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (env SWATH_PORT; default 8000).")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the database, outputs and logs live (env SWATH_DATA_DIR).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Jobs run at once (env SWATH_WORKERS; default: the number of cores).")
    ] = None,
    api_workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="API processes in front of one runner pool (env SWATH_API_WORKERS; 1; >1 needs PostgreSQL)."
        ),
    ] = None,
) -> None:
    """Run the service: the OGC API, and the job runners too unless SWATH_EXECUTOR=celery (see `swath worker`)."""
    from swath.api.app import create_app  # the server's imports are not needed by other commands

    options = {"host": host, "port": port, "data_dir": data_dir, "workers": workers, "api_workers": api_workers}
    overrides: dict[str, Any] = {name: value for name, value in options.items() if value is not None}
    settings = _settings(**overrides)
    _check_container_runtime(settings)
    typer.echo(f"Swath serving on {settings.resolved_public_url} (data in {settings.data_dir.resolve()})")
    typer.echo(f"Authentication: {_auth_mode(settings)}")
    if settings.api_workers > 1:
        _serve_api_workers(settings)
        return
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)


def _serve_api_workers(settings: Settings) -> None:
    """Several uvicorn worker processes share the listening socket, the database and one runner pool, started here
    once; each imports the app factory with these settings."""
    from swath.api.app import start_shared_runners

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    typer.echo(f"API processes: {settings.api_workers}, in front of one runner pool.")
    pool = start_shared_runners(settings)
    # After the pool started: the settings' secrets go to the API processes' environment, not to the jobs'.
    hand_to_api_workers(settings)
    try:
        uvicorn.run(
            "swath.api.app:create_api_worker_app",
            factory=True,
            workers=settings.api_workers,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
    finally:
        if pool is not None:
            pool.stop()


@app.command()
def worker(
    queues: Annotated[
        str | None, typer.Option(help="Queue classes to serve, comma-separated (default: every configured class).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Jobs run at once (env SWATH_WORKERS; default: the number of cores).")
    ] = None,
) -> None:
    """Run jobs of the Celery executor here: needs SWATH_BROKER_URL, SWATH_DATABASE_URL and SWATH_STORAGE."""
    from swath.executors.celery_worker import run_worker, served_queues  # Celery is needed only by workers

    settings = _settings()
    if settings.executor != "celery":
        typer.echo("Invalid settings: swath worker needs SWATH_EXECUTOR=celery.", err=True)
        raise typer.Exit(2)
    if not settings.public_url:
        # A worker writes the service's address into every STAC catalog and href it stores; it cannot guess it.
        typer.echo(
            "Invalid settings: swath worker needs SWATH_PUBLIC_URL, the address clients reach the API at.", err=True
        )
        raise typer.Exit(2)
    names = [name.strip() for name in (queues or "").split(",") if name.strip()]
    try:
        served = served_queues(settings, names)
    except ValueError as error:
        typer.echo(f"Invalid settings: {error}", err=True)
        raise typer.Exit(2) from error
    _check_container_runtime(settings)
    run_worker(settings, served, concurrency or settings.workers)


def _auth_mode(settings: Settings) -> str:
    if not settings.is_auth_on:
        return "off (loopback only; every request acts as the local admin)"
    sources = ["Swath API tokens (swath token create)"]
    if settings.auth_oidc_issuer:
        sources.append(f"OIDC access tokens of {settings.auth_oidc_issuer}")
    return "on: bearer tokens required; accepted: " + ", ".join(sources)


def _check_container_runtime(settings: Settings) -> None:
    """Refuse to start (exit 2, the reason on one line) when the configured container engine cannot run a container;
    otherwise say which way tools run."""
    from swath.services.containers import ContainerRuntimeUnusable, choose_container_runtime

    try:
        runtime = choose_container_runtime(settings.container_runtime)
    except ContainerRuntimeUnusable as error:
        typer.echo(f"Cannot start: {error}.", err=True)
        raise typer.Exit(2) from error
    host = "allowed" if settings.host_tools_allowed else "not allowed (SWATH_ALLOW_HOST_TOOLS)"
    typer.echo(f"Containers: {runtime.detail} Tools on the host: {host}.")
