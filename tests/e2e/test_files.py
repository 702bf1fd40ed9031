"""Uploaded input files: kept through storage, served back at an absolute URL, read by jobs like any link."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import Server, make_server
from tests.e2e.helpers import submit, wait_for_status
from tests.ogc_schemas import validate


def test_an_upload_is_served_back_at_the_href_it_answers(client: httpx.Client, server: Server) -> None:
    response = client.post("/files", params={"name": "notes.txt"}, content=b"alpha beta\n")
    assert response.status_code == 201, response.text
    href = response.json()["href"]
    assert href.startswith(f"{server.url}/files/") and href.endswith("/notes.txt")
    assert response.headers["Location"] == href
    assert (response.json()["size"], response.json()["type"]) == (11, "text/plain")
    assert client.get(href).content == b"alpha beta\n"


def test_an_upload_sent_with_a_generic_type_takes_its_type_from_its_name(client: httpx.Client) -> None:
    # curl --data-binary sends application/x-www-form-urlencoded unless told otherwise.
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/files", params={"name": "scene.json"}, content=b"{}", headers=headers)
    assert response.json()["type"] == "application/json"


def test_a_job_reads_an_uploaded_file(client: httpx.Client) -> None:
    href = client.post("/files", params={"name": "words.txt"}, content=b"one two three\n").json()["href"]
    job_id = submit(client, "word-count", {"inputs": {"text": {"href": href}}})
    assert wait_for_status(client, job_id)["status"] == "successful"
    assert client.get(f"/jobs/{job_id}/results").json()["words"] == 3


def test_an_unsafe_name_is_refused(client: httpx.Client) -> None:
    response = client.post("/files", params={"name": "../escape.txt"}, content=b"x")
    assert response.status_code == 400
    validate(response.json(), "exception.yaml")
    assert response.json()["detail"].startswith("File name '../escape.txt' is not allowed")


def test_an_unknown_upload_is_not_found(client: httpx.Client) -> None:
    response = client.get("/files/" + "0" * 32 + "/nothing.txt")
    assert response.status_code == 404
    validate(response.json(), "exception.yaml")
    assert response.json()["detail"] == f"No uploaded file '{'0' * 32}/nothing.txt' exists."


def test_an_upload_over_the_size_limit_is_refused_and_nothing_of_it_is_kept(tmp_path: Path) -> None:
    server = make_server(tmp_path, max_upload_size="100000").start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            response = client.post("/files", params={"name": "big.bin"}, content=b"x" * 300_000)
            assert client.post("/files", params={"name": "small.bin"}, content=b"x" * 1000).status_code == 201
    finally:
        server.stop()
    assert response.status_code == 413
    document = response.json()
    validate(document, "exception.yaml")
    assert document["detail"] == "The file 'big.bin' is larger than the 100,000 bytes an upload may hold."
    assert not list(server.data_dir.rglob("big.bin")) and not list(server.data_dir.glob(".upload-*"))


def test_uploads_past_the_users_quota_are_refused_naming_the_setting(tmp_path: Path) -> None:
    server = make_server(tmp_path, upload_quota="1000", deploy_examples="false").start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            first = client.post("/files", params={"name": "a.bin"}, content=b"x" * 600)
            second = client.post("/files", params={"name": "b.bin"}, content=b"x" * 600)
            third = client.post("/files", params={"name": "c.bin"}, content=b"x" * 400)
            fourth = client.post("/files", params={"name": "d.bin"}, content=b"x")
    finally:
        server.stop()

    assert (first.status_code, second.status_code, third.status_code) == (201, 413, 201)
    validate(second.json(), "exception.yaml")
    assert second.json()["detail"] == (
        "The file 'b.bin' does not fit in your upload quota: 600 of 1,000 bytes are used (setting upload_quota)."
    )
    assert fourth.status_code == 413
