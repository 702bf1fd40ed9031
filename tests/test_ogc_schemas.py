"""`tests/ogc_schemas.py` against the official OGC examples, so that a schema check in another test can be trusted."""

import json
from pathlib import Path

import jsonschema
import pytest

from tests.ogc_schemas import locate_ogc_dir, validate

EXAMPLES = locate_ogc_dir() / "examples"

# Every official example and the schema it is an instance of.
OFFICIAL_EXAMPLES = {
    "ConfClasses.json": "confClasses.yaml",
    "LandingPage.json": "landingPage.yaml",
    "ProcessList.json": "processList.yaml",
    "ProcessDescription.json": "process.yaml",
    "Execute.json": "execute.yaml",
    "Result.json": "results.yaml",
    "StatusInfo.json": "statusInfo.yaml",
    "StatusInfo-dismissed.json": "statusInfo.yaml",
    "JobList.json": "jobList.yaml",
}
_MISSING_TYPE = "the official example omits `type: process`, which statusInfo.yaml requires"
_ONE_OF = "read literally, `oneOf` in the 1.0 schemas rejects literal values and `$ref`s (see tests/ogc_schemas.py)"
# The examples that fail, and why: with `oneOf` read as `anyOf` (the default), only the missing `type` remains.
LENIENT_FAILURES = {name: _MISSING_TYPE for name in ("StatusInfo.json", "StatusInfo-dismissed.json", "JobList.json")}
STRICT_FAILURES = LENIENT_FAILURES | {
    name: _ONE_OF for name in ("ProcessDescription.json", "Execute.json", "Result.json")
}


def _example(name: str) -> object:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _cases(failures: dict[str, str]) -> list[object]:
    return [
        pytest.param(
            name,
            schema,
            id=name,
            marks=[pytest.mark.xfail(raises=jsonschema.ValidationError, reason=failures[name], strict=True)]
            if name in failures
            else [],
        )
        for name, schema in OFFICIAL_EXAMPLES.items()
    ]


def test_every_official_example_is_checked() -> None:
    assert sorted(OFFICIAL_EXAMPLES) == sorted(path.name for path in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize(("example", "schema"), _cases(LENIENT_FAILURES))
def test_official_example_is_valid_against_its_schema(example: str, schema: str) -> None:
    validate(_example(example), schema)


@pytest.mark.parametrize(("example", "schema"), _cases(STRICT_FAILURES))
def test_official_example_is_valid_against_its_schema_read_literally(example: str, schema: str) -> None:
    validate(_example(example), schema, strict_one_of=True)


def test_a_result_with_a_literal_value_is_valid_only_when_one_of_is_read_as_any_of() -> None:
    result = {"sum": 30, "total": {"href": "https://example.org/jobs/1/total.txt", "type": "text/plain"}}

    validate(result, "results.yaml")
    with pytest.raises(jsonschema.ValidationError, match=r"30 is valid under each of"):
        validate(result, "results.yaml", strict_one_of=True)


def test_a_status_without_its_job_id_is_rejected_naming_the_field() -> None:
    status = {"type": "process", "status": "running", "links": []}

    with pytest.raises(jsonschema.ValidationError, match=r"'jobID' is a required property \(at \$ in statusInfo"):
        validate(status, "statusInfo.yaml")


def test_an_error_inside_a_referenced_schema_names_where_it_is_in_the_document() -> None:
    job_list = {"jobs": [{"type": "process", "jobID": "a", "status": "finished"}], "links": []}

    with pytest.raises(jsonschema.ValidationError, match=r"'finished' is not one of .* \(at \$\.jobs\[0\]\.status"):
        validate(job_list, "jobList.yaml")


def test_a_timestamp_that_is_not_a_date_time_is_rejected() -> None:
    pytest.importorskip("rfc3339_validator", reason="jsonschema checks date-time only with rfc3339-validator")
    status = {"type": "process", "jobID": "a", "status": "accepted", "created": "yesterday"}

    with pytest.raises(jsonschema.ValidationError, match=r"'yesterday' is not a 'date-time' \(at \$\.created"):
        validate(status, "statusInfo.yaml")


def test_a_deploy_body_resolves_part_2_references_to_part_1_schemas() -> None:
    body = {
        "processDescription": {"process": {"id": "word-count", "version": "1.0.0"}},
        "executionUnit": {"value": "cwlVersion: v1.2", "mediaType": "application/cwl+yaml"},
    }

    validate(body, "ogcapppkg.yaml")


def test_a_deploy_body_with_a_process_without_version_is_rejected() -> None:
    body = {"processDescription": {"process": {"id": "word-count"}}, "executionUnit": {"href": "https://x/a.cwl"}}

    with pytest.raises(jsonschema.ValidationError, match=r"'version' is a required property"):
        validate(body, "ogcapppkg.yaml")


def test_an_unknown_schema_name_is_refused_with_the_folders_searched() -> None:
    with pytest.raises(ValueError, match=r"No OGC schema is named 'statusinfo\.yaml'; give a file name from"):
        validate({}, "statusinfo.yaml")


def test_the_schemas_are_found_through_the_environment_when_not_beside_the_repository(tmp_path: Path) -> None:
    found = locate_ogc_dir(near=tmp_path, environ={"SWATH_OGC_DIR": str(locate_ogc_dir())})

    assert found == locate_ogc_dir()


def test_missing_schemas_are_reported_with_the_places_looked_at(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"not found in .*shared/ogc.*set SWATH_OGC_DIR"):
        locate_ogc_dir(near=tmp_path, environ={})
