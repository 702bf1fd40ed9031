"""The parameters cell read with `ast`: types from values and comments, and a clear refusal of what has none."""

from __future__ import annotations

import pytest

from swath.appbuild.parameters import NotebookParameter, ParameterKind, find_parameters_cell, read_parameters
from swath.errors import ApplicationBuildFailed


def typed(source: str) -> dict[str, tuple[ParameterKind, str | None]]:
    return {parameter.name: (parameter.kind, parameter.cwl_type) for parameter in read_parameters(source)}


def refusal(source: str) -> str:
    with pytest.raises(ApplicationBuildFailed) as refused:
        read_parameters(source, "nb.ipynb")
    return str(refused.value)


def test_values_give_their_types_bool_before_int_and_mixed_numbers_as_floats() -> None:
    source = 'n = 3\nratio = 0.5\nverbose = False\nlabel = "x"\nsizes = [1, 2]\nweights = [1, 2.5]\nnames = ["a"]'
    assert typed(source) == {
        "n": (ParameterKind.value, "int"),
        "ratio": (ParameterKind.value, "float"),
        "verbose": (ParameterKind.value, "boolean"),
        "label": (ParameterKind.value, "string"),
        "sizes": (ParameterKind.value, "int[]"),
        "weights": (ParameterKind.value, "float[]"),
        "names": (ParameterKind.value, "string[]"),
    }


def test_type_comments_name_files_folders_stac_catalogs_and_the_output_folder() -> None:
    source = (
        'image = "a.tif"  # type: File The scene\n'
        'folder = "data"  # type: Directory\n'
        'catalog = "in/catalog.json"  # type: stac\n'
        'staged = "in.json"  # type: stage-in\n'
        'out = "results"  # type: stage-out\n'
    )
    assert typed(source) == {
        "image": (ParameterKind.file, "File"),
        "folder": (ParameterKind.directory, "Directory"),
        "catalog": (ParameterKind.stac, "Directory"),
        "staged": (ParameterKind.stac, "Directory"),
        "out": (ParameterKind.output, None),
    }
    assert read_parameters(source)[0].doc == "The scene"


def test_a_none_default_takes_its_type_from_the_comment_and_becomes_optional() -> None:
    [parameter] = read_parameters("threshold = None  # type: float")
    assert parameter == NotebookParameter("threshold", ParameterKind.value, "float?", None, None, 1)


def test_annotations_type_as_comments_do_and_an_int_default_may_be_a_float() -> None:
    assert typed("scale: float = 2\ncount: int = 1\nlevels: list[int] = [1]") == {
        "scale": (ParameterKind.value, "float"),
        "count": (ParameterKind.value, "int"),
        "levels": (ParameterKind.value, "int[]"),
    }


def test_imports_and_comments_are_allowed_and_a_plain_comment_describes_the_parameter() -> None:
    [parameter] = read_parameters("import os\n# defaults\nyear = 2024  # The year to process\n")
    assert (parameter.name, parameter.doc, parameter.default) == ("year", "The year to process", 2024)


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    [parameter] = read_parameters('colour = "#ff0000"')
    assert (parameter.default, parameter.doc) == ("#ff0000", None)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("n = 2\nm = n * 2", "nb.ipynb, line 2: the value of 'm' (`n * 2`) is not a literal"),
        ("x = None", "the type of 'x' cannot be read from its default None; add a type comment, e.g. `# type: str`"),
        ("x = []", "the type of 'x' cannot be read from its default []; add a type comment"),
        ("x = [1, 'a']", "the list 'x' mixes int, string; a list parameter holds items of one type"),
        ("x = {'a': 1}", "the type of 'x' cannot be read from its default {'a': 1}; allowed: int, float"),
        ('x = "a"  # type: int', "'x' is declared int but its default 'a' is not one"),
        ("x = 1  # type: raster", "'x' has the unknown type 'raster'; allowed: int, float, bool, str"),
        ("x = 1  # type:", "the type comment of 'x' (# type:) names no type"),
        ("x = 3  # type: File", "'x' is declared file but its default 3 is not a path"),
        ("a, b = 1, 2", "`(a, b)` is not a plain name; assign each parameter to one name"),
        ("print('hi')", "line 1: `print('hi')` is not a parameter"),
        ("x = = 1", "nb.ipynb, line 1: not valid Python"),
        ("import os", "nb.ipynb assigns no parameter"),
        ('a = "o"  # type: output\nb = "p"  # type: stage-out', "marks 2 output folders (a, b); mark one"),
    ],
)
def test_a_cell_the_package_cannot_type_is_refused_with_what_to_change(source: str, message: str) -> None:
    assert message in refusal(source)


def notebook(*cells: dict[str, object]) -> dict[str, object]:
    return {"nbformat": 4, "cells": list(cells)}


def code(source: str, *tags: str) -> dict[str, object]:
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)}}


def test_the_cell_tagged_parameters_is_found_and_its_source_joined() -> None:
    found = notebook(code("x = 0"), {**code("", "parameters"), "source": ["a = 1\n", "b = 2"]})
    assert find_parameters_cell(found, "nb.ipynb") == "a = 1\nb = 2"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([code("x = 1")], "nb.ipynb has no cell tagged 'parameters'; tag the code cell"),
        ([code("x = 1", "parameters"), code("y = 2", "parameters")], "2 cells tagged 'parameters' (cells 1, 2)"),
        ([{"cell_type": "markdown", "source": "", "metadata": {"tags": ["parameters"]}}], "cell 1 is tagged"),
    ],
)
def test_a_notebook_without_exactly_one_parameters_code_cell_is_refused(
    cells: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ApplicationBuildFailed) as refused:
        find_parameters_cell(notebook(*cells), "nb.ipynb")
    assert message in str(refused.value)
