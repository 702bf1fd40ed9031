"""The `Prefer` request header (RFC 7240): the preferences OGC API - Processes gives a meaning to."""

from __future__ import annotations

from dataclasses import dataclass

from swath.ogc import HELD_STATUS, Preference


@dataclass(frozen=True)
class Preferences:
    respond_async: bool = False
    wait: float | None = None  # `wait=N`: how long a synchronous answer may take
    held: bool = False  # Part 4 `status="created"`: a job that waits to be started
    # Swath's `swath-reuse` (or `=true`) asks for result reuse, `swath-reuse=false` refuses it; None says nothing.
    reuse: bool | None = None

    @classmethod
    def parse(cls, header: str | None) -> Preferences:
        respond_async, wait, held, reuse = False, None, False, None
        for token in (header or "").split(","):
            name, _, value = token.split(";")[0].strip().partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == Preference.respond_async:
                respond_async = True
            elif name == Preference.wait and value.isdigit():
                wait = float(value)
            elif name == Preference.status and value == HELD_STATUS:
                held = True
            elif name == Preference.swath_reuse:
                reuse = value.lower() != "false"
        return cls(respond_async, wait, held, reuse)


# The `Preference-Applied` value for a job held `created`.
HELD_APPLIED = f'{Preference.status}="{HELD_STATUS}"'
