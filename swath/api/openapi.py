"""The API definition served at `/api`, in OpenAPI 3.0 as the OGC `oas30` conformance class requires.

FastAPI writes OpenAPI 3.1; the differences that matter here are few and mechanical: 3.1's `anyOf [X, null]`
is 3.0's `X` with `nullable: true`, and `const` is a one-value `enum`. Request validation errors are answered
with 400 and an OGC exception document (see api/errors.py), not FastAPI's 422, so the definition says that too.

Responses that create a resource carry OpenAPI links to the operations on it (a new job's status, results, logs,
dismissal; a deployed process's description and execution), so that clients and stateful testers can follow them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_EXCEPTION_SCHEMA = {
    "type": "object",
    "description": "OGC exception document (exception.yaml, RFC 7807).",
    "required": ["type"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}
_ERROR_RESPONSE = {
    "description": "An OGC exception document saying what was wrong.",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Exception"}}},
}


# What each creating response makes, found where in its body, and the operations on that, with their path parameter.
_JOB = (
    "$response.body#/jobID",
    "job_id",
    [
        ("/jobs/{job_id}", "get"),
        ("/jobs/{job_id}", "patch"),
        ("/jobs/{job_id}", "delete"),
        ("/jobs/{job_id}/results", "get"),
        ("/jobs/{job_id}/results", "post"),
        ("/jobs/{job_id}/logs", "get"),
        ("/jobs/{job_id}/inputs", "get"),
        ("/jobs/{job_id}/definition", "get"),
        ("/jobs/{job_id}/callbacks", "get"),
    ],
)
_PROCESS = (
    "$response.body#/id",
    "process_id",
    [
        ("/processes/{process_id}", "get"),
        ("/processes/{process_id}", "put"),
        ("/processes/{process_id}", "delete"),
        ("/processes/{process_id}/versions", "get"),
        ("/processes/{process_id}/package", "get"),
        ("/processes/{process_id}/execution", "post"),
    ],
)
_CREATED = {
    ("/processes", "post", "201"): _PROCESS,
    ("/processes/{process_id}/execution", "post", "201"): _JOB,
    ("/jobs", "post", "201"): _JOB,
}


def _add_links(paths: dict[str, Any]) -> None:
    for (path, method, status), (expression, parameter, targets) in _CREATED.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        links = response.setdefault("links", {})
        for target_path, target_method in targets:
            target = paths.get(target_path, {}).get(target_method)
            if target is not None:
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": {f"path.{parameter}": expression},
                }


def _to_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _to_30(value) for key, value in node.items()}
    variants = node.get("anyOf")
    if isinstance(variants, list) and {"type": "null"} in variants:
        rest = [variant for variant in variants if variant != {"type": "null"}]
        del node["anyOf"]
        node.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        node["nullable"] = True
    if "const" in node:
        node["enum"] = [node.pop("const")]
    return node


def openapi_30(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document in 3.0 form, built once."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version="3.0.3",
            description=app.description,
            routes=app.routes,
        )
        document = _to_30(document)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Exception"] = _EXCEPTION_SCHEMA
        for operations in document["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses.setdefault("default", _ERROR_RESPONSE)
        _add_links(document["paths"])
        app.openapi_schema = document
    return app.openapi_schema
