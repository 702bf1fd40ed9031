"""Authentication on: tokens, roles, and two users who cannot see each other's work through any path."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, make_server
from tests.e2e.helpers import ASYNC, wait_for_status

EXAMPLES = Path(__file__).resolve().parents[2] / "swath" / "examples"
COLLECTION = "ALICE_OUTPUT___1"


def make_token(server: Server, user: str, role: str, *extra: str) -> str:
    environment = {**server.environment, "SWATH_DATA_DIR": str(server.data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "swath", "token", "create", "--user", user, "--role", role, *extra],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = make_server(tmp_path_factory.mktemp("auth"), auth_mode="on")
    tokens = {
        name: make_token(server, name, role)
        for name, role in [("alice", "user"), ("bob", "user"), ("ada", "admin"), ("dee", "deployer")]
    }
    server.start()
    clients = {
        name: httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"})
        for name, token in tokens.items()
    }
    alice, bob = clients["alice"], clients["bob"]
    catalog = (EXAMPLES / "data" / "sample-catalog" / "catalog.json").as_uri()
    body = {"inputs": {"input_catalog": {"href": catalog}}, "collection": COLLECTION}
    alice_job = alice.post("/processes/stac-band-stats/execution", json=body, headers=ASYNC).json()["jobID"]
    upload = bob.post("/files", params={"name": "words.txt"}, content=b"one two three\n").json()["href"]
    bob_job = bob.post(
        "/processes/word-count/execution", json={"inputs": {"text": {"href": upload}}}, headers=ASYNC
    ).json()["jobID"]
    assert wait_for_status(alice, alice_job)["status"] == "successful", alice.get(f"/jobs/{alice_job}/logs").text
    assert wait_for_status(bob, bob_job)["status"] == "successful", bob.get(f"/jobs/{bob_job}/logs").text
    yield {
        "server": server,
        "tokens": tokens,
        "clients": clients,
        "alice_job": alice_job,
        "bob_job": bob_job,
        "upload": upload,
    }
    for client in clients.values():
        client.close()
    server.stop()


def test_a_request_without_a_token_answers_401_with_a_bearer_challenge(world: dict[str, Any]) -> None:
    response = httpx.get(world["server"].url + "/jobs")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="swath"'
    assert response.json()["detail"] == "This request needs a bearer token in the Authorization header."


def test_an_unknown_token_answers_401_naming_the_problem_but_not_the_token(world: dict[str, Any]) -> None:
    forged = "swath_000000000000_" + "x" * 43
    response = httpx.get(world["server"].url + "/jobs", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert forged not in response.text and forged not in response.headers["WWW-Authenticate"]


def test_health_and_the_landing_page_need_no_token_and_show_none(world: dict[str, Any]) -> None:
    health = httpx.get(world["server"].url + "/health")
    assert health.status_code == 200
    assert httpx.get(world["server"].url + "/").status_code == 200
    assert not any(token in health.text for token in world["tokens"].values())


def test_no_token_appears_in_the_server_log(world: dict[str, Any]) -> None:
    log = world["server"].log()
    assert not any(token in log for token in world["tokens"].values())


def test_an_expired_token_is_refused(world: dict[str, Any]) -> None:
    # A one-second lifetime: created, then waited out on the server's own clock.
    token = make_token(world["server"], "carol", "user", "--expires", "1s")
    headers = {"Authorization": f"Bearer {token}"}
    from tests.conftest import wait_until

    wait_until(lambda: httpx.get(world["server"].url + "/jobs", headers=headers).status_code == 401, timeout=20)


def test_a_user_cannot_deploy_but_a_deployer_can(world: dict[str, Any]) -> None:
    package = (Path(__file__).resolve().parents[1] / "data" / "e2e" / "greet.cwl").read_bytes()
    headers = {"Content-Type": "application/cwl+yaml"}
    refused = world["clients"]["alice"].post("/processes", content=package, headers=headers)
    assert refused.status_code == 403
    assert "needs role 'deployer'" in refused.json()["detail"]
    assert world["clients"]["alice"].delete("/processes/word-count").status_code == 403
    accepted = world["clients"]["dee"].post("/processes", content=package, headers=headers)
    assert accepted.status_code in (201, 409), accepted.text


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/{job}",
        "/jobs/{job}/results",
        "/jobs/{job}/results/stats",
        "/jobs/{job}/logs",
        "/jobs/{job}/outputs/catalog.json",
        "/processes/stac-band-stats/jobs/{job}",
        "/processes/stac-band-stats/jobs/{job}/result",
    ],
)
def test_another_users_job_is_not_found_on_every_path(world: dict[str, Any], path: str) -> None:
    url = path.format(job=world["alice_job"])
    assert world["clients"]["alice"].get(url).status_code in (200, 404)
    response = world["clients"]["bob"].get(url)
    assert response.status_code == 404, response.text
    assert world["clients"]["ada"].get(url).status_code == world["clients"]["alice"].get(url).status_code


def test_another_users_job_cannot_be_dismissed_through_either_face(world: dict[str, Any]) -> None:
    bob = world["clients"]["bob"]
    assert bob.delete(f"/jobs/{world['alice_job']}").status_code == 404
    assert bob.delete(f"/processes/stac-band-stats/jobs/{world['alice_job']}").status_code == 404


def test_job_lists_hold_the_callers_jobs_and_an_admin_sees_both(world: dict[str, Any]) -> None:
    def listed(name: str, path: str = "/jobs?limit=100") -> set[str]:
        return {job["jobID"] for job in world["clients"][name].get(path).json()["jobs"]}

    assert world["alice_job"] in listed("alice") and world["bob_job"] not in listed("alice")
    assert world["bob_job"] in listed("bob") and world["alice_job"] not in listed("bob")
    assert {world["alice_job"], world["bob_job"]} <= listed("ada")
    assert world["alice_job"] not in listed("bob", "/processes/stac-band-stats/jobs")


def test_another_users_upload_is_not_found_and_cannot_be_an_input(world: dict[str, Any]) -> None:
    alice = world["clients"]["alice"]
    path = httpx.URL(world["upload"]).path
    assert alice.get(path).status_code == 404
    assert world["clients"]["bob"].get(path).status_code == 200
    body = {"inputs": {"text": {"href": world["upload"]}}}
    response = alice.post("/processes/word-count/execution", json=body, headers=ASYNC)
    assert response.status_code == 400
    assert "does not exist" in response.json()["detail"]


def test_another_users_output_cannot_be_an_input(world: dict[str, Any]) -> None:
    href = f"{world['server'].url}/jobs/{world['alice_job']}/outputs/catalog.json"
    body = {"inputs": {"text": {"href": href}}}
    response = world["clients"]["bob"].post("/processes/word-count/execution", json=body, headers=ASYNC)
    assert response.status_code == 400


def test_collection_items_are_shown_to_the_user_who_filed_them(world: dict[str, Any]) -> None:
    clients = world["clients"]
    assert clients["alice"].get(f"/collections/{COLLECTION}/items").json()["numberMatched"] >= 1
    assert clients["bob"].get(f"/collections/{COLLECTION}").status_code == 404
    assert COLLECTION not in {item["id"] for item in clients["bob"].get("/collections").json()["collections"]}
    assert clients["ada"].get(f"/collections/{COLLECTION}/items").json()["numberMatched"] >= 1


def test_result_hrefs_are_signed_urls_that_open_without_a_header(world: dict[str, Any]) -> None:
    results = world["clients"]["bob"].get(f"/jobs/{world['bob_job']}/results").json()
    hrefs = [value["href"] for value in results.values() if isinstance(value, dict) and "href" in value]
    assert hrefs and all("signature=" in href for href in hrefs)
    assert httpx.get(hrefs[0]).status_code == 200


def test_a_signed_url_moved_to_another_path_is_refused(world: dict[str, Any]) -> None:
    results = world["clients"]["bob"].get(f"/jobs/{world['bob_job']}/results").json()
    href = next(value["href"] for value in results.values() if isinstance(value, dict) and "href" in value)
    moved = href.replace(world["bob_job"], world["alice_job"])
    response = httpx.get(moved)
    assert response.status_code == 401
    assert "signed URL" in response.json()["detail"]


def test_responses_carry_security_headers_and_user_files_are_sandboxed(world: dict[str, Any]) -> None:
    response = world["clients"]["bob"].get(httpx.URL(world["upload"]).path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    page = httpx.get(world["server"].url + "/", headers={"Accept": "text/html"})
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_host_the_service_does_not_answer_to_is_refused(world: dict[str, Any]) -> None:
    response = httpx.get(world["server"].url + "/health", headers={"Host": "rebound.example:80"})
    assert response.status_code == 421
    assert "SWATH_ALLOWED_HOSTS" in response.json()["detail"]
