"""What every client command shares: the server options, the exit codes, and one-line error reports.

Exit codes: 0 success; 1 the job failed or was dismissed (also when its results are asked for); 2 a usage error
(Typer's own code, also for a local file or input that cannot be used); 3 the server could not be reached or
refused the request; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import httpx
import typer
import yaml
from pydantic import ValidationError

from swath.client import APIError, Client, ResultNotAvailable, ServerUnavailable
from swath.settings import Settings

JOB_FAILED = 1
USAGE_ERROR = 2
SERVER_ERROR = 3
# As a shell reports a command stopped by Ctrl-C (128 + SIGINT).
INTERRUPTED = 130

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="The Swath server (env SWATH_URL; default http://127.0.0.1:8000).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]


def fail(message: str, code: int) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def connected(url: str | None) -> Iterator[Client]:
    """A client for the command's server; any error it raises ends the command with one line and its exit code."""
    try:
        with Client(url) as client:
            yield client
    except ServerUnavailable as error:
        fail(str(error), SERVER_ERROR)
    except ResultNotAvailable as error:  # the job failed or was dismissed: the job's outcome, not the server's
        fail(f"{error.title}: {error.detail}", JOB_FAILED)
    except APIError as error:
        fail(f"{error.title}: {error.detail}", SERVER_ERROR)
    except (OSError, ValueError, yaml.YAMLError) as error:
        fail(_first_line(error), USAGE_ERROR)
    except httpx.HTTPError as error:  # an answer the client could not read (a broken connection, bad encoding)
        fail(f"The server's answer could not be read: {_first_line(error)}", SERVER_ERROR)
    except KeyboardInterrupt:
        fail("Interrupted; a job already started keeps running on the server.", INTERRUPTED)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, default=str))


def server_settings(**overrides: Any) -> Settings:
    """The settings from the environment and these options; a usage error (exit 2) that says what is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(_problem(item["loc"], item["msg"]) for item in error.errors())
        typer.echo(f"Invalid settings: {problems}.", err=True)
        raise typer.Exit(2) from error


def _problem(location: tuple[int | str, ...], message: str) -> str:
    # Name a setting as the user sets it: SWATH_PORT, not port.
    message = message.removeprefix("Value error, ")
    return f"SWATH_{str(location[0]).upper()}: {message}" if location else message
