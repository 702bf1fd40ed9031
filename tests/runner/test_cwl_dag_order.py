"""cwl_dag's job order goes to cwltool as given: its Files must be http(s) URLs of allowed addresses."""

from __future__ import annotations

import pytest

from swath.errors import JobFailed
from swath.runner.cwl_dag import _job_order
from swath.services.network import parse_networks

LOOPBACK = parse_networks(["127.0.0.0/8"])


def test_a_local_file_in_the_job_order_is_refused() -> None:
    with pytest.raises(JobFailed, match="only http"):
        _job_order({"text": {"class": "File", "location": "file:///etc/shadow"}}, LOOPBACK)


def test_a_listed_file_at_a_refused_address_is_refused_without_connecting() -> None:
    order = {"folder": {"class": "Directory", "listing": [{"class": "File", "location": "http://127.0.0.1:9/a"}]}}
    with pytest.raises(JobFailed, match="cwl_args"):
        _job_order(order, parse_networks([]))


def test_an_allowed_url_passes_and_other_values_stay_as_they_are() -> None:
    order = {"text": {"class": "File", "location": "http://127.0.0.1:9/words.txt"}, "n": 3}
    assert _job_order(order, LOOPBACK) == order
