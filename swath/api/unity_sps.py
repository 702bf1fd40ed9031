"""The Unity SPS face: the OGC paths under a venue prefix, in the shapes unity-sds-client reads.

unity-sds-client (0.12.0, through its generated `unity_sps_ogc_processes_api_python_client`) calls
`{unity_href}{project}/{venue}/wps//processes...`: a venue prefix, then a double slash. It sends explicit nulls
and Unity's `$output` placeholders in execute bodies, reads execute's answer as a JSON array of `[key, value]`
pairs (what Unity's own server answers, with `job_id`, `process_id` and `status`), and its pydantic models refuse
`maxOccurs: "unbounded"` and scalar `enum` items or defaults in process descriptions.

This middleware serves that face without a second copy of any route: a request under the prefix
(`Settings.unity_sps_prefix`) has the prefix and doubled slashes taken off its path and reaches the OGC route
itself; its execute body is cleaned first, and the few answers whose shapes differ are rewritten on the way out.
Everything else (errors, isolation, links) is the OGC face's own.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_EXECUTE = re.compile(r"^/processes/[^/]+/execution$")
_DESCRIPTION = re.compile(r"^/processes/[^/]+$")
_SEGMENT = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# Members of an execute body that Unity's generated models send as placeholders: they ask for nothing.
_PLACEHOLDERS = frozenset({"$output"})


def prefix_pattern(template: str) -> re.Pattern[str] | None:
    """The paths a prefix template such as `/{project}/{venue}/wps` covers (each `{name}` one path segment), with
    any run of slashes where the template has one; None for an empty template (the face is off)."""
    parts = [part for part in template.strip("/").split("/") if part]
    if not parts:
        return None
    segments = ["[^/]+".join(re.escape(piece) for piece in _SEGMENT.split(part)) for part in parts]
    return re.compile("^/+" + "/+".join(segments) + "(?=/|$)")


def strip_nulls(value: Any) -> Any:
    """`value` without the members that are null or placeholders, at any depth (list items are kept)."""
    if isinstance(value, dict):
        return {key: strip_nulls(item) for key, item in value.items() if item is not None and key not in _PLACEHOLDERS}
    if isinstance(value, list):
        return [strip_nulls(item) for item in value]
    return value


def clean_execute_body(body: Any) -> Any:
    """An execute body as unity-sds-client sends it, in the OGC form: no nulls, no `$output` placeholders, and no
    output entry that asks for nothing (`{"result": {"$output": null, "format": null}}` is its default; without
    it the job returns every output, as Unity's server does)."""
    cleaned = strip_nulls(body)
    if isinstance(cleaned, dict) and isinstance(cleaned.get("outputs"), dict):
        cleaned["outputs"] = {name: spec for name, spec in cleaned["outputs"].items() if spec != {}}
    return cleaned


def execute_answer(status: dict[str, Any]) -> list[list[Any]]:
    """The answer to an execute on this face: `[key, value]` pairs, as Unity's server sends them."""
    pairs = [["job_id", status.get("jobID")], ["process_id", status.get("processID")], ["status", status.get("status")]]
    pairs.extend([key, value] for key, value in status.items() if key not in {"jobID", "processID", "status"})
    return pairs


def sps_schema(schema: Any) -> Any:
    """A schema of a description in the form the client's models read, at any depth. Those models take only
    objects as `enum` items and as `default` or `example`, so scalar ones are left out of the schema and said in
    its `description` instead ("One of: a, b. Default: a.")."""
    if isinstance(schema, list):
        return [sps_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    adapted = {key: sps_schema(value) for key, value in schema.items()}
    said = []
    enum = adapted.get("enum")
    if isinstance(enum, list) and not all(isinstance(item, dict) for item in enum):
        said.append("One of: " + ", ".join(json.dumps(item) for item in adapted.pop("enum")) + ".")
    for member, label in (("default", "Default"), ("example", "Example")):
        if member in adapted and not isinstance(adapted[member], dict):
            said.append(f"{label}: {json.dumps(adapted.pop(member))}.")
    if said:
        adapted["description"] = " ".join([str(adapted["description"]), *said] if "description" in adapted else said)
    return adapted


def sps_description(description: dict[str, Any]) -> dict[str, Any]:
    """A process description the client's models read: an unbounded `maxOccurs` is left out (the models take
    only integers, and no `maxOccurs` means no upper bound to them), schemas as `sps_schema` makes them."""
    for member in ("inputs", "outputs"):
        entries = description.get(member)
        if not isinstance(entries, dict):
            continue
        for entry in entries.values():
            if isinstance(entry, dict):
                if entry.get("maxOccurs") == "unbounded":
                    del entry["maxOccurs"]
                if "schema" in entry:
                    entry["schema"] = sps_schema(entry["schema"])
    return description


class UnitySpsFace:
    """ASGI middleware serving the OGC routes under the Unity SPS venue prefix (see the module's docstring)."""

    def __init__(self, app: ASGIApp, template: str) -> None:
        self.app = app
        self.pattern = prefix_pattern(template)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = self.pattern.match(scope["path"]) if self.pattern and scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        path = "/" + "/".join(part for part in scope["path"][match.end() :].split("/") if part)
        scope = {**scope, "path": path, "raw_path": path.encode()}
        method = scope["method"]
        if method == "POST" and _EXECUTE.match(path):
            # Unity's SPS runs every job asynchronously, whatever the request prefers.
            headers = [(name, value) for name, value in scope["headers"] if name != b"prefer"]
            scope["headers"] = [*headers, (b"prefer", b"respond-async")]
            receive = await _cleaned_body(receive)
            await self.app(scope, receive, _rewritten(send, _execute_document))
        elif method == "GET" and _DESCRIPTION.match(path):
            await self.app(scope, receive, _rewritten(send, _description_document))
        else:
            await self.app(scope, receive, send)


def _execute_document(status_code: int, document: Any) -> tuple[int, Any]:
    if status_code == 201 and isinstance(document, dict) and "jobID" in document:
        return 200, execute_answer(document)
    return status_code, document


def _description_document(status_code: int, document: Any) -> tuple[int, Any]:
    if status_code == 200 and isinstance(document, dict):
        return status_code, sps_description(document)
    return status_code, document


async def _cleaned_body(receive: Receive) -> Receive:
    """A `receive` that replays the request with its JSON body cleaned (`clean_execute_body`); a body that is
    not JSON goes on as it came, for the route to refuse."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    with contextlib.suppress(ValueError):  # not JSON: the route refuses it as it came
        body = json.dumps(clean_execute_body(json.loads(body))).encode()
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _rewritten(send: Send, rewrite: Any) -> Send:
    """A `send` that passes a JSON answer through `rewrite(status, document)` before it leaves."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def send_rewritten(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        headers = [(name, value) for name, value in start.get("headers", []) if name != b"content-length"]
        body = b"".join(chunks)
        status = start["status"]
        if dict(headers).get(b"content-type", b"").startswith(b"application/json"):
            status, document = rewrite(status, json.loads(body))
            body = json.dumps(document).encode()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return send_rewritten
