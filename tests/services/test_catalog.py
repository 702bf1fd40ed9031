"""The application catalog without HTTP: real cwltool validation on a fresh, migrated SQLite file."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from swath.errors import (
    ApplicationInUse,
    ApplicationVersionExists,
    InvalidApplication,
    NoSuchApplication,
    UnsupportedMediaType,
)
from swath.services import catalog
from swath.services.catalog import ApplicationQuery
from swath.services.context import ServiceContext
from swath.services.identity import Identity, Role
from swath.services.processes import deploy_process
from swath.settings import Settings
from swath.storage import LocalStorage
from swath.store.database import create_database_engine, create_session_factory, migrate
from tests.conftest import DATA
from tests.services.test_jobs import RecordingExecutor

CATALOG = DATA / "catalog"
STAC_APP = (CATALOG / "stac-app.cwl").read_bytes()
PLAIN_TOOL = (CATALOG / "plain-tool.cwl").read_bytes()
CWL = "application/cwl+yaml"
ADA = Identity("ada", Role.deployer)


@pytest.fixture
def context(tmp_path: Path) -> Iterator[ServiceContext]:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'swath.db'}")
    engine = create_database_engine(settings.resolved_database_url)
    migrate(engine)
    yield ServiceContext(
        settings=settings,
        sessions=create_session_factory(engine),
        storage=LocalStorage(tmp_path / "outputs", "http://testserver"),
        executor=RecordingExecutor(),
    )
    engine.dispose()


def zipped(folder: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_a_registered_version_keeps_the_name_version_checksum_registrant_and_schema_org_metadata(
    context: ServiceContext,
) -> None:
    registration = catalog.register_application(context, STAC_APP, CWL, ADA)
    version = registration.version
    assert registration.created
    assert (version.name, version.version, version.registered_by) == ("stac-app", "1.2.0", "ada")
    assert version.checksum.startswith("sha256:") and len(version.checksum) == 71
    assert version.metadata["keywords"] == ["stac", "statistics"]
    assert version.metadata["author"] == ["Ada Lovelace"]
    assert version.metadata["license"] == "Apache-2.0"
    assert version.metadata["codeRepository"] == "https://git.example.org/ada/stac-app"
    assert version.metadata["name"] == "STAC band statistics"
    assert version.metadata["containers"] == [
        "docker.example.org/stac-tools@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    ]
    assert catalog.get_version(context, "stac-app", "1.2.0", ADA).files == {"package.cwl": STAC_APP}


def test_a_graph_whose_entry_is_main_is_named_by_its_top_level_id_as_deploy_names_it(
    context: ServiceContext,
) -> None:
    package = (Path(__file__).parents[2] / "swath" / "examples" / "stac-band-stats.cwl").read_bytes()
    registration = catalog.register_application(context, package, CWL, ADA)
    assert registration.version.name == "stac-band-stats"
    deployed = deploy_process(context, package, CWL, ADA)
    assert deployed.id == registration.version.name


def test_a_package_that_follows_the_best_practice_has_no_warnings(context: ServiceContext) -> None:
    assert catalog.register_application(context, STAC_APP, CWL, ADA).version.warnings == []


def test_departures_from_the_best_practice_are_kept_as_warnings_with_the_version(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA)
    warnings = catalog.get_version(context, "plain-tool", "1.0.0", ADA).warnings
    assert warnings == [
        "The entry point is a CommandLineTool, not a Workflow; the best practice wraps CommandLineTools in one "
        "Workflow.",
        "CommandLineTool 'plain-tool' has no DockerRequirement; the best practice names an image.",
        "CommandLineTool 'plain-tool' has no ResourceRequirement; state the cores and RAM it uses.",
        "No input is a Directory; the best practice passes products as Directories holding a STAC catalog.",
        "No output is a Directory; the best practice returns products as a Directory holding a STAC catalog.",
        "The package has no s:softwareVersion; the version was given at registration or defaulted.",
    ]


def test_an_invalid_package_is_refused_with_every_problem_and_its_line(context: ServiceContext) -> None:
    with pytest.raises(InvalidApplication) as refused:
        catalog.register_application(context, (CATALOG / "two-problems.cwl").read_bytes(), CWL, ADA)
    problems = refused.value.errors
    assert len(problems) == 2
    assert problems[0].startswith("package.cwl:8:20: the 'inputs' field is not valid")
    assert "'first'\" is not int" in problems[0]
    assert problems[1].startswith("package.cwl:4:1: invalid field 'baseComand', expected one of:")
    assert refused.value.detail == "The package is not valid CWL: 2 problem(s), listed in `errors`."
    assert not any("/tmp" in problem for problem in problems)
    with pytest.raises(NoSuchApplication):
        catalog.list_versions(context, "two-problems", ADA)


def test_registering_the_same_content_again_is_a_no_op(context: ServiceContext) -> None:
    first = catalog.register_application(context, STAC_APP, CWL, ADA)
    again = catalog.register_application(context, STAC_APP, CWL, Identity("bob", Role.deployer))
    assert not again.created
    assert again.version.pk == first.version.pk and again.version.registered_by == "ada"
    assert len(catalog.list_versions(context, "stac-app", ADA)) == 1


def test_the_same_name_and_version_with_other_content_is_refused(context: ServiceContext) -> None:
    catalog.register_application(context, STAC_APP, CWL, ADA)
    changed = STAC_APP.replace(b"Counts the items", b"Counts all the items")
    with pytest.raises(ApplicationVersionExists, match=r"version '1\.2\.0' is registered with other content"):
        catalog.register_application(context, changed, CWL, ADA)
    assert catalog.get_version(context, "stac-app", "1.2.0", ADA).files["package.cwl"] == STAC_APP


def test_a_name_and_version_given_at_registration_win_over_the_package(context: ServiceContext) -> None:
    version = catalog.register_application(context, PLAIN_TOOL, CWL, ADA, name="echoer", version="2.0").version
    assert (version.name, version.version) == ("echoer", "2.0")


def test_a_zip_of_a_multi_file_package_keeps_every_file_and_loads_its_entry(context: ServiceContext) -> None:
    version = catalog.register_application(context, zipped(CATALOG / "multi", "multi/"), "application/zip", ADA).version
    assert (version.name, version.version, version.entry_path) == ("multi-app", "0.1.0", "main.cwl")
    stored = catalog.get_version(context, "multi-app", "0.1.0", ADA).files
    assert set(stored) == {"main.cwl", "tools/say.cwl"}
    assert stored["tools/say.cwl"] == (CATALOG / "multi" / "tools" / "say.cwl").read_bytes()


def test_a_zip_whose_step_file_is_missing_is_refused_naming_it(context: ServiceContext, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "main.cwl").write_bytes((CATALOG / "multi" / "main.cwl").read_bytes())
    with pytest.raises(InvalidApplication) as refused:
        catalog.register_application(context, zipped(folder), "application/zip", ADA)
    assert "tools/say.cwl" in " ".join(refused.value.errors)


def test_a_zip_member_that_leaves_the_package_is_refused(context: ServiceContext) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.cwl", PLAIN_TOOL)
        archive.writestr("../escape.cwl", PLAIN_TOOL)
    with pytest.raises(Exception, match="leaves the package"):
        catalog.register_application(context, buffer.getvalue(), "application/zip", ADA)


def test_a_media_type_the_catalog_does_not_read_is_refused(context: ServiceContext) -> None:
    with pytest.raises(UnsupportedMediaType):
        catalog.register_application(context, STAC_APP, "text/plain", ADA)


def test_search_finds_applications_by_name_keyword_and_author(context: ServiceContext) -> None:
    catalog.register_application(context, STAC_APP, CWL, ADA)
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA)

    def names(**query: str) -> list[str]:
        return [version.name for version in catalog.search_applications(context, ApplicationQuery(**query), ADA)]

    assert names() == ["plain-tool", "stac-app"]
    assert names(name="PLAIN") == ["plain-tool"]
    assert names(keyword="stac") == ["stac-app"]
    assert names(author="lovelace") == ["stac-app"]
    assert names(author="nobody") == []


def test_deleting_a_version_removes_it_and_its_files(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA)
    catalog.delete_version(context, "plain-tool", "1.0.0", ADA)
    with pytest.raises(NoSuchApplication, match="No application named 'plain-tool'"):
        catalog.get_version(context, "plain-tool", "1.0.0", ADA)


def test_a_version_a_live_process_runs_is_kept_unless_the_deletion_is_forced(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA)
    deploy_process(context, PLAIN_TOOL, CWL, ADA)
    with pytest.raises(ApplicationInUse, match=r"deployed as process 'plain-tool:1\.0\.0'"):
        catalog.delete_version(context, "plain-tool", "1.0.0", ADA)
    catalog.delete_version(context, "plain-tool", "1.0.0", ADA, force=True)
    assert catalog.search_applications(context, ApplicationQuery(), ADA) == []


def test_a_missing_version_of_a_known_application_is_named(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA)
    with pytest.raises(NoSuchApplication, match="'plain-tool' has no version '9'"):
        catalog.get_version(context, "plain-tool", "9", ADA)


def apppkg_linking(href: str) -> bytes:
    return json.dumps({"executionUnit": {"href": href, "type": "application/cwl+yaml"}}).encode()


def test_a_process_deployed_from_a_catalog_version_records_it_and_its_checksum(context: ServiceContext) -> None:
    registered = catalog.register_application(context, PLAIN_TOOL, CWL, ADA).version
    href = f"{context.settings.resolved_public_url}/applications/plain-tool/versions/1.0.0/package"
    process = deploy_process(context, apppkg_linking(href), "application/ogcapppkg+json", ADA)
    assert (process.application_name, process.application_version) == ("plain-tool", "1.0.0")
    assert process.package_checksum == registered.checksum


def test_a_trs_descriptor_url_of_this_server_deploys_that_version(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA, version="4.0")
    href = f"{context.settings.resolved_public_url}/ga4gh/trs/v2/tools/plain-tool/versions/4.0/PLAIN_CWL/descriptor"
    process = deploy_process(context, apppkg_linking(href), "application/ogcapppkg+json", ADA)
    assert (process.id, process.application_version) == ("plain-tool", "4.0")


def test_a_link_to_a_missing_catalog_version_refuses_the_deploy(context: ServiceContext) -> None:
    href = f"{context.settings.resolved_public_url}/applications/plain-tool/versions/1.0.0"
    with pytest.raises(NoSuchApplication, match="No application named 'plain-tool'"):
        deploy_process(context, apppkg_linking(href), "application/ogcapppkg+json", ADA)


def test_a_multi_file_version_deploys_as_its_packed_document(context: ServiceContext) -> None:
    registered = catalog.register_application(context, zipped(CATALOG / "multi"), "application/zip", ADA).version
    href = f"{context.settings.resolved_public_url}/applications/multi-app/versions/0.1.0"
    process = deploy_process(context, apppkg_linking(href), "application/ogcapppkg+json", ADA)
    assert (process.id, process.version, process.application_name) == ("multi-app", "0.1.0", "multi-app")
    assert process.package_checksum == registered.checksum
    assert process.cwl is not None and process.cwl["$graph"][0]["id"] == "#main"
    assert list(process.description.inputs) == ["message"]


def test_a_process_deployed_from_its_bytes_records_their_checksum(context: ServiceContext) -> None:
    process = deploy_process(context, PLAIN_TOOL, CWL, ADA)
    assert process.package_checksum == "sha256:" + hashlib.sha256(PLAIN_TOOL).hexdigest()
    assert process.application_name is None


def test_a_catalog_address_is_recognised_only_on_this_server() -> None:
    public = "http://swath.example:8000"
    assert catalog.catalog_reference(f"{public}/applications/a%20b/versions/1.0", public) == ("a b", "1.0")
    assert catalog.catalog_reference(f"{public}/api/ga4gh/v2/tools/a/versions/2/CWL/files", public) == ("a", "2")
    assert catalog.catalog_reference("http://other.example:8000/applications/a/versions/1.0", public) is None
    assert catalog.catalog_reference(f"{public}/applications/a", public) is None


def test_a_version_deployed_under_another_process_id_is_kept_unless_forced(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA, name="renamed", version="7")
    href = f"{context.settings.resolved_public_url}/applications/renamed/versions/7"
    deploy_process(context, apppkg_linking(href), "application/ogcapppkg+json", ADA)
    with pytest.raises(ApplicationInUse, match=r"deployed as process 'plain-tool:1\.0\.0'"):
        catalog.delete_version(context, "renamed", "7", ADA)
    catalog.delete_version(context, "renamed", "7", ADA, force=True)


# Visibility -------------------------------------------------------------------------------------------------------

BOB = Identity("bob", Role.user)
CAROL = Identity("carol", Role.deployer, groups=("sounder",))
ADMIN = Identity("root", Role.admin)


def test_a_restricted_version_is_seen_by_its_registrant_those_named_and_admins_only(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA, visible_to=("bob",))
    for viewer in (ADA, BOB, ADMIN):
        assert catalog.get_version(context, "plain-tool", "1.0.0", viewer).visible_to == ("bob",)
        assert [found.name for found in catalog.search_applications(context, ApplicationQuery(), viewer)] == [
            "plain-tool"
        ]
    with pytest.raises(NoSuchApplication, match="No application named 'plain-tool'"):
        catalog.get_version(context, "plain-tool", "1.0.0", CAROL)
    with pytest.raises(NoSuchApplication):
        catalog.list_versions(context, "plain-tool", CAROL)
    assert catalog.search_applications(context, ApplicationQuery(), CAROL) == []


def test_a_version_shown_to_a_group_is_seen_by_its_members(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA, visible_to=("group:sounder",))
    assert catalog.get_version(context, "plain-tool", "1.0.0", CAROL).name == "plain-tool"
    with pytest.raises(NoSuchApplication):
        catalog.get_version(context, "plain-tool", "1.0.0", BOB)


def test_search_shows_the_newest_version_the_viewer_may_see(context: ServiceContext) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA, version="1")
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA, version="2", visible_to=("ada",))
    assert [found.version for found in catalog.search_applications(context, ApplicationQuery(), BOB)] == ["1"]
    assert [found.version for found in catalog.search_applications(context, ApplicationQuery(), ADA)] == ["2"]


def test_a_restricted_version_is_neither_deployed_nor_deleted_by_those_it_is_hidden_from(
    context: ServiceContext,
) -> None:
    catalog.register_application(context, PLAIN_TOOL, CWL, ADA, visible_to=("bob",))
    href = f"{context.settings.resolved_public_url}/applications/plain-tool/versions/1.0.0"
    with pytest.raises(NoSuchApplication):
        deploy_process(context, apppkg_linking(href), "application/ogcapppkg+json", CAROL)
    with pytest.raises(NoSuchApplication):
        catalog.delete_version(context, "plain-tool", "1.0.0", CAROL)
    assert catalog.get_version(context, "plain-tool", "1.0.0", ADA).name == "plain-tool"
