"""The one check of data-derived names (swath.paths) and of stage-out keys (swath.layout.is_job_key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from swath.layout import is_job_key
from swath.paths import UnsafePath, confined, safe_name, safe_relative_path, without_data_dir


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "a\x00b", "a\nb", "x" * 256, "é" * 128])
def test_a_name_that_is_not_one_file_name_is_refused(name: str) -> None:
    with pytest.raises(UnsafePath):
        safe_name(name)


@pytest.mark.parametrize("name", ["catalog.json", "..hidden", "a..b", "日本.txt", "x" * 255])
def test_a_file_name_is_kept_as_it_is(name: str) -> None:
    assert safe_name(name) == name


def test_a_relative_path_drops_doubled_slashes_and_refuses_climbing_out() -> None:
    assert safe_relative_path("a//b/") == "a/b"
    for path in ("/etc/passwd", "a/../../b", "", "a/./b"):
        with pytest.raises(UnsafePath):
            safe_relative_path(path)


def test_a_link_out_of_its_root_is_not_confined(tmp_path: Path) -> None:
    root = tmp_path / "job"
    root.mkdir()
    (root / "made.txt").write_text("x")
    (root / "inside").symlink_to(root / "made.txt")
    (root / "outside").symlink_to(tmp_path)

    assert confined(root / "inside", root) == (root / "made.txt").resolve()
    with pytest.raises(UnsafePath, match="is a link to a file outside the job's directory"):
        confined(root / "outside", root)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("jobs/a/out/file.txt", True),
        ("jobs/a/catalog.json", True),
        ("jobs/b/catalog.json", False),
        ("jobs/a/../b/catalog.json", False),
        ("jobs/a//x", False),
        ("jobs/a/", False),
        ("uploads/x/y", False),
        ("jobs/a/x\x00y", False),
    ],
)
def test_stage_out_writes_only_keys_under_its_own_job(key: str, expected: bool) -> None:
    assert is_job_key(key, "a") is expected


def test_the_data_directory_is_left_out_of_text_shown_to_users(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shown = without_data_dir(f"cannot open {data_dir.resolve()}/work/j/1/x.txt", data_dir)
    assert shown == "cannot open <data>/work/j/1/x.txt"
