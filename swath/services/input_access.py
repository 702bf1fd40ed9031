"""What a job may read: an input href is checked against who submits it, before the job is accepted.

Links to this service's own outputs (`<public_url>/jobs/<id>/outputs/...`) and uploads (`<public_url>/files/...`)
are read from storage by the runner, not fetched; so they are allowed only when the submitter may see that job
or upload, else a user could copy another's outputs into a job of their own. Every other http(s) href must lead
to an allowed address (services/network.py); the runner checks again when it connects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from swath.errors import InvalidInput
from swath.services.context import ServiceContext
from swath.services.identity import Identity
from swath.services.network import check_url, parse_networks
from swath.store import jobs as job_store
from swath.store.database import reading
from swath.store.uploads import upload_owner


def check_input_access(context: ServiceContext, inputs: dict[str, Any], submitter: Identity) -> None:
    public = context.settings.resolved_public_url + "/"
    allowed = parse_networks(context.settings.allowed_networks)
    for input_id, href in _hrefs(inputs):
        if href.startswith(public):
            _check_own_href(context, input_id, href.removeprefix(public), submitter)
        elif href.startswith(("http://", "https://")):
            check_url(href, allowed)


def _check_own_href(context: ServiceContext, input_id: str, rest: str, submitter: Identity) -> None:
    kind, _, remainder = rest.partition("/")
    record_id = remainder.partition("/")[0]
    with reading(context.sessions) as session:
        if kind == "jobs":
            job = job_store.get_job(session, record_id)
            owner = job.created_by if job else None
        elif kind == "files":
            owner = upload_owner(session, record_id)
        else:
            return
    if owner is None or not submitter.may_see(owner):
        noun = "job" if kind == "jobs" else "uploaded file"
        raise InvalidInput(f"Input '{input_id}' refers to {noun} '{record_id}', which does not exist.")


def _hrefs(value: Any, input_id: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        if isinstance(value.get("href"), str):
            yield input_id, value["href"]
        for key, item in value.items():
            yield from _hrefs(item, input_id or str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _hrefs(item, input_id)
