"""A shared directory as storage: what one process writes, another (the API, another node) reads whole."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from swath.errors import NoSuchFile
from swath.layout import job_log_key, output_key
from swath.settings import Settings
from swath.storage import LocalStorage, open_storage


def shared(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "api", storage=(tmp_path / "shared").as_uri(), public_url="https://swath.example/api"
    )


def test_a_file_url_opens_a_directory_storage_at_that_directory(tmp_path: Path) -> None:
    storage = open_storage(shared(tmp_path))
    assert isinstance(storage, LocalStorage)
    source = tmp_path / "result.txt"
    source.write_text("hello")
    stored = storage.put_file(output_key("job-1", "out/result.txt"), source)
    assert (tmp_path / "shared" / "jobs" / "job-1" / "out" / "result.txt").read_text() == "hello"
    assert stored.size == 5


def test_hrefs_of_outputs_are_absolute_urls_of_the_api(tmp_path: Path) -> None:
    storage = open_storage(shared(tmp_path))
    href = storage.href(output_key("job-1", "out/a b.txt"))
    assert href == "https://swath.example/api/jobs/job-1/outputs/out/a b.txt"


def test_a_stored_file_leaves_no_partial_file_beside_it(tmp_path: Path) -> None:
    storage = open_storage(shared(tmp_path))
    source = tmp_path / "log"
    source.write_bytes(b"line\n" * 1000)
    storage.put_file(job_log_key("job-1"), source)
    storage.put_bytes(output_key("job-1", "catalog.json"), b"{}", "application/json")
    names = sorted(path.name for path in (tmp_path / "shared").rglob("*") if path.is_file())
    assert names == ["catalog.json", "job-1.log"]


def _rewrite(root: str, rounds: int) -> None:
    storage = LocalStorage(Path(root), "http://127.0.0.1")
    source = Path(root) / ".." / f"source-{multiprocessing.current_process().pid}"
    for round_number in range(rounds):
        source.write_bytes(bytes([65 + round_number % 26]) * 200_000)
        storage.put_file(job_log_key("job-1"), source)


def test_a_reader_never_sees_a_file_half_rewritten_by_another_process(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    writer = multiprocessing.get_context("spawn").Process(target=_rewrite, args=(str(root), 300))
    writer.start()
    reader = LocalStorage(root, "http://127.0.0.1")
    seen = 0
    try:
        while writer.is_alive() or seen == 0:
            try:
                data = reader.read_from(job_log_key("job-1"), 0)
            except NoSuchFile:
                continue
            seen += 1
            assert len(data) == 200_000 and len(set(data)) == 1
    finally:
        writer.join()
    assert writer.exitcode == 0
    assert seen > 1


def test_keys_outside_the_shared_directory_are_refused(tmp_path: Path) -> None:
    storage = open_storage(shared(tmp_path))
    with pytest.raises(NoSuchFile, match="lies outside the job's outputs"):
        storage.local_path("../api/swath.db")


def test_removing_a_key_deletes_its_file_or_folder_and_nothing_beside_it(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "root", "http://swath.example")
    source = tmp_path / "a.txt"
    source.write_text("a")
    for key in ("jobs/j1/out/a.txt", "jobs/j10/out/a.txt", "logs/j1.log"):
        store.put_file(key, source)
    store.remove("jobs/j1")
    store.remove("logs/j1.log")
    store.remove("logs/absent.log")
    assert sorted(str(path.relative_to(tmp_path / "root")) for path in (tmp_path / "root").rglob("*.*")) == [
        "jobs/j10/out/a.txt"
    ]
