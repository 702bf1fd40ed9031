"""The Unity SPS face's rules on their own: which paths the venue prefix covers, and the bodies it rewrites."""

from __future__ import annotations

from swath.api.unity_sps import clean_execute_body, execute_answer, prefix_pattern, sps_description


def test_the_prefix_covers_any_project_and_venue_and_runs_of_slashes() -> None:
    pattern = prefix_pattern("/{project}/{venue}/wps")
    assert pattern is not None
    for path in ("/mission/dev/wps//processes", "/mission/dev/wps/processes", "//a/b/wps", "/a/b//wps/jobs/1"):
        assert pattern.match(path), path
    for path in ("/processes/echo", "/processes/echo/jobs", "/a/wps/processes", "/a/b/wpsx/processes", "/a/b/c/wps"):
        assert not pattern.match(path), path
    assert prefix_pattern("") is None
    fixed = prefix_pattern("/sps/{venue}")
    assert fixed is not None and fixed.match("/sps/dev/processes") and not fixed.match("/other/dev/processes")


def test_nulls_placeholders_and_empty_output_entries_are_dropped() -> None:
    body = {
        "inputs": {"name": "x", "list": [1, None], "nested": {"a": None, "b": 2}},
        "outputs": {"result": {"$output": None, "format": None}, "kept": {"transmissionMode": "reference"}},
        "subscriber": None,
        "response": None,
    }
    assert clean_execute_body(body) == {
        "inputs": {"name": "x", "list": [1, None], "nested": {"b": 2}},
        "outputs": {"kept": {"transmissionMode": "reference"}},
    }


def test_execute_answers_pairs_led_by_job_process_and_status() -> None:
    status = {"jobID": "j", "processID": "p", "status": "accepted", "type": "process"}
    pairs = execute_answer(status)
    assert pairs[:3] == [["job_id", "j"], ["process_id", "p"], ["status", "accepted"]]
    assert ["type", "process"] in pairs


def test_descriptions_lose_unbounded_and_scalar_enums_but_say_them() -> None:
    description = {
        "inputs": {
            "many": {"schema": {"type": "integer"}, "maxOccurs": "unbounded"},
            "choice": {"schema": {"type": "string", "enum": ["a", "b"], "default": "a"}, "maxOccurs": 1},
        },
        "outputs": {"out": {"schema": {"type": "array", "items": {"type": "string", "enum": ["x"]}}}},
    }
    adapted = sps_description(description)
    assert "maxOccurs" not in adapted["inputs"]["many"]
    assert adapted["inputs"]["choice"] == {
        "schema": {"type": "string", "description": 'One of: "a", "b". Default: "a".'},
        "maxOccurs": 1,
    }
    assert adapted["outputs"]["out"]["schema"]["items"] == {"type": "string", "description": 'One of: "x".'}
