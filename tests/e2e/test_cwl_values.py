"""CWL values over the API: a File can enter a job only through the input roots, whatever type carries it, and
outputs come back as CWL values when asked for as application/cwl+json."""

from __future__ import annotations

import httpx

from tests.e2e.helpers import ensure_deployed, submit, wait_for_status


def test_a_file_object_in_an_any_input_outside_the_input_roots_is_refused(client: httpx.Client) -> None:
    process_id = ensure_deployed(client, "any-value")
    body = {"inputs": {"anything": {"class": "File", "location": "file:///etc/hostname"}}}

    response = client.post(f"/processes/{process_id}/execution", json=body)

    assert response.status_code == 400, response.text
    document = response.json()
    assert document["status"] == 400
    assert document["detail"].startswith("Input 'anything' refers to /etc/hostname, which is outside the allowed")


def test_an_output_asked_for_as_cwl_json_comes_back_as_its_cwl_value(client: httpx.Client) -> None:
    process_id = ensure_deployed(client, "any-value")
    body = {
        "inputs": {"anything": {"n": 1}},
        "outputs": {"printed": {"format": {"mediaType": "application/cwl+json"}}},
    }
    job_id = submit(client, process_id, body)
    assert wait_for_status(client, job_id)["status"] == "successful"

    printed = client.get(f"/jobs/{job_id}/results").json()["printed"]

    assert printed["mediaType"] == "application/cwl+json"
    value = printed["value"]
    assert (value["class"], value["size"]) == ("File", len('{"n":1}\n'))
    assert client.get(value["location"]).text == '{"n":1}\n'
