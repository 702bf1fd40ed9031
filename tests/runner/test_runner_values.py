"""CWL values wherever Files sit in them: staged from records, stored from records, empty directories kept."""

from __future__ import annotations

from pathlib import Path

from tests.runner.harness import Runner, load_cwl, make_job, make_process

PAIR = {"pair": {"x-cwl-type": {"type": "record", "fields": [{"name": "text", "type": "File"}]}}}


def _run(runner: Runner) -> tuple[str, dict[str, object], dict[str, object]]:
    source = runner.root / "inputs" / "poem.txt"
    source.write_text("roses\n", encoding="utf-8")
    process = make_process(load_cwl("values.cwl"), "values", PAIR)
    job = make_job(process, {"pair": {"text": {"class": "File", "location": source.as_uri()}, "label": "red"}})
    run = runner.run(job, process)
    return job.id, run.results.outputs["both"].value, run.results.outputs["empty"].value


def test_a_file_inside_a_record_input_is_staged_and_files_inside_a_record_output_are_stored(runner: Runner) -> None:
    job_id, both, _ = _run(runner)

    assert both["copy"] == {
        "class": "File",
        "location": f"http://testserver/jobs/{job_id}/outputs/both/copy/copy.txt",
        "basename": "copy.txt",
        "size": 6,
        "nameroot": "copy",
        "nameext": ".txt",
        "format": "http://edamontology.org/format_2330",
    }
    stored = runner.storage.local_path(f"jobs/{job_id}/both/label/label.txt")
    assert Path(stored).read_text() == "red\n"


def test_an_empty_directory_output_keeps_its_name_and_an_empty_listing(runner: Runner) -> None:
    job_id, _, empty = _run(runner)

    assert empty == {
        "class": "Directory",
        "location": f"http://testserver/jobs/{job_id}/outputs/empty/empty",
        "basename": "empty",
        "listing": [],
    }
