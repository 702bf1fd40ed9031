"""S3 storage against a real S3 server (moto): round trips, and botocore errors translated where boto3 is called."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx
import pytest

from swath.errors import NoSuchFile, StorageUnavailable
from swath.settings import Settings
from swath.storage.s3 import S3Storage
from tests.cluster.conftest import BUCKET, S3Server
from tests.conftest import REPO, free_port, make_server
from tests.e2e.helpers import submit, wait_for_status


def storage(tmp_path: Path, endpoint: str, bucket: str = BUCKET, **settings: object) -> S3Storage:
    return S3Storage(
        Settings(
            data_dir=tmp_path,
            storage=f"s3://{bucket}/unit-{uuid.uuid4().hex[:8]}",
            s3_endpoint_url=endpoint,
            s3_access_key_id="test",
            s3_secret_access_key="test",
            public_url="http://swath.example",
            **settings,
        )
    )


def test_a_stored_file_comes_back_with_its_size_checksum_and_api_href(tmp_path: Path, s3_server: S3Server) -> None:
    source = tmp_path / "band.tif"
    source.write_bytes(b"pixels")
    store = storage(tmp_path, s3_server.endpoint)
    stored = store.put_file("jobs/j1/out/band.tif", source)
    assert stored.href == "http://swath.example/jobs/j1/outputs/out/band.tif"
    assert (stored.size, stored.media_type) == (6, "image/tiff")
    assert stored.checksum == "sha256:" + hashlib.sha256(b"pixels").hexdigest()
    assert store.local_path("jobs/j1/out/band.tif").read_bytes() == b"pixels"
    assert store.download_url("jobs/j1/out/band.tif") is None


def test_a_rewritten_object_is_read_afresh_from_an_offset(tmp_path: Path, s3_server: S3Server) -> None:
    store = storage(tmp_path, s3_server.endpoint)
    store.put_bytes("logs/j1.log", b"first\n", "text/plain")
    assert store.read_from("logs/j1.log", 0) == b"first\n"
    store.put_bytes("logs/j1.log", b"first\nsecond\n", "text/plain")
    assert store.read_from("logs/j1.log", 6) == b"second\n"
    assert store.read_from("logs/j1.log", 13) == b""
    with pytest.raises(NoSuchFile):
        store.read_from("logs/absent.log", 0)


def test_a_folder_comes_back_whole(tmp_path: Path, s3_server: S3Server) -> None:
    store = storage(tmp_path, s3_server.endpoint)
    store.put_bytes("jobs/j1/out/dir/catalog.json", b"{}", "application/json")
    store.put_bytes("jobs/j1/out/dir/items/a.json", b"[]", "application/json")
    folder = store.local_directory("jobs/j1/out/dir")
    assert sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.json")) == [
        "catalog.json",
        "items/a.json",
    ]


def test_a_missing_object_is_no_such_file(tmp_path: Path, s3_server: S3Server) -> None:
    with pytest.raises(NoSuchFile, match=f"Output file 'jobs/j1/absent.txt' does not exist in s3://{BUCKET}."):
        storage(tmp_path, s3_server.endpoint).local_path("jobs/j1/absent.txt")


def test_a_key_that_climbs_out_is_refused(tmp_path: Path, s3_server: S3Server) -> None:
    with pytest.raises(NoSuchFile, match="lies outside the job's outputs"):
        storage(tmp_path, s3_server.endpoint).local_path("jobs/j1/../../secret")


def test_a_missing_bucket_is_reported_by_the_health_check(tmp_path: Path, s3_server: S3Server) -> None:
    with pytest.raises(StorageUnavailable, match="Bucket 'no-such-bucket' does not exist; create it"):
        storage(tmp_path, s3_server.endpoint, bucket="no-such-bucket").check()


def test_an_unreachable_endpoint_is_storage_unavailable(tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StorageUnavailable, match="S3 did not answer for bucket 'swath-test'"):
        storage(tmp_path, endpoint).check()


def test_presigned_urls_serve_the_object_directly(tmp_path: Path, s3_server: S3Server) -> None:
    store = storage(tmp_path, s3_server.endpoint, s3_presigned_url_expiry=60)
    store.put_bytes("jobs/j1/out/a.txt", b"direct", "text/plain")
    url = store.download_url("jobs/j1/out/a.txt")
    assert url is not None and url.startswith(s3_server.endpoint)
    assert httpx.get(url).content == b"direct"


def test_the_local_executor_stores_outputs_in_s3_with_explicit_keys(tmp_path: Path, s3_server: S3Server) -> None:
    prefix = f"local-{uuid.uuid4().hex[:8]}"
    server = make_server(
        tmp_path,
        storage=f"s3://{BUCKET}/{prefix}",
        s3_endpoint_url=s3_server.endpoint,
        s3_access_key_id="test",
        s3_secret_access_key="test",
    ).start()
    sample = REPO / "swath" / "examples" / "data" / "sample.txt"
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            job_id = submit(client, "word-count", {"inputs": {"text": {"href": sample.as_uri()}}})
            status = wait_for_status(client, job_id)
    finally:
        server.stop()
    assert status["status"] == "successful", status
    assert any(key.startswith(f"{prefix}/jobs/{job_id}/") for key in s3_server.keys(prefix))


def test_removing_a_job_prefix_deletes_its_objects_and_cached_copies_and_nothing_else(
    tmp_path: Path, s3_server: S3Server
) -> None:
    store = storage(tmp_path, s3_server.endpoint)
    store.put_bytes("jobs/j1/out/a.txt", b"a", "text/plain")
    store.put_bytes("jobs/j1/catalog.json", b"{}", "application/json")
    store.put_bytes("jobs/j10/out/b.txt", b"b", "text/plain")
    cached = store.local_path("jobs/j1/out/a.txt")
    store.remove("jobs/j1")
    store.remove("logs/absent.log")  # nothing there: nothing to do
    assert not cached.exists()
    with pytest.raises(NoSuchFile):
        store.read_from("jobs/j1/out/a.txt", 0)
    assert store.read_from("jobs/j10/out/b.txt", 0) == b"b"
