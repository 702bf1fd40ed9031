"""Job callbacks (OGC `callback` class) against a real receiver on 127.0.0.1: each subscriber URI gets the document
the standard names once per state, a receiver that fails is retried with back-off, every attempt is recorded on the
job, and loopback receivers are refused unless SWATH_ALLOWED_NETWORKS holds them."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, make_server, wait_until
from tests.e2e.helpers import ASYNC, ensure_deployed, wait_for_status
from tests.ogc_schemas import validate


@dataclass
class Receiver:
    """An HTTP server that records each POST (path, body) and answers 503 to the first `failures` of each path."""

    failures: int = 0
    received: list[tuple[str, Any]] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    url: str = ""

    def documents(self, path: str) -> list[Any]:
        return [body for received_path, body in self.received if received_path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(failures=2)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                state.attempts[self.path] = state.attempts.get(self.path, 0) + 1
                failing = state.attempts[self.path] <= state.failures
                if not failing:
                    state.received.append((self.path, body))
            self.send_response(503 if failing else 204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{http.server_address[1]}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield state
    http.shutdown()
    http.server_close()


@pytest.fixture(scope="module")
def loopback_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose callbacks may reach loopback (the receiver), retrying quickly."""
    running = make_server(
        Path(tmp_path_factory.mktemp("callbacks")),
        allowed_networks='["127.0.0.0/8"]',
        callback_backoff="0.2",
        callback_interval="0.1",
    ).start()
    yield running
    running.stop()


@pytest.fixture
def http(loopback_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=loopback_server.url, timeout=60) as client:
        yield client


def subscribe(receiver: Receiver) -> dict[str, str]:
    return {
        "successUri": f"{receiver.url}/success",
        "inProgressUri": f"{receiver.url}/progress",
        "failedUri": f"{receiver.url}/failed",
    }


def test_a_successful_job_sends_its_status_then_its_results_once_each_through_two_failures(
    http: httpx.Client, receiver: Receiver
) -> None:
    process_id = ensure_deployed(http, "greet")
    body = {"inputs": {"name": "Ada"}, "subscriber": subscribe(receiver)}
    response = http.post(f"/processes/{process_id}/execution", json=body, headers=ASYNC)
    assert response.status_code == 201, response.text
    job_id = response.json()["jobID"]
    assert wait_for_status(http, job_id)["status"] == "successful"
    wait_until(lambda: receiver.documents("/success"), timeout=60, message="the success callback")
    [progress] = receiver.documents("/progress")
    validate(progress, "statusInfo.yaml")
    assert (progress["jobID"], progress["status"]) == (job_id, "running")
    [results] = receiver.documents("/success")
    validate(results, "results.yaml")
    assert results["length"] == len("Hello, Ada")
    assert results == http.get(f"/jobs/{job_id}/results").json()
    assert receiver.documents("/failed") == []
    deliveries = http.get(f"/jobs/{job_id}/callbacks").json()["deliveries"]
    success = [(d["attempt"], d["statusCode"]) for d in deliveries if d["event"] == "success"]
    assert success == [(1, 503), (2, 503), (3, 204)]
    assert [d["event"] for d in deliveries].count("inProgress") == 3


def test_a_failed_job_sends_an_exception_document_to_the_failed_uri(http: httpx.Client, receiver: Receiver) -> None:
    receiver.failures = 0
    process_id = ensure_deployed(http, "failing")
    body = {"inputs": {}, "subscriber": subscribe(receiver)}
    job_id = http.post(f"/processes/{process_id}/execution", json=body, headers=ASYNC).json()["jobID"]
    assert wait_for_status(http, job_id)["status"] == "failed"
    wait_until(lambda: receiver.documents("/failed"), timeout=60, message="the failed callback")
    [failure] = receiver.documents("/failed")
    validate(failure, "exception.yaml")
    assert failure["jobID"] == job_id
    assert "exit code 3" in failure["detail"]
    assert receiver.documents("/success") == []


def test_a_loopback_callback_is_refused_without_the_setting(client: httpx.Client, receiver: Receiver) -> None:
    process_id = ensure_deployed(client, "greet")
    body = {"inputs": {"name": "Ada"}, "subscriber": {"successUri": f"{receiver.url}/success"}}
    refused = client.post(f"/processes/{process_id}/execution", json=body, headers=ASYNC)
    assert refused.status_code == 400
    assert "may not reach" in refused.json()["detail"]
    link_local = {"inputs": {"name": "Ada"}, "subscriber": {"failedUri": "http://169.254.169.254/latest"}}
    assert client.post(f"/processes/{process_id}/execution", json=link_local, headers=ASYNC).status_code == 400
    assert receiver.received == [] and receiver.attempts == {}


def test_the_callback_conformance_class_is_declared(client: httpx.Client) -> None:
    classes = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/callback" in classes


def test_callbacks_in_flight_when_the_server_is_killed_are_resumed_by_the_next_and_sent_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    receiver.failures = 1  # each URI's first attempt fails; the server then waits out its back-off
    server = make_server(
        tmp_path,
        allowed_networks='["127.0.0.0/8"]',
        callback_backoff="4",
        callback_interval="0.1",
        callback_timeout="1",
    ).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            body = {"inputs": {"name": "Ada"}, "subscriber": subscribe(receiver)}
            job_id = http.post(f"/processes/{ensure_deployed(http, 'greet')}/execution", json=body, headers=ASYNC)
            job_id = job_id.json()["jobID"]
            assert wait_for_status(http, job_id)["status"] == "successful"
        # The status went through (second attempt); the results failed once and wait for their retry.
        wait_until(lambda: receiver.attempts.get("/success"), timeout=60, message="a first success attempt")
        assert len(receiver.documents("/progress")) == 1
        server.stop(signal.SIGKILL)
        server.start()
        wait_until(lambda: receiver.documents("/success"), timeout=60, message="the resumed success callback")
        with httpx.Client(base_url=server.url, timeout=60) as http:
            deliveries = http.get(f"/jobs/{job_id}/callbacks").json()["deliveries"]
            assert http.get(f"/jobs/{job_id}/results").json() == receiver.documents("/success")[0]
    finally:
        server.stop()
    assert len(receiver.documents("/progress")) == 1 and len(receiver.documents("/success")) == 1
    success = [(d["attempt"], d["statusCode"]) for d in deliveries if d["event"] == "success"]
    assert success == [(1, 503), (1, 204)]  # the second server's first attempt
    assert [d["event"] for d in deliveries].count("inProgress") == 2
