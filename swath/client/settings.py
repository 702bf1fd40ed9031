"""Where the client finds the server: `SWATH_URL` and `SWATH_TOKEN`, read in this one place.

Kept apart from the server's `swath.settings.Settings` so that a notebook needs none of the server's options,
and the client reads only the variables it uses: those two, and where the user's config directory is
(`SWATH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/swath`, else `~/.config/swath`), where `swath login` keeps tokens.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_URL = "http://127.0.0.1:8000"


class ClientSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWATH_", extra="ignore")

    url: str = DEFAULT_URL
    token: str | None = None
    config_dir: Path | None = None
    xdg_config_home: Path | None = Field(default=None, validation_alias=AliasChoices("XDG_CONFIG_HOME"))

    @property
    def resolved_config_dir(self) -> Path:
        if self.config_dir is not None:
            return self.config_dir
        return (self.xdg_config_home or Path.home() / ".config") / "swath"
