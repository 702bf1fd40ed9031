"""The inputs of a notebook application: its cell tagged `parameters`, read with `ast` and never run.

papermill's convention: the first code cell tagged `parameters` holds the defaults, and papermill injects a cell
after it that assigns the values of a run. Each assignment of a literal is one input, typed from its value (int,
float, bool, str, a list of one of those) or from an optional comment after it, as Unity's app-pack-generator reads
them: `# type: File`, `Directory`, `stac` (a Directory holding a STAC catalog, also `stage-in`), `output` (the folder
the notebook writes its products to, also `stage-out`; not an input, the job sets it). Text after the type, or a
comment without one, is the input's description. An annotation (`count: int = 3`) types it as a comment does.

Imports and bare comments are allowed in the cell; any other statement, or a value that is not a literal, is
refused with its line, since the package could not give it a type or a default.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from swath.errors import ApplicationBuildFailed

__all__ = ["NotebookParameter", "ParameterKind", "find_parameters_cell", "read_parameters"]

PARAMETERS_TAG = "parameters"


class ParameterKind(StrEnum):
    """What the job gives the notebook for a parameter: a value, a local path, or the output folder."""

    value = "value"
    file = "File"
    directory = "Directory"
    # A Directory holding a STAC catalog; the notebook gets the path of its catalog.json.
    stac = "stac"
    output = "output"


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter of the cell; `cwl_type` is its CWL type (None for the output folder)."""

    name: str
    kind: ParameterKind
    cwl_type: str | None
    default: Any
    doc: str | None
    line: int

    @property
    def is_input(self) -> bool:
        return self.kind is not ParameterKind.output


_SCALARS: dict[str, str] = {
    "int": "int",
    "integer": "int",
    "float": "float",
    "double": "float",
    "number": "float",
    "bool": "boolean",
    "boolean": "boolean",
    "str": "string",
    "string": "string",
}
_PATHS: dict[str, ParameterKind] = {
    "file": ParameterKind.file,
    "directory": ParameterKind.directory,
    "dir": ParameterKind.directory,
    "stac": ParameterKind.stac,
    "stac-catalog": ParameterKind.stac,
    "stage-in": ParameterKind.stac,
    "output": ParameterKind.output,
    "stage-out": ParameterKind.output,
}
_ALLOWED = "int, float, bool, str, a list of one of those (list[int], str[]), File, Directory, stac, output"
_TYPE_COMMENT = re.compile(r"^#\s*type:\s*(?P<type>stac catalog|[A-Za-z_-]+(?:\[[A-Za-z]+\]|\[\])?)\s*(?P<doc>.*)$")
_LIST_TYPE = re.compile(r"^(?:list\[(?P<inner>[a-z]+)\]|(?P<item>[a-z]+)\[\])$")


def find_parameters_cell(notebook: dict[str, Any], where: str) -> str:
    """The source of the one code cell tagged `parameters`."""
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ApplicationBuildFailed(f"{where} is not a Jupyter notebook: it has no list of cells.")
    tagged = [
        (number, cell)
        for number, cell in enumerate(cells, start=1)
        if isinstance(cell, dict) and PARAMETERS_TAG in (cell.get("metadata") or {}).get("tags", [])
    ]
    if not tagged:
        raise ApplicationBuildFailed(
            f"{where} has no cell tagged 'parameters'; tag the code cell that assigns the inputs' defaults "
            "(papermill's convention), e.g. in JupyterLab's property inspector."
        )
    if len(tagged) > 1:
        numbers = ", ".join(str(number) for number, _ in tagged)
        raise ApplicationBuildFailed(
            f"{where} has {len(tagged)} cells tagged 'parameters' (cells {numbers}); tag only one."
        )
    number, cell = tagged[0]
    if cell.get("cell_type") != "code":
        raise ApplicationBuildFailed(f"{where}: cell {number} is tagged 'parameters' but is not a code cell.")
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_parameters(source: str, where: str = "the parameters cell") -> list[NotebookParameter]:
    """Every parameter of the cell, in order; ApplicationBuildFailed names the first problem and its line."""
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        raise ApplicationBuildFailed(f"{where}, line {error.lineno}: not valid Python ({error.msg}).") from error
    comments = _comments(source)
    parameters: list[NotebookParameter] = []
    for statement in module.body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            continue
        name, value, annotation = _assignment(statement, where)
        comment_type, doc = _comment(comments.get(statement.end_lineno or statement.lineno, ""), name, where)
        declared = comment_type or (_annotation_type(annotation) if annotation is not None else None)
        parameters.append(_parameter(name, value, declared, doc, statement.lineno, where))
    if not parameters:
        raise ApplicationBuildFailed(
            f"{where} assigns no parameter; give each input a default there, e.g. `count = 3`."
        )
    outputs = [parameter.name for parameter in parameters if parameter.kind is ParameterKind.output]
    if len(outputs) > 1:
        raise ApplicationBuildFailed(f"{where} marks {len(outputs)} output folders ({', '.join(outputs)}); mark one.")
    return parameters


def _comments(source: str) -> dict[int, str]:
    """The comment ending each line, by line number (tokenize, so a '#' inside a string is not one)."""
    found: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = token.string
    return found


def _assignment(statement: ast.stmt, where: str) -> tuple[str, ast.expr, ast.expr | None]:
    line = statement.lineno
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value, annotation = statement.targets[0], statement.value, None
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value, annotation = statement.target, statement.value, statement.annotation
    else:
        raise ApplicationBuildFailed(
            f"{where}, line {line}: `{ast.unparse(statement).splitlines()[0]}` is not a parameter; the cell may only "
            "assign one literal to one name per line (and import)."
        )
    if not isinstance(target, ast.Name):
        raise ApplicationBuildFailed(
            f"{where}, line {line}: `{ast.unparse(target)}` is not a plain name; assign each parameter to one name."
        )
    return target.id, value, annotation


def _comment(comment: str, name: str, where: str) -> tuple[str | None, str | None]:
    """The type a `# type: X` comment declares (None: none), and the description the comment gives."""
    text = comment.strip()
    if not text:
        return None, None
    declared = _TYPE_COMMENT.match(text)
    if declared is None:
        if re.match(r"^#\s*type:", text):
            raise ApplicationBuildFailed(
                f"{where}: the type comment of '{name}' ({text}) names no type; allowed: {_ALLOWED}."
            )
        return None, text.lstrip("#").strip() or None
    return declared["type"].lower().replace(" ", "-"), declared["doc"].strip() or None


def _annotation_type(annotation: ast.expr) -> str:
    text = ast.unparse(annotation).replace(" ", "").lower()
    return "file" if text in ("path", "pathlib.path") else text


def _parameter(
    name: str, value: ast.expr, declared: str | None, doc: str | None, line: int, where: str
) -> NotebookParameter:
    try:
        default = ast.literal_eval(value)
    except ValueError as error:
        raise ApplicationBuildFailed(
            f"{where}, line {line}: the value of '{name}' (`{ast.unparse(value)}`) is not a literal; a parameter's "
            "default must be a number, string, bool, None or a list of those."
        ) from error
    if declared is None:
        return NotebookParameter(
            name, ParameterKind.value, _inferred_type(name, default, line, where), default, doc, line
        )
    if declared in _PATHS:
        kind = _PATHS[declared]
        if default is not None and not isinstance(default, str):
            raise ApplicationBuildFailed(
                f"{where}, line {line}: '{name}' is declared {declared} but its default {default!r} is not a path."
            )
        cwl_type = None if kind is ParameterKind.output else ("File" if kind is ParameterKind.file else "Directory")
        return NotebookParameter(name, kind, cwl_type, default, doc, line)
    cwl_type = _declared_type(declared, name, line, where)
    if default is not None and _inferred_type(name, default, line, where, cwl_type) != cwl_type:
        raise ApplicationBuildFailed(
            f"{where}, line {line}: '{name}' is declared {declared} but its default {default!r} is not one."
        )
    return NotebookParameter(name, ParameterKind.value, cwl_type if default is not None else cwl_type + "?", default,
                             doc, line)  # fmt: skip


def _declared_type(declared: str, name: str, line: int, where: str) -> str:
    if declared in _SCALARS:
        return _SCALARS[declared]
    listed = _LIST_TYPE.match(declared)
    item = (listed["inner"] or listed["item"]) if listed else None
    if item in _SCALARS:
        return _SCALARS[item] + "[]"
    raise ApplicationBuildFailed(
        f"{where}, line {line}: '{name}' has the unknown type '{declared}'; allowed: {_ALLOWED}."
    )


def _inferred_type(name: str, default: Any, line: int, where: str, declared: str | None = None) -> str:
    """The CWL type of a default: bool before int (True is an int in Python), an int where a float is declared
    counts as a float, and a list's items share one type."""
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int) and declared == "float":
        return "float"
    for python_type, cwl_type in ((int, "int"), (float, "float"), (str, "string")):
        if isinstance(default, python_type):
            return cwl_type
    if isinstance(default, list) and default:
        item_declared = declared[:-2] if declared and declared.endswith("[]") else None
        items = {_inferred_type(name, item, line, where, item_declared) for item in default}
        if items <= {"int", "float"} and len(items) == 2:
            items = {"float"}
        if len(items) == 1 and not next(iter(items)).endswith("[]"):
            return next(iter(items)) + "[]"
        raise ApplicationBuildFailed(
            f"{where}, line {line}: the list '{name}' mixes {', '.join(sorted(items))}; a list parameter holds "
            "items of one type (int, float, bool or str)."
        )
    hint = "add a type comment, e.g. `# type: str`" if default is None or default == [] else f"allowed: {_ALLOWED}"
    raise ApplicationBuildFailed(
        f"{where}, line {line}: the type of '{name}' cannot be read from its default {default!r}; {hint}."
    )
