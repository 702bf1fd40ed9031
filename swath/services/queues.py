"""Which queue class a job goes to, from what it needs: its CWL ResourceRequirement or an execute-time request.

A job needs what its most demanding tool asks for (CWL `coresMin`, `ramMin` in MiB, `outdirMin` + `tmpdirMin` in
MiB); steps of a workflow run one after another on one worker, so the largest step decides. An execute request may
name its own needs, which replace the package's. The first configured class that offers enough takes the job, so
classes are listed from the smallest to the largest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from swath.errors import InvalidInput
from swath.settings import QueueClass
from swath.store.records import JSON


@dataclass(frozen=True)
class ResourceNeeds:
    cores: float | None = None
    ram_mb: float | None = None
    disk_mb: float | None = None

    def __str__(self) -> str:
        parts = [
            f"{value:g} {unit}"
            for value, unit in ((self.cores, "cores"), (self.ram_mb, "MB of RAM"), (self.disk_mb, "MB of disk"))
            if value is not None
        ]
        return ", ".join(parts) or "nothing in particular"


# The execute request's names for each need: CWL's own words.
_REQUEST_FIELDS = {"coresMin": "cores", "ramMin": "ram_mb", "outdirMin": "disk_mb"}


def package_needs(cwl: JSON | None) -> ResourceNeeds:
    """The largest numeric ResourceRequirement anywhere in the document (requirements or hints)."""
    needs = ResourceNeeds()
    for requirement in _resource_requirements(cwl):
        cores = _number(requirement.get("coresMin"))
        ram = _number(requirement.get("ramMin"))
        disk = _sum(_number(requirement.get("outdirMin")), _number(requirement.get("tmpdirMin")))
        needs = ResourceNeeds(_max(needs.cores, cores), _max(needs.ram_mb, ram), _max(needs.disk_mb, disk))
    return needs


def requested_needs(package: ResourceNeeds, request: JSON | None) -> ResourceNeeds:
    """The package's needs with the ones an execute request names (`{"coresMin": 4, "ramMin": 8192}`) replaced."""
    if request is None:
        return package
    unknown = sorted(set(request) - set(_REQUEST_FIELDS))
    if unknown:
        raise InvalidInput(f"Resource request '{unknown[0]}' is unknown; allowed: coresMin, ramMin, outdirMin.")
    changes: dict[str, float] = {}
    for name, field_name in _REQUEST_FIELDS.items():
        if name in request:
            value = _number(request[name])
            if value is None or value <= 0:
                raise InvalidInput(f"Resource request {name} must be a positive number, not {request[name]!r}.")
            changes[field_name] = value
    return replace(package, **changes)


def select_queue(classes: list[QueueClass], needs: ResourceNeeds) -> str:
    """The name of the first class that offers every need; InvalidInput naming the classes when none does."""
    for queue in classes:
        if (
            _fits(queue.cores, needs.cores)
            and _fits(queue.ram_mb, needs.ram_mb)
            and _fits(queue.disk_mb, needs.disk_mb)
        ):
            return queue.name
    offered = "; ".join(_describe(queue) for queue in classes)
    raise InvalidInput(f"The job needs {needs}, which no queue class offers ({offered}).")


def _describe(queue: QueueClass) -> str:
    limits = [
        f"{value} {unit}"
        for value, unit in ((queue.cores, "cores"), (queue.ram_mb, "MB RAM"), (queue.disk_mb, "MB disk"))
        if value is not None
    ]
    return f"{queue.name}: " + (", ".join(limits) if limits else "no limits")


def _fits(limit: int | None, need: float | None) -> bool:
    return limit is None or need is None or need <= limit


def _resource_requirements(node: Any) -> Iterator[JSON]:
    if isinstance(node, list):
        for item in node:
            yield from _resource_requirements(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("requirements", "hints"):
                yield from _requirements_in(value)
            yield from _resource_requirements(value)


def _requirements_in(value: Any) -> Iterator[JSON]:
    # CWL allows a list of {class: ...} or a mapping keyed by class.
    if isinstance(value, dict) and isinstance(value.get("ResourceRequirement"), dict):
        yield value["ResourceRequirement"]
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict) and item.get("class") == "ResourceRequirement")


def _number(value: Any) -> float | None:
    # Expressions ("$(inputs.n)") are only known at run time; they do not pick a queue.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _max(first: float | None, second: float | None) -> float | None:
    return second if first is None else first if second is None else max(first, second)


def _sum(first: float | None, second: float | None) -> float | None:
    return second if first is None else first if second is None else first + second
