"""Where the client finds the server: `SWATH_URL` and `SWATH_TOKEN`, read in this one place.

Kept apart from the server's `swath.settings.Settings` so that a notebook needs none of the server's options,
and the client reads only the two variables it uses.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_URL = "http://127.0.0.1:8000"


class ClientSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWATH_", extra="ignore")

    url: str = DEFAULT_URL
    token: str | None = None
