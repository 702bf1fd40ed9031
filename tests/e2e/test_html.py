"""The HTML pages (OGC API - Processes Part 1, conformance class `html`), over HTTP and in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server
from tests.e2e.browser import dump_dom, screenshot
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status

# What Chromium sends when a person opens a URL.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"}
HTML_CLASS = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html"
COLLECTION = "HTML_PAGES___1"


@pytest.fixture(scope="module")
def finished_job(server: Server) -> Iterator[str]:
    """A successful greet job whose outputs were filed into COLLECTION, shared by the tests that only read it."""
    with httpx.Client(base_url=server.url, timeout=60) as http:
        job_id = submit(http, ensure_deployed(http, "greet"), {"inputs": {"name": "Ada"}, "collection": COLLECTION})
        assert wait_for_status(http, job_id)["status"] == "successful"
        yield job_id


def page(client: httpx.Client, path: str, status: int = 200) -> str:
    """The HTML form of `path`, as a browser asks for it."""
    response = client.get(path, headers=BROWSER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_a_browser_gets_the_landing_page_as_an_html_document(client: httpx.Client) -> None:
    text = page(client, "/")
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in text
    assert "<title>Swath · Swath</title>" in text
    assert 'href="http://127.0.0.1' in text and "/static/swath.css" in text
    assert ">Processes</a>" in text and ">Jobs</a>" in text


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html;q=0.5, application/json"])
def test_json_stays_the_answer_for_clients_that_do_not_rank_html_first(
    client: httpx.Client, accept: str | None
) -> None:
    response = client.get("/processes", headers={"Accept": accept} if accept else {})
    assert response.headers["content-type"] == "application/json"
    assert response.json()["processes"]


def test_f_html_and_f_json_override_the_accept_header(client: httpx.Client) -> None:
    as_html = client.get("/conformance", params={"f": "html"}, headers={"Accept": "application/json"})
    assert as_html.headers["content-type"].startswith("text/html")
    as_json = client.get("/conformance", params={"f": "json"}, headers=BROWSER)
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == client.get("/conformance").json()


def test_the_landing_page_links_its_html_form_and_conformance_declares_html(client: httpx.Client) -> None:
    links = client.get("/").json()["links"]
    alternate = next(link for link in links if link["rel"] == "alternate")
    assert alternate["type"] == "text/html"
    assert alternate["href"].endswith("/?f=html")
    assert client.get(alternate["href"]).headers["content-type"].startswith("text/html")
    assert HTML_CLASS in client.get("/conformance").json()["conformsTo"]


def test_the_conformance_page_lists_every_class(client: httpx.Client) -> None:
    text = page(client, "/conformance")
    assert "<title>Conformance · Swath</title>" in text
    for uri in client.get("/conformance").json()["conformsTo"]:
        assert uri in text


def test_the_process_list_page_shows_id_version_and_title(client: httpx.Client) -> None:
    ensure_deployed(client, "greet")
    text = page(client, "/processes")
    assert "<title>Processes · Swath</title>" in text
    assert ">greet</a>" in text
    assert "<td>2.1</td>" in text
    assert "Greet someone" in text
    assert "Writes a greeting to a file" in text


def test_the_process_page_shows_inputs_outputs_an_example_request_and_curl(client: httpx.Client) -> None:
    process = ensure_deployed(client, "greet")
    text = page(client, f"/processes/{process}")
    assert "<title>Greet someone · Swath</title>" in text
    assert "<code>name</code>" in text and "Who to greet" in text
    assert "<code>greeting</code>" in text and "File (URI)" in text
    assert "&#34;name&#34;: &#34;text&#34;" in text  # the example request body, escaped inside <pre>
    assert "curl -X POST http://127.0.0.1:" in text and "/processes/greet:2.1/execution" in text  # the version shown
    assert "Prefer: respond-async" in text


def test_a_process_label_with_markup_is_shown_escaped(client: httpx.Client) -> None:
    process = ensure_deployed(client, "greet-xss")
    for text in (page(client, "/processes"), page(client, f"/processes/{process}")):
        assert "Greet &lt;script&gt;alert(1)&lt;/script&gt; someone" in text
        assert "<script>" not in text


def test_the_job_list_page_shows_status_process_duration_and_progress(client: httpx.Client, finished_job: str) -> None:
    text = page(client, "/jobs")
    assert "<title>Jobs · Swath</title>" in text
    assert f'href="http://127.0.0.1:{client.base_url.port}/jobs/{finished_job}"' in text
    assert '<span class="badge status-successful">successful</span>' in text
    assert ">greet</a>" in text
    assert '<progress max="100" value="100"' in text
    assert " s</td>" in text  # a duration in seconds


def test_the_job_page_shows_status_timestamps_links_and_the_log(client: httpx.Client, finished_job: str) -> None:
    text = page(client, f"/jobs/{finished_job}")
    assert f"<title>Job {finished_job[:8]} (successful) · Swath</title>" in text
    assert "status-successful" in text and "Finished." in text
    assert "<dt>Started</dt>" in text and " UTC</time>" in text
    assert ">Job results</a>" in text and ">Job log</a>" in text and ">STAC catalog</a>" in text
    assert "Job succeeded." in text  # the end of the job's log, inline
    assert 'http-equiv="refresh"' not in text


def test_a_running_job_page_follows_the_job_with_its_script_instead_of_reloading(client: httpx.Client) -> None:
    job_id = submit(client, ensure_deployed(client, "sleeper"), {"inputs": {"seconds": 20}})
    try:
        wait_for_status(client, job_id, {"running"})
        text = page(client, f"/jobs/{job_id}")
        assert 'http-equiv="refresh"' not in text
        assert "This page follows the job as it runs." in text
        assert '<script type="module" src="http://127.0.0.1' in text and "/static/js/job.js" in text
        assert 'data-final="false"' in text and ">Dismiss the job</button>" in text
    finally:
        client.delete(f"/jobs/{job_id}")


def test_no_page_holds_an_inline_script_or_style(client: httpx.Client, finished_job: str) -> None:
    process = ensure_deployed(client, "greet")
    for path in ("/", "/processes", f"/processes/{process}", "/jobs", f"/jobs/{finished_job}", "/deploy"):
        text = page(client, path)
        assert "<style" not in text and " style=" not in text, path
        for tag in text.split("<script")[1:]:
            assert tag.lstrip().startswith('type="module" src=') or tag.lstrip().startswith("src="), path


def test_a_job_s_inputs_are_served_as_an_execute_request_to_run_it_again(
    client: httpx.Client, finished_job: str
) -> None:
    request = client.get(f"/jobs/{finished_job}/inputs").json()
    assert request == {"inputs": {"name": "Ada"}, "outputs": {}}
    again = submit(client, ensure_deployed(client, "greet"), request)
    assert wait_for_status(client, again)["status"] == "successful"
    assert client.get(f"/jobs/{again}/inputs").json() == request


def test_an_invalid_input_names_the_input_in_the_exception_document(client: httpx.Client) -> None:
    response = client.post(f"/processes/{ensure_deployed(client, 'greet')}/execution", json={"inputs": {}})
    assert response.status_code == 400
    problem = response.json()
    assert problem["input"] == "name"
    assert problem["detail"] == "Input 'name' is required but missing."


def test_the_results_page_shows_values_and_file_links_with_media_types(client: httpx.Client, finished_job: str) -> None:
    text = page(client, f"/jobs/{finished_job}/results")
    assert f"<title>Results of job {finished_job[:8]} · Swath</title>" in text
    assert '<code class="value">10</code>' in text  # len("Hello, Ada")
    greeting = client.get(f"/jobs/{finished_job}/results").json()["greeting"]
    assert f'<a href="{greeting["href"]}" type="text/plain">greeting.txt</a>' in text
    assert '<span class="media-type">text/plain</span>' in text
    assert ">STAC catalog</a>" in text


def test_a_literal_output_shaped_like_a_javascript_link_is_shown_as_text(client: httpx.Client) -> None:
    process = ensure_deployed(client, "link-shaped")
    job_id = submit(client, process, {"inputs": {"href": "javascript:alert(document.domain)"}})
    assert wait_for_status(client, job_id)["status"] == "successful"
    text = page(client, f"/jobs/{job_id}/results")
    assert "&#34;href&#34;: &#34;javascript:alert(document.domain)&#34;" in text
    assert 'href="javascript:' not in text
    assert ">click me</a>" not in text


def test_the_collection_pages_show_the_items_a_job_filed(client: httpx.Client, finished_job: str) -> None:
    assert f">{COLLECTION}</a>" in page(client, "/collections")
    collection = page(client, f"/collections/{COLLECTION}")
    assert f"<title>Collection {COLLECTION} · Swath</title>" in collection
    assert "Browse the items" in collection
    items = page(client, f"/collections/{COLLECTION}/items")
    assert f"<code>{finished_job}-greeting</code>" in items
    assert "text/plain" in items


def test_an_unknown_job_asked_for_as_html_is_an_html_404_page(client: httpx.Client) -> None:
    text = page(client, "/jobs/no-such-job", status=404)
    assert "<title>No such job (404) · Swath</title>" in text
    assert "no-such-job" in text
    assert client.get("/jobs/no-such-job").headers["content-type"] == "application/problem+json"


def test_an_unknown_process_asked_for_as_html_is_an_html_404_page(client: httpx.Client) -> None:
    response = client.get("/processes/nothing-here", params={"f": "html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "No such process" in response.text
    assert "No process with id &#39;nothing-here&#39; is deployed." in response.text


def test_an_invalid_parameter_asked_for_as_html_is_an_html_400_page(client: httpx.Client) -> None:
    text = page(client, "/jobs?status=finished", status=400)
    assert "status &#39;finished&#39; is not a job status" in text


def test_the_stylesheet_is_served(client: httpx.Client) -> None:
    response = client.get("/static/swath.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ".status-failed" in response.text


def test_chromium_shows_the_job_page_with_its_status_results_and_log(
    server: Server, finished_job: str, tmp_path: Path
) -> None:
    dom = dump_dom(f"{server.url}/jobs/{finished_job}", tmp_path / "profile")
    assert f"Job {finished_job[:8]} (successful)" in dom
    assert '<span class="badge status-successful">successful</span>' in dom
    assert ">Job results</a>" in dom
    assert "Job succeeded." in dom


def test_chromium_shows_the_process_page_with_its_inputs_and_example(server: Server, tmp_path: Path) -> None:
    with httpx.Client(base_url=server.url) as http:
        process = ensure_deployed(http, "greet")
    dom = dump_dom(f"{server.url}/processes/{process}", tmp_path / "profile")
    assert "<h1>Greet someone</h1>" in dom
    assert "Who to greet" in dom
    assert "curl -X POST" in dom


def test_chromium_renders_the_job_page_as_a_screenshot(server: Server, finished_job: str, tmp_path: Path) -> None:
    png = screenshot(f"{server.url}/jobs/{finished_job}", tmp_path / "page.png", tmp_path / "profile")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 10_000  # a rendered page, not a blank one
