"""Where a notebook application comes from: a file, a folder, a clone; and what is refused, in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from swath.appbuild.sources import is_git_url, opened_source
from swath.errors import ApplicationBuildFailed


def refusal(reference: str, notebook: str | None = None) -> str:
    with pytest.raises(ApplicationBuildFailed) as refused, opened_source(reference, notebook):
        pass
    return str(refused.value)


def test_urls_and_scp_addresses_are_git_and_an_existing_path_is_not(tmp_path: Path) -> None:
    assert is_git_url("https://example.org/a.git") and is_git_url("git@example.org:team/a.git")
    assert is_git_url("file:///srv/repo")
    assert not is_git_url(str(tmp_path)) and not is_git_url("notebooks/a.ipynb")


def test_a_clone_that_fails_names_the_url_and_gits_reason(tmp_path: Path) -> None:
    message = refusal((tmp_path / "missing").as_uri())
    assert message.startswith(f"git could not clone {(tmp_path / 'missing').as_uri()}: ")
    assert "does not appear to be a git repository" in message


def test_a_folder_without_a_notebook_and_a_choice_outside_it_are_refused(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    assert refusal(str(tmp_path / "repo")) == "The repository repo holds no notebook (.ipynb)."
    (tmp_path / "outside.ipynb").write_text("{}")
    assert "lies outside the repository" in refusal(str(tmp_path / "repo"), "../outside.ipynb")
    assert refusal(str(tmp_path / "repo"), "none.ipynb") == "The repository has no notebook none.ipynb."


def test_checkpoints_are_not_notebooks_of_the_repository(tmp_path: Path) -> None:
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{}")
    (tmp_path / "a.ipynb").write_text("{}")
    with opened_source(str(tmp_path)) as source:
        assert source.notebook == tmp_path / "a.ipynb"
        assert (source.repository, source.commit) == (tmp_path, None)


def test_a_file_that_is_not_a_notebook_and_a_path_that_is_nothing_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("")
    expected = f"{tmp_path / 'a.py'} is not a notebook; give an .ipynb file or a repository."
    assert refusal(str(tmp_path / "a.py")) == expected
    assert "is neither a notebook, a folder nor a git URL" in refusal(str(tmp_path / "nothing"))
