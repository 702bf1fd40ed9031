"""The web interface in a real browser: Playwright driving Debian's Chromium against a real server.

Every page is served with the strict Content-Security-Policy (`default-src 'self'`) the authentication work will
send, so a page that needed an inline script or style would fail here with a console error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DATA, REPO, Server
from tests.e2e.browser import (
    PLAYWRIGHT_ARGUMENTS,
    ConsoleErrors,
    chromium,
    save_screenshot,
    serious_accessibility_violations,
    with_strict_csp,
)
from tests.e2e.helpers import ensure_deployed, submit, wait_for_status

sync_api = pytest.importorskip("playwright.sync_api")

SAMPLE_CATALOG = REPO / "swath" / "examples" / "data" / "sample-catalog" / "catalog.json"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=PLAYWRIGHT_ARGUMENTS)
        yield launched
        launched.close()


def _open_context(browser: Any, errors: ConsoleErrors, color_scheme: str = "light") -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", with_strict_csp)
    context.on("page", errors.watch)
    return context


@pytest.fixture
def errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(browser: Any, errors: ConsoleErrors) -> Iterator[Any]:
    """A page whose console must stay free of errors for the whole test."""
    context = _open_context(browser, errors)
    opened = context.new_page()
    yield opened
    context.close()
    assert errors.unexpected == []


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def greeted(http: httpx.Client) -> str:
    """A successful greet job, filed into a collection so that the collection pages have an item."""
    job_id = submit(http, ensure_deployed(http, "greet"), {"inputs": {"name": "Ada"}, "collection": "WEB_PAGES___1"})
    assert wait_for_status(http, job_id)["status"] == "successful"
    return job_id


@pytest.fixture(scope="module")
def mapped(http: httpx.Client) -> str:
    """A successful stac-band-stats job (an example process), whose output items carry footprints."""
    job_id = submit(http, "stac-band-stats", {"inputs": {"input_catalog": {"href": SAMPLE_CATALOG.as_uri()}}})
    assert wait_for_status(http, job_id, timeout=120)["status"] == "successful"
    return job_id


@pytest.fixture(scope="module")
def catalogued(http: httpx.Client) -> str:
    """A catalog version with best-practice warnings and schema.org metadata: the version page's address."""
    package = (DATA / "catalog" / "stac-app.cwl").read_bytes()
    for body, params in [(package, {}), ((DATA / "catalog" / "plain-tool.cwl").read_bytes(), {"name": "web-tool"})]:
        response = http.post(
            "/applications", content=body, params=params, headers={"Content-Type": "application/cwl+yaml"}
        )
        assert response.status_code in (200, 201), response.text
    return "/applications/web-tool/versions/1.0.0"


def _main_pages(http: httpx.Client, greeted: str, mapped: str, catalogued: str) -> dict[str, str]:
    process = ensure_deployed(http, "greet")
    return {
        "applications": "/applications",
        "application": "/applications/stac-app",
        "application-version": catalogued,
        "landing": "/",
        "processes": "/processes",
        "process": f"/processes/{process}",
        "deploy": "/deploy",
        "jobs": "/jobs",
        "job": f"/jobs/{greeted}",
        "job-map": f"/jobs/{mapped}",
        "results": f"/jobs/{greeted}/results",
        "collections": "/collections",
        "collection": "/collections/WEB_PAGES___1",
        "items": "/collections/WEB_PAGES___1/items",
        "conformance": "/conformance",
    }


def _settle(page: Any) -> None:
    """Wait until the page's scripts have done their first work: the form built, the map drawn."""
    page.wait_for_load_state("networkidle")
    if page.locator("#execute-fields").count():
        page.wait_for_selector("#execute-fields .field, #execute-fields p:not(:has-text('Loading'))")
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-footprints]")


def test_every_page_loads_without_console_errors_under_a_strict_csp_and_is_saved_as_a_screenshot(
    browser: Any, http: httpx.Client, server: Server, greeted: str, mapped: str, catalogued: str
) -> None:
    for scheme in ("light", "dark"):
        errors = ConsoleErrors()
        context = _open_context(browser, errors, scheme)
        page = context.new_page()
        for name, path in _main_pages(http, greeted, mapped, catalogued).items():
            response = page.goto(server.url + path)
            assert response is not None and response.status == 200, path
            assert response.headers["content-security-policy"] == "default-src 'self'"
            _settle(page)
            save_screenshot(page, f"{name}-{scheme}")
        context.close()
        assert errors.unexpected == []


def test_axe_core_finds_no_serious_accessibility_violation_on_any_page_in_light_or_dark_mode(
    browser: Any, http: httpx.Client, server: Server, greeted: str, mapped: str, catalogued: str
) -> None:
    found: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        context = _open_context(browser, ConsoleErrors(), scheme)
        page = context.new_page()
        for name, path in _main_pages(http, greeted, mapped, catalogued).items():
            page.goto(server.url + path)
            _settle(page)
            violations = serious_accessibility_violations(page)
            if violations:
                found[f"{name} ({scheme})"] = violations
        context.close()
    assert found == {}


def test_the_form_runs_literal_enum_array_uploaded_file_and_file_url_inputs_and_the_page_follows_the_job(
    page: Any, http: httpx.Client, server: Server, tmp_path: Path
) -> None:
    process = ensure_deployed(http, "form-kinds")
    notes = tmp_path / "field notes.txt"
    notes.write_text("notes from the field\n")
    page.goto(f"{server.url}/processes/{process}")
    form = page.locator("#execute-form")
    form.get_by_label("Title of the report").fill("Report one")
    assert form.get_by_label("How many times").input_value() == "2"  # the default, filled in
    form.get_by_label("Speed").select_option(label="fast")
    form.get_by_label("Words, item 1").fill("alpha")
    form.get_by_role("button", name="Add an item to Words").click()
    form.get_by_label("Words, item 2").fill("beta")
    form.get_by_role("button", name="Add an item to Words").click()
    form.get_by_role("button", name="Remove item 3 of Words").click()
    assert page.locator("[data-input=comment] .optional-mark").is_visible()
    page.locator("[data-input=notes] input[type=file]").set_input_files(str(notes))
    page.wait_for_selector("[data-input=notes] .upload-state:has-text('Uploaded')")
    assert page.locator("[data-input=notes] progress").get_attribute("value") == "100"
    uploaded = page.locator("[data-input=notes] input[type=url]").input_value()
    assert uploaded.startswith(f"{server.url}/files/") and uploaded.endswith("/field_notes.txt")
    page.locator("[data-input=extra] input[type=url]").fill((DATA / "e2e" / "greet.cwl").as_uri())
    form.get_by_role("button", name="Run").click()

    page.wait_for_url("**/jobs/*")
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.wait_for_selector("#job-status .status-successful")
    assert page.evaluate("() => window.stillTheSamePage") is True  # followed live, not reloaded
    assert page.locator("#job-progress .percent").inner_text() == "100 %"
    page.wait_for_selector("#results-section a:has-text('report.txt')")
    assert page.locator("#results-section td.number").first.inner_text().endswith(" B")
    with page.expect_download() as download:
        page.locator("#results-section a:has-text('report.txt')").click()
    report = Path(download.value.path()).read_text()
    assert report.startswith("title=Report one count=2 speed=fast words=alpha,beta\nnotes from the field\n")
    assert "id: greet" in report  # the file given by URL
    assert page.locator("#log-text").inner_text().count("Job succeeded.") == 1  # followed, each line once


def test_a_stac_directory_input_is_previewed_and_the_job_page_maps_the_footprints_of_its_items(
    page: Any, http: httpx.Client, server: Server, mapped: str
) -> None:
    catalog = http.get(f"/jobs/{mapped}/results").json()["output"]["href"]
    page.goto(f"{server.url}/processes/stac-band-stats")
    page.get_by_label("Input STAC catalog").fill(catalog)
    page.get_by_role("button", name="Preview the STAC items").click()
    preview = page.locator("[data-input=input_catalog] .stac-preview")
    preview.locator("text=2 item(s) in the catalog").wait_for()
    assert "field-a" in preview.inner_text() and "field-b" in preview.inner_text()
    page.get_by_role("button", name="Run").click()

    page.wait_for_url("**/jobs/*")
    assert mapped not in page.url
    page.wait_for_selector("#job-status .status-successful", timeout=120_000)
    page.wait_for_selector("#map[data-footprints='2']")
    assert page.locator("#map path.footprint").count() == 2
    assert page.locator("#stac-items li").count() == 2
    save_screenshot(page, "job-with-map-live")


def test_a_running_job_is_dismissed_from_its_page(page: Any, http: httpx.Client, server: Server) -> None:
    job_id = submit(http, ensure_deployed(http, "sleeper"), {"inputs": {"seconds": 30}})
    page.goto(f"{server.url}/jobs/{job_id}")
    page.wait_for_selector("#job-status .status-running")
    page.wait_for_selector("#log-text:has-text('starts')")  # the log, followed
    pause = page.locator("#log-pause")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true"
    assert pause.inner_text() == "Resume following"
    page.get_by_role("button", name="Dismiss the job").click()
    page.wait_for_selector("#job-status .status-dismissed")
    assert page.get_by_role("button", name="Dismiss the job").is_hidden()
    assert http.get(f"/jobs/{job_id}").json()["status"] == "dismissed"


def test_a_validation_error_from_the_server_appears_next_to_the_field_it_names(
    page: Any, errors: ConsoleErrors, http: httpx.Client, server: Server
) -> None:
    errors.expect("status of 400 (Bad Request) (http://127.0.0.1")
    page.goto(f"{server.url}/processes/{ensure_deployed(http, 'greet')}")
    page.locator("[data-input=name] input").wait_for()
    page.get_by_role("button", name="Run").click()
    error = page.locator("[data-input=name] .field-error")
    error.wait_for()
    assert error.inner_text() == "Input 'name' is required but missing."
    name = page.get_by_label("Who to greet")
    assert name.get_attribute("aria-invalid") == "true"
    assert name.evaluate("(node) => node === document.activeElement")
    assert page.locator("#execute-problem").is_hidden()
    assert page.url.endswith(f"/processes/{ensure_deployed(http, 'greet')}")


def test_the_skip_link_and_the_form_work_with_the_keyboard_alone(
    page: Any, errors: ConsoleErrors, http: httpx.Client, server: Server
) -> None:
    errors.expect("status of 400 (Bad Request) (http://127.0.0.1")
    page.goto(f"{server.url}/processes/{ensure_deployed(http, 'form-kinds')}")
    page.locator("[data-input=words] input").first.wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.get_by_role("button", name="Add an item to Words").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == page.get_by_label("Words, item 2").get_attribute("id")
    page.keyboard.type("typed")
    page.keyboard.press("Enter")  # implicit submission: the server refuses the missing inputs, the first one named
    page.locator("[data-input=title] .field-error").wait_for()
    assert page.evaluate("() => document.activeElement.id") == page.get_by_label("Title of the report").get_attribute(
        "id"
    )


def test_a_synchronous_run_shows_its_results_on_the_process_page(page: Any, http: httpx.Client, server: Server) -> None:
    page.goto(f"{server.url}/processes/{ensure_deployed(http, 'greet')}")
    page.get_by_label("Who to greet").fill("Grace")
    page.get_by_label("Synchronously: wait here for the results").check()
    page.get_by_role("button", name="Run").click()
    results = page.locator("#execute-results")
    results.locator("text=greeting.txt").wait_for()
    assert "12" in results.inner_text()  # len("Hello, Grace")


def test_re_run_starts_a_new_job_with_the_same_inputs(page: Any, server: Server, greeted: str) -> None:
    page.goto(f"{server.url}/jobs/{greeted}")
    page.get_by_role("button", name="Re-run with the same inputs").click()
    page.wait_for_url(lambda url: "/jobs/" in url and greeted not in url)
    page.wait_for_selector("#job-status .status-successful")
    assert "Ada" in page.locator("section[aria-labelledby=inputs]").inner_text()


def test_edit_and_run_again_opens_the_form_filled_with_the_job_s_inputs(
    page: Any, server: Server, greeted: str
) -> None:
    page.goto(f"{server.url}/jobs/{greeted}")
    page.get_by_role("link", name="Edit the inputs and run again").click()
    page.wait_for_url(f"**rerun={greeted}**")
    name = page.get_by_label("Who to greet")
    page.wait_for_function("() => document.querySelector('[data-input=name] input')?.value === 'Ada'")
    name.fill("Ada Lovelace")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector("#job-status .status-successful")
    assert "Ada Lovelace" in page.locator("section[aria-labelledby=inputs]").inner_text()


def test_the_job_list_filters_by_status_process_and_time_and_pages(
    page: Any, http: httpx.Client, server: Server
) -> None:
    process = ensure_deployed(http, "greet")
    for name in ("one", "two", "three"):
        wait_for_status(http, submit(http, process, {"inputs": {"name": name}}))
    wait_for_status(http, submit(http, ensure_deployed(http, "failing"), {"inputs": {}}))
    page.goto(f"{server.url}/jobs?limit=2")
    page.get_by_label("Status").select_option("successful")
    page.get_by_label("Process").fill(process)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**status=successful**")
    rows = page.locator("#job-table tbody tr")
    assert rows.count() == 2
    first_page = rows.locator("th").all_inner_texts()
    for text in rows.locator("td.job-status").all_inner_texts() + rows.locator("td:nth-child(3)").all_inner_texts():
        assert text in ("successful", process)
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**after=**")
    assert rows.count() >= 1
    assert not set(rows.locator("th").all_inner_texts()) & set(first_page)
    page.get_by_role("link", name="← Newer").click()
    page.wait_for_url("**before=**")
    assert rows.locator("th").all_inner_texts() == first_page
    page.get_by_label("Created from (UTC)").fill("2999-01-01T00:00:00")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**datetime=**")
    assert page.locator("text=No job matches.").is_visible()


def test_the_job_list_follows_a_running_job_without_a_reload(page: Any, http: httpx.Client, server: Server) -> None:
    process = ensure_deployed(http, "sleeper")
    job_id = submit(http, process, {"inputs": {"seconds": 30}})
    page.goto(f"{server.url}/jobs?processID={process}")
    page.evaluate("() => { window.stillTheSamePage = true; }")
    row = page.locator(f"tr[data-job$='/jobs/{job_id}']")
    row.locator(".status-running").wait_for()
    http.delete(f"/jobs/{job_id}")
    row.locator(".status-dismissed").wait_for()
    assert page.evaluate("() => window.stillTheSamePage") is True


def test_the_deploy_page_shows_cwltools_messages_and_deploys_a_valid_package(
    page: Any, errors: ConsoleErrors, server: Server, tmp_path: Path
) -> None:
    errors.expect("status of 400 (Bad Request) (http://127.0.0.1")
    page.goto(f"{server.url}/deploy")
    page.get_by_label("Package (YAML or JSON)").fill((DATA / "packages" / "typo.cwl").read_text())
    page.get_by_role("button", name="Deploy").click()
    problem = page.locator("#deploy-problem")
    problem.wait_for()
    assert "baseComand" in problem.inner_text()
    package = tmp_path / "web-deployed.cwl"
    package.write_text((DATA / "e2e" / "greet.cwl").read_text().replace("id: greet", "id: web-deployed"))
    page.locator("#package-file").set_input_files(str(package))
    page.wait_for_function("() => document.getElementById('package-text').value.includes('web-deployed')")
    page.get_by_role("button", name="Deploy").click()
    link = page.locator("#deploy-status a")
    link.wait_for()
    assert "web-deployed" in link.inner_text()
    link.click()
    page.wait_for_selector("h1:has-text('Greet someone')")


def test_the_catalog_is_searched_and_a_version_shows_its_warnings_metadata_and_files_and_deploys(
    page: Any, server: Server, catalogued: str
) -> None:
    page.goto(f"{server.url}/applications")
    page.get_by_label("Keyword").fill("stac")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/applications?**keyword=stac**")
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "stac-app" in rows.inner_text()
    page.get_by_role("link", name="stac-app").click()
    page.get_by_role("link", name="1.2.0").click()
    facts = page.locator("#metadata ~ dl").inner_text()
    assert "Ada Lovelace" in facts and "Apache-2.0" in facts and "docker.example.org/stac-tools@sha256:" in facts
    assert (
        "None: the package follows the best practice." in page.locator("section[aria-labelledby=warnings]").inner_text()
    )

    page.goto(server.url + catalogued)
    warnings = page.locator("ul.warnings li")
    assert "has no DockerRequirement" in warnings.all_inner_texts()[1]
    page.get_by_role("link", name="package.cwl").click()
    assert "baseCommand" in page.locator("body").inner_text()
    page.go_back()
    page.get_by_role("button", name="Deploy web-tool 1.0.0").click()
    link = page.locator("#catalog-deploy-status a")
    link.wait_for()
    assert link.inner_text() == "web-tool:1.0.0"
    link.click()
    page.wait_for_selector("a[href$='/applications/web-tool/versions/1.0.0']")
