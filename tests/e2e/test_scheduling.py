"""Quality of service over HTTP: running and queued caps per user and per process, priorities, and every waiting
job's place in the queue and the reason it waits, on a real server with real runners."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from swath.client import Client
from tests.conftest import REPO, Server, make_server, wait_until
from tests.e2e.helpers import ASYNC, ensure_deployed, wait_for_status
from tests.e2e.test_auth import make_token
from tests.ogc_schemas import validate

USERS = [("alice", "user"), ("bob", "user"), ("ada", "admin")]


def _start(server: Server) -> dict[str, httpx.Client]:
    tokens = {name: make_token(server, name, role) for name, role in USERS}
    server.start()
    return {
        name: httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"})
        for name, token in tokens.items()
    }


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, httpx.Client]]:
    """Three runners; a user may run two jobs at once."""
    server = make_server(tmp_path_factory.mktemp("capped"), auth_mode="on", workers="3", max_running_per_user="2")
    clients = _start(server)
    ensure_deployed(clients["ada"], "sleeper")
    yield clients
    for client in clients.values():
        client.close()
    server.stop()


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, httpx.Client]]:
    """One runner, so that the order in which jobs start is the scheduler's alone."""
    server = make_server(tmp_path_factory.mktemp("single"), auth_mode="on", workers="1")
    clients = _start(server)
    ensure_deployed(clients["ada"], "sleeper")
    ensure_deployed(clients["ada"], "greet")
    yield clients
    for client in clients.values():
        client.close()
    server.stop()


def _submit(client: httpx.Client, seconds: int, **members: Any) -> str:
    body = {"inputs": {"seconds": seconds}, **members}
    response = client.post("/processes/sleeper/execution", json=body, headers=ASYNC)
    assert response.status_code == 201, response.text
    return str(response.json()["jobID"])


def _running(admin: httpx.Client) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = admin.get("/jobs", params={"status": "running", "limit": 100}).json()["jobs"]
    return jobs


class _RunningWatch:
    """Samples every running job (as an admin sees them) until stopped; keeps the largest count per user."""

    def __init__(self, admin: httpx.Client, owners: dict[str, str]) -> None:
        self.admin, self.owners = admin, owners
        self.most: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        while not self.stop.is_set():
            counts: dict[str, int] = {}
            for job in _running(self.admin):
                owner = self.owners.get(job["jobID"], "other")
                counts[owner] = counts.get(owner, 0) + 1
            for owner, count in counts.items():
                self.most[owner] = max(self.most.get(owner, 0), count)
            self.stop.wait(0.05)

    def __enter__(self) -> _RunningWatch:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


def test_a_user_never_runs_more_than_the_cap_and_another_user_is_not_held_back(
    capped: dict[str, httpx.Client],
) -> None:
    alice, bob, ada = capped["alice"], capped["bob"], capped["ada"]
    alice_jobs = [_submit(alice, 3) for _ in range(4)]
    owners = dict.fromkeys(alice_jobs, "alice")
    with _RunningWatch(ada, owners) as watch:
        # Two of alice's jobs take two of the three runners; the other two wait for her cap, not for a runner.
        wait_until(lambda: len(_running(ada)) == 2, timeout=30, message="alice's first two jobs to run")
        waiting = [alice.get(f"/jobs/{job_id}").json() for job_id in alice_jobs]
        queued = [status for status in waiting if status["status"] == "accepted"]
        assert len(queued) == 2, waiting
        for status in queued:
            validate(status, "statusInfo.yaml")
            assert status["waitReason"] == "user cap 2 reached"
            assert "user cap 2 reached" in status["message"]
        assert sorted(status["queuePosition"] for status in queued) == [1, 2]
        # Bob's job takes the third runner at once, ahead of alice's queued jobs.
        bob_job = _submit(bob, 1)
        owners[bob_job] = "bob"
        assert wait_for_status(bob, bob_job, {"running", "successful"})["status"] in {"running", "successful"}
        assert {alice.get(f"/jobs/{job_id}").json()["status"] for job_id in alice_jobs[2:]} <= {"accepted", "running"}
        for job_id in [*alice_jobs, bob_job]:
            assert wait_for_status(ada, job_id)["status"] == "successful"
    assert watch.most["alice"] == 2
    assert watch.most["bob"] == 1


def test_a_process_cap_set_by_an_admin_holds_and_its_waiting_jobs_say_so(capped: dict[str, httpx.Client]) -> None:
    alice, bob, ada = capped["alice"], capped["bob"], capped["ada"]
    refused = alice.put("/processes/sleeper/scheduling", json={"maxRunning": 1})
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("/forbidden")
    rules = ada.put("/processes/sleeper/scheduling", json={"maxRunning": 1})
    assert rules.status_code == 200, rules.text
    assert rules.json() == {"processID": "sleeper", "priority": None, "maxRunning": 1, "maxQueued": None}
    try:
        first, second = _submit(alice, 2), _submit(bob, 1)
        wait_for_status(alice, first, {"running"})
        status = bob.get(f"/jobs/{second}").json()
        assert status["status"] == "accepted"
        assert status["waitReason"] == "process cap 1 reached"
        assert status["queuePosition"] == 1
        assert wait_for_status(bob, second)["status"] == "successful"
        assert bob.get(f"/jobs/{second}").json()["started"] >= alice.get(f"/jobs/{first}").json()["finished"]
    finally:
        assert ada.put("/processes/sleeper/scheduling", json={}).status_code == 200


def test_jobs_start_highest_priority_first_and_in_submission_order_within_one(
    single: dict[str, httpx.Client],
) -> None:
    alice, ada = single["alice"], single["ada"]
    blocker = _submit(alice, 2)
    wait_for_status(alice, blocker, {"running"})
    low_first = _submit(alice, 0, priority=-5)
    plain = _submit(alice, 0)
    low_second = _submit(alice, 0, priority=-5)
    high = _submit(ada, 0, priority=10)
    positions = {
        job_id: alice.get(f"/jobs/{job_id}").json().get("queuePosition") for job_id in [low_first, plain, low_second]
    }
    assert positions == {plain: 2, low_first: 3, low_second: 4}
    assert ada.get(f"/jobs/{high}").json()["queuePosition"] == 1
    assert alice.get(f"/jobs/{plain}").json()["waitReason"] == "waiting for a runner"
    order = [high, plain, low_first, low_second]
    finished = [wait_for_status(ada, job_id) for job_id in order]
    assert [status["status"] for status in finished] == ["successful"] * 4
    started = [status["started"] for status in finished]
    assert started == sorted(started), finished


def test_a_user_may_not_ask_for_more_than_the_default_priority(single: dict[str, httpx.Client]) -> None:
    alice = single["alice"]
    response = alice.post("/processes/sleeper/execution", json={"inputs": {"seconds": 0}, "priority": 1}, headers=ASYNC)
    assert response.status_code == 403, response.text
    assert "only an admin" in response.json()["detail"]
    response = alice.post(
        "/processes/sleeper/execution", json={"inputs": {"seconds": 0}, "priority": -1000}, headers=ASYNC
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "Priority -1000 is out of range; allowed: -100 to 100."


def test_an_admin_moves_a_waiting_job_to_the_front_and_a_user_cannot(single: dict[str, httpx.Client]) -> None:
    alice, bob, ada = single["alice"], single["bob"], single["ada"]
    blocker = _submit(alice, 2)
    wait_for_status(alice, blocker, {"running"})
    first, second = _submit(bob, 0), _submit(bob, 0)
    assert bob.get(f"/jobs/{second}").json()["queuePosition"] == 2
    refused = bob.patch(f"/jobs/{second}", json={"priority": -1})
    assert refused.status_code == 403, refused.text
    assert refused.json()["jobID"] == second
    # Another user's job does not exist for alice, whatever she sends.
    assert alice.patch(f"/jobs/{second}", json={"priority": 50}).status_code == 404
    moved = ada.patch(f"/jobs/{second}", json={"priority": 50})
    assert moved.status_code == 200, moved.text
    assert moved.json()["priority"] == 50
    assert moved.json()["queuePosition"] == 1
    assert bob.get(f"/jobs/{first}").json()["queuePosition"] == 2
    # Anything but the priority of a queued job is locked, for an admin too.
    locked = ada.patch(f"/jobs/{second}", json={"priority": 40, "collection": "X"})
    assert locked.status_code == 423, locked.text
    statuses = [wait_for_status(bob, job_id) for job_id in (second, first)]
    assert statuses[0]["started"] < statuses[1]["started"]
    # Once it has started, its priority is fixed.
    late = ada.patch(f"/jobs/{second}", json={"priority": 1})
    assert late.status_code == 423, late.text


def test_a_submission_over_a_queued_cap_is_refused_naming_the_cap(single: dict[str, httpx.Client]) -> None:
    alice, bob, ada = single["alice"], single["bob"], single["ada"]
    assert ada.put("/processes/sleeper/scheduling", json={"maxQueued": 2}).status_code == 200
    try:
        blocker = _submit(alice, 2)
        wait_for_status(alice, blocker, {"running"})
        queued = [_submit(alice, 0), _submit(bob, 0)]
        refused = bob.post("/processes/sleeper/execution", json={"inputs": {"seconds": 0}}, headers=ASYNC)
        assert refused.status_code == 429, refused.text
        document = refused.json()
        assert document["type"] == "https://swath.dev/exceptions/queue-cap-reached"
        assert document["reason"] == "process-cap-reached"
        assert "process cap 2" in document["detail"]
        # Another process is not held by this one's cap.
        other = bob.post("/processes/greet/execution", json={"inputs": {"name": "Bo"}}, headers=ASYNC)
        assert other.status_code == 201, other.text
        for job_id in [*queued, other.json()["jobID"]]:
            assert wait_for_status(ada, job_id)["status"] == "successful"
    finally:
        assert ada.put("/processes/sleeper/scheduling", json={}).status_code == 200


def _token(client: httpx.Client) -> str:
    return client.headers["Authorization"].removeprefix("Bearer ")


def _cli(client: httpx.Client, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`swath ...` as the user of `client` runs it."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SWATH_")}
    environment.update(
        {"PYTHONPATH": str(REPO), "COLUMNS": "200", "SWATH_URL": str(client.base_url), "SWATH_TOKEN": _token(client)}
    )
    command = [sys.executable, "-m", "swath", *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def test_the_client_the_command_line_and_the_pages_show_where_a_waiting_job_stands(
    single: dict[str, httpx.Client],
) -> None:
    alice, ada = single["alice"], single["ada"]
    blocker = _submit(alice, 30)
    wait_for_status(alice, blocker, {"running"})
    with Client(str(alice.base_url), token=_token(alice)) as client:
        job = client.execute("sleeper", {"seconds": 0}, priority=-3).refresh()
    assert (job.status, job.priority, job.queue_position, job.wait_reason) == (
        "accepted",
        -3,
        1,
        "waiting for a runner",
    )
    status = _cli(alice, "job", "status", job.id)
    assert status.returncode == 0, status.stderr
    assert "queuePosition: 1" in status.stdout and "waitReason: waiting for a runner" in status.stdout
    listed = _cli(alice, "job", "list", "--status", "accepted")
    assert "#1, waiting for a runner" in listed.stdout, listed.stdout
    for page in (f"/jobs/{job.id}", "/jobs"):
        html = alice.get(page, headers={"Accept": "text/html"})
        assert html.status_code == 200
        assert "#1, waiting for a runner" in html.text, page
    refused = _cli(alice, "job", "priority", job.id, "7")
    assert refused.returncode != 0
    assert "Only an admin may change the priority" in refused.stderr
    moved = _cli(ada, "job", "priority", job.id, "7", "--json")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["priority"] == 7
    assert alice.delete(f"/jobs/{blocker}").status_code == 200
    assert wait_for_status(alice, job.id)["status"] == "successful"


def test_a_server_killed_and_started_again_keeps_the_priorities_and_the_order(tmp_path: Path) -> None:
    server = make_server(tmp_path, workers="1", max_attempts="3").start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            ensure_deployed(client, "sleeper")
            blocker = _submit(client, 30, priority=-10)
            wait_for_status(client, blocker, {"running"})
            low, plain, high = _submit(client, 0, priority=-5), _submit(client, 0), _submit(client, 0, priority=10)
        server.stop(signal.SIGKILL)
        server.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.get(f"/jobs/{low}").json()["priority"] == -5
            started = {job_id: wait_for_status(client, job_id, timeout=90)["started"] for job_id in (high, plain, low)}
            assert client.delete(f"/jobs/{blocker}").status_code == 200
        # The blocker, taken back at the restart, waits behind them all: its priority is the lowest.
        assert started[high] < started[plain] < started[low]
    finally:
        server.stop()
