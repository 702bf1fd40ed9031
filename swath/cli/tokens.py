"""`swath token create|list|revoke`: Swath's own API tokens, managed on the server's machine.

These commands open the service's database directly (the same SWATH_* settings as `swath serve`), because the
first admin token cannot come from an API that needs one. A new token is printed once and never again.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from swath.cli.common import USAGE_ERROR, fail, print_json, server_settings
from swath.errors import SwathError
from swath.services import tokens
from swath.store.database import create_database_engine, create_session_factory, migrate

app = typer.Typer(help="Swath API tokens: create, list and revoke them (run where the server's database is).")


def _sessions() -> sessionmaker[Session]:
    settings = server_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_database_engine(settings.resolved_database_url)
    migrate(engine)
    return create_session_factory(engine)


@app.command()
def create(
    user: Annotated[str, typer.Option(help="Who the token speaks for (jobs and uploads belong to this name).")],
    role: Annotated[str, typer.Option(help="user, deployer or admin.")] = "user",
    expires: Annotated[
        str | None, typer.Option(help="Lifetime, e.g. 90m, 12h, 30d, 8w (default: until revoked).")
    ] = None,
    description: Annotated[str, typer.Option(help="A note shown in `swath token list`.")] = "",
) -> None:
    """Make a token and print it. It is shown this once: only its digest is kept."""
    try:
        lifetime = tokens.parse_lifetime(expires) if expires else None
        made = tokens.create_token(_sessions(), user, role, lifetime, description)
    except SwathError as error:
        fail(error.detail, USAGE_ERROR)
    until = made.record.expires.isoformat() if made.record.expires else "until revoked"
    typer.echo(f"Token {made.record.id} for {user} (role {role}, valid {until}):", err=True)
    typer.echo(made.token)


@app.command("list")
def list_(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """The tokens: id, user, role, when made, when they expire, whether revoked (never the tokens themselves)."""
    found = tokens.list_tokens(_sessions(), user)
    if as_json:
        print_json([record.__dict__ for record in found])
        return
    for record in found:
        state = f"revoked {record.revoked:%Y-%m-%d}" if record.revoked else "live"
        expires = f"{record.expires:%Y-%m-%d %H:%M}" if record.expires else "never"
        typer.echo(f"{record.id}  {record.user}  {record.role}  expires {expires}  {state}  {record.description}")


@app.command()
def revoke(token_id: Annotated[str, typer.Argument(help="The token's id, as `swath token list` shows it.")]) -> None:
    """Revoke a token; servers stop accepting it within SWATH_AUTH_CACHE_SECONDS."""
    try:
        tokens.revoke_token(_sessions(), token_id)
    except SwathError as error:
        fail(error.detail, USAGE_ERROR)
    typer.echo(f"Revoked token {token_id}.")
