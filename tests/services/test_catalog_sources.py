"""Where catalog packages come from: zips read within bounds, an href, a git repository; real git, a real loopback
HTTP server, real cwltool."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import io
import json
import socket
import stat
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from swath.errors import AddressRefused, ContentTooLarge, InvalidPackage
from swath.services import catalog
from swath.services.context import ServiceContext
from swath.services.processes import deploy_process
from tests.services.test_catalog import ADA, CATALOG, PLAIN_TOOL, apppkg_linking, context, zipped

__all__ = ["context"]  # the fixture, shared with the catalog's other tests

ZIP = "application/zip"
MULTI = CATALOG / "multi"


def with_settings(context: ServiceContext, **changes: Any) -> ServiceContext:
    return dataclasses.replace(context, settings=context.settings.model_copy(update=changes))


def zip_of(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def multi_members() -> dict[str, bytes]:
    return {path.relative_to(MULTI).as_posix(): path.read_bytes() for path in sorted(MULTI.rglob("*.cwl"))}


# Zips -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["/etc/passwd", "../escape.cwl", "tools/../../escape.cwl", "C:\\escape.cwl"])
def test_a_zip_member_that_leaves_the_package_is_refused_naming_it(context: ServiceContext, name: str) -> None:
    body = zip_of({**multi_members(), name: PLAIN_TOOL})
    with pytest.raises(InvalidPackage, match="leaves the package") as refused:
        catalog.register_application(context, body, ZIP, ADA)
    assert name in refused.value.detail


def test_a_zip_member_that_is_a_symbolic_link_is_refused_naming_it(context: ServiceContext) -> None:
    body = zip_of({**multi_members(), "tools/secret.cwl": b"/etc/shadow"}, links=("tools/secret.cwl",))
    with pytest.raises(InvalidPackage, match=r"'tools/secret\.cwl' is a symbolic link"):
        catalog.register_application(context, body, ZIP, ADA)


def test_a_zip_that_inflates_past_the_limit_is_refused_naming_the_member(context: ServiceContext) -> None:
    # 8 MiB of zeros deflate to ~8 KiB: the body is small, what it unpacks to is not.
    body = zip_of({**multi_members(), "data/zeros.txt": bytes(8 * 1024**2)})
    assert len(body) < 64 * 1024
    limited = with_settings(context, max_package_unpacked_size=1024**2)
    with pytest.raises(ContentTooLarge, match=r"more than 1,048,576 bytes \(at 'data/zeros\.txt'\)"):
        catalog.register_application(limited, body, ZIP, ADA)


def test_a_zip_whose_header_understates_a_size_is_refused_as_damaged(context: ServiceContext) -> None:
    body = bytearray(zip_of({**multi_members(), "data/zeros.txt": bytes(1024**2)}))
    # Rewrite the declared size of the last member, in its local header and the central directory, to 10 bytes.
    declared = (1024**2).to_bytes(4, "little")
    for at in [index for index in range(len(body) - 4) if body[index : index + 4] == declared]:
        body[at : at + 4] = (10).to_bytes(4, "little")
    with pytest.raises(InvalidPackage, match=r"'data/zeros\.txt' is damaged"):
        catalog.register_application(context, bytes(body), ZIP, ADA)


def test_a_zip_of_more_files_than_allowed_is_refused(context: ServiceContext) -> None:
    members = {**multi_members(), **{f"data/{index}.txt": b"x" for index in range(5)}}
    limited = with_settings(context, max_package_files=4)
    with pytest.raises(ContentTooLarge, match="holds more than 4 files"):
        catalog.register_application(limited, zip_of(members), ZIP, ADA)


def test_a_zip_holding_a_path_twice_is_refused(context: ServiceContext) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in multi_members().items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("main.cwl", PLAIN_TOOL)
    with pytest.raises(InvalidPackage, match=r"holds 'main\.cwl' twice"):
        catalog.register_application(context, buffer.getvalue(), ZIP, ADA)


def test_the_entry_file_of_a_package_with_several_workflows_is_named_at_registration(context: ServiceContext) -> None:
    members = multi_members()
    members["other.cwl"] = members["main.cwl"].replace(b"id: multi-app", b"id: other-app")
    with pytest.raises(InvalidPackage, match=r"not exactly one Workflow; name the entry file"):
        catalog.register_application(context, zip_of(members), ZIP, ADA)
    version = catalog.register_application(context, zip_of(members), ZIP, ADA, entry="other.cwl").version
    assert (version.name, version.entry_path) == ("other-app", "other.cwl")


def test_an_entry_file_the_package_does_not_hold_is_refused_naming_it(context: ServiceContext) -> None:
    with pytest.raises(InvalidPackage, match=r"The entry file 'nope\.cwl' is not in the package"):
        catalog.register_application(context, zip_of(multi_members()), ZIP, ADA, entry="nope.cwl")


def test_a_multi_file_version_keeps_every_file_and_its_packed_document(context: ServiceContext) -> None:
    catalog.register_application(context, zip_of(multi_members()), ZIP, ADA)
    version = catalog.get_version(context, "multi-app", "0.1.0", ADA)
    assert version.files == multi_members()
    assert version.packed is not None
    packed = json.loads(version.packed)
    assert packed["id"] == "multi-app"
    assert sorted(item["id"] for item in packed["$graph"]) == ["#main", "#say.cwl"]


def test_a_single_file_version_has_no_packed_document(context: ServiceContext) -> None:
    assert catalog.register_application(context, PLAIN_TOOL, "application/cwl+yaml", ADA).version.packed is None


def test_a_step_file_that_is_a_yaml_alias_bomb_is_refused_before_cwltool_expands_it(context: ServiceContext) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join(['*' + chr(97 + level)] * 10)}]\n" for level in range(7)
    )
    members = {**multi_members(), "tools/say.cwl": bomb.encode()}
    with pytest.raises(InvalidPackage, match=r"tools/say\.cwl stands for more than"):
        catalog.register_application(context, zip_of(members), ZIP, ADA)


# An href ----------------------------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on loopback serving a folder."""
    root = tmp_path / "web"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def href(url: str) -> bytes:
    return json.dumps({"href": url}).encode()


def test_a_zip_at_an_href_is_fetched_and_registered_with_its_source(
    context: ServiceContext, web_root: tuple[Path, str]
) -> None:
    root, url = web_root
    (root / "multi.zip").write_bytes(zipped(MULTI))
    allowed = with_settings(context, allowed_networks=["127.0.0.0/8"])
    version = catalog.register_application(allowed, href(f"{url}/multi.zip"), "application/json", ADA).version
    assert set(version.files) == {"main.cwl", "tools/say.cwl"}
    assert version.metadata["source"] == {"href": f"{url}/multi.zip"}


def test_a_cwl_document_at_an_href_is_registered_as_one_file(
    context: ServiceContext, web_root: tuple[Path, str]
) -> None:
    root, url = web_root
    (root / "tool.cwl").write_bytes(PLAIN_TOOL)
    allowed = with_settings(context, allowed_networks=["127.0.0.0/8"])
    version = catalog.register_application(allowed, href(f"{url}/tool.cwl"), "application/json", ADA).version
    assert version.files == {"package.cwl": PLAIN_TOOL}


def test_an_href_on_a_loopback_address_is_refused_unless_allowed(
    context: ServiceContext, web_root: tuple[Path, str]
) -> None:
    root, url = web_root
    (root / "tool.cwl").write_bytes(PLAIN_TOOL)
    with pytest.raises(AddressRefused, match="leads to an address this server may not reach"):
        catalog.register_application(context, href(f"{url}/tool.cwl"), "application/json", ADA)


def test_an_href_larger_than_the_unpacked_limit_is_refused_as_it_arrives(
    context: ServiceContext, web_root: tuple[Path, str]
) -> None:
    root, url = web_root
    (root / "big.cwl").write_bytes(PLAIN_TOOL + b"#" * 2 * 1024**2)
    limited = with_settings(context, allowed_networks=["127.0.0.0/8"], max_package_unpacked_size=1024**2)
    with pytest.raises(ContentTooLarge, match=r"big\.cwl holds more than 1,048,576 bytes"):
        catalog.register_application(limited, href(f"{url}/big.cwl"), "application/json", ADA)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.cwl"])
def test_an_href_that_is_not_http_is_refused(context: ServiceContext, url: str) -> None:
    with pytest.raises(InvalidPackage, match="use an http or https URL"):
        catalog.register_application(context, href(url), "application/json", ADA)


def test_a_source_with_unknown_members_is_refused_naming_one(context: ServiceContext) -> None:
    body = json.dumps({"git": "https://example.org/r.git", "branch": "main"}).encode()
    with pytest.raises(InvalidPackage, match="'branch' is not one of its members"):
        catalog.register_application(context, body, "application/json", ADA)


# A git repository -------------------------------------------------------------------------------------------------

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.org",
    "PATH": "/usr/bin:/bin",
}


def git(folder: Path, *arguments: str) -> str:
    done = subprocess.run(["git", *arguments], cwd=folder, env=GIT_ENV, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A local repository: the multi-file package under `app/`, a README at the top, tagged `v1`."""
    folder = tmp_path / "repo"
    (folder / "app" / "tools").mkdir(parents=True)
    for path, content in multi_members().items():
        (folder / "app" / path).write_bytes(content)
    (folder / "README.md").write_text("An application.\n")
    git(folder, "init", "--quiet", "--initial-branch=main")
    git(folder, "add", ".")
    git(folder, "commit", "--quiet", "-m", "The application")
    git(folder, "tag", "v1")
    return folder


def from_git(url: str, **members: str) -> bytes:
    return json.dumps({"git": url, **members}).encode()


@pytest.fixture
def local_sources(context: ServiceContext) -> ServiceContext:
    return with_settings(context, allow_local_package_sources=True)


def test_a_git_repository_folder_at_a_tag_is_registered_with_its_commit(
    local_sources: ServiceContext, repository: Path
) -> None:
    body = from_git(repository.as_uri(), ref="v1", path="app")
    version = catalog.register_application(local_sources, body, "application/json", ADA).version
    assert (version.name, version.version, version.entry_path) == ("multi-app", "0.1.0", "main.cwl")
    assert set(version.files) == {"main.cwl", "tools/say.cwl"}
    assert version.metadata["source"] == {
        "git": repository.as_uri(),
        "commit": git(repository, "rev-parse", "HEAD"),
        "ref": "v1",
        "path": "app",
    }


def test_a_git_path_naming_a_file_makes_it_the_entry_and_a_commit_is_a_ref(
    local_sources: ServiceContext, repository: Path
) -> None:
    commit = git(repository, "rev-parse", "HEAD")
    (repository / "app" / "main.cwl").write_text("changed after the commit\n")
    git(repository, "commit", "--quiet", "-am", "Break it")
    body = from_git(str(repository), ref=commit, path="app/main.cwl")
    version = catalog.register_application(local_sources, body, "application/json", ADA).version
    assert version.entry_path == "main.cwl" and version.metadata["source"]["commit"] == commit


def test_a_local_repository_is_refused_unless_local_sources_are_allowed(
    context: ServiceContext, repository: Path
) -> None:
    for url in (repository.as_uri(), str(repository)):
        with pytest.raises(InvalidPackage, match="allow_local_package_sources"):
            catalog.register_application(context, from_git(url, path="app"), "application/json", ADA)


@pytest.mark.parametrize(
    "url",
    ["ssh://git@example.org/app.git", "git@example.org:app.git", "ext::sh -c touch% /tmp/pwned", "git://example.org/a"],
)
def test_git_transports_other_than_https_are_refused(local_sources: ServiceContext, url: str) -> None:
    with pytest.raises(InvalidPackage, match="the catalog clones https \\(or http\\) URLs only"):
        catalog.register_application(local_sources, from_git(url), "application/json", ADA)


def test_a_git_url_on_a_loopback_address_goes_through_the_address_check(local_sources: ServiceContext) -> None:
    with pytest.raises(AddressRefused):
        catalog.register_application(local_sources, from_git("http://127.0.0.1:9/app.git"), "application/json", ADA)


def test_a_missing_ref_is_refused_with_what_git_said(local_sources: ServiceContext, repository: Path) -> None:
    with pytest.raises(InvalidPackage, match=r"git could not fetch .*couldn't find remote ref nope"):
        catalog.register_application(local_sources, from_git(repository.as_uri(), ref="nope"), "application/json", ADA)


def test_a_symbolic_link_in_the_repository_is_refused_naming_it(
    local_sources: ServiceContext, repository: Path
) -> None:
    (repository / "app" / "tools" / "secret.cwl").symlink_to("/etc/passwd")
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "A link")
    with pytest.raises(InvalidPackage, match=r"'tools/secret\.cwl' is a symbolic link"):
        catalog.register_application(local_sources, from_git(str(repository), path="app"), "application/json", ADA)


def test_a_path_leaving_the_repository_is_refused(local_sources: ServiceContext, repository: Path) -> None:
    with pytest.raises(InvalidPackage, match="is not a path inside the repository"):
        catalog.register_application(local_sources, from_git(str(repository), path="../"), "application/json", ADA)


def test_no_hook_filter_or_config_of_the_machine_or_the_repository_runs(
    local_sources: ServiceContext, repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in ("post-checkout", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\necho {name} >> {marker}\n")
        (hooks / name).chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(
        f'[core]\n\thooksPath = {hooks}\n[filter "mark"]\n\tsmudge = "sh -c \'echo smudge >> {marker}; cat\'"\n'
    )
    # The repository asks for the filter on its files; the server's own git configuration would define it.
    (repository / "app" / ".gitattributes").write_text("* filter=mark\n")
    git(repository, "add", ".")
    git(repository, "commit", "--quiet", "-m", "Attributes")
    git(repository, "config", "core.hooksPath", str(hooks))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))
    catalog.register_application(local_sources, from_git(str(repository), path="app"), "application/json", ADA)
    assert not marker.exists(), marker.read_text()


def test_files_a_package_imports_and_includes_are_kept_and_packed_in(context: ServiceContext) -> None:
    catalog.register_application(context, zipped(CATALOG / "include"), ZIP, ADA)
    version = catalog.get_version(context, "include-app", "1.0.0", ADA)
    assert set(version.files) == {"main.cwl", "README.txt", "tools/say.cwl", "tools/inputs.yml"}
    packed = json.loads(version.packed or b"{}")
    entry, tool = packed["$graph"]
    assert entry["doc"] == (CATALOG / "include" / "README.txt").read_text()
    assert [item["type"] for item in tool["inputs"]] == ["string"]
    href = f"{context.settings.resolved_public_url}/applications/include-app/versions/1.0.0"
    process = deploy_process(context, apppkg_linking(href), "application/ogcapppkg+json", ADA)
    assert list(process.description.inputs) == ["message"]
    assert process.description.description == (CATALOG / "include" / "README.txt").read_text()
    assert version.metadata["description"] == process.description.description


class _GitHttpBackend(http.server.BaseHTTPRequestHandler):
    """git's own smart-HTTP server (`git http-backend`, the CGI that git hosting runs) for the repositories under
    `root`."""

    root: Path

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        self._serve(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

    def _serve(self, body: bytes) -> None:
        path, _, query = self.path.partition("?")
        environment = {
            **GIT_ENV,
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
        }
        done = subprocess.run(["git", "http-backend"], input=body, env=environment, capture_output=True, check=False)
        head, _, content = done.stdout.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
        self.send_response(int(headers.pop("Status", "200").split()[0]))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@pytest.fixture
def git_server(repository: Path, tmp_path: Path) -> Iterator[str]:
    """The repository served over smart HTTP on loopback, as `<url>/app.git`."""
    root = tmp_path / "served"
    root.mkdir()
    subprocess.run(
        ["git", "clone", "--quiet", "--bare", str(repository), str(root / "app.git")], env=GIT_ENV, check=True
    )
    handler = type("Handler", (_GitHttpBackend,), {"root": root})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/app.git"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_a_repository_over_http_is_cloned_when_its_address_is_allowed(
    context: ServiceContext, git_server: str, repository: Path
) -> None:
    with pytest.raises(AddressRefused):
        catalog.register_application(context, from_git(git_server, path="app"), "application/json", ADA)
    allowed = with_settings(context, allowed_networks=["127.0.0.0/8"])
    body = from_git(git_server, ref="v1", path="app")
    version = catalog.register_application(allowed, body, "application/json", ADA).version
    assert version.metadata["source"]["commit"] == git(repository, "rev-parse", "HEAD")


def test_git_connects_to_the_address_that_was_checked_not_to_what_the_name_resolves_to_later(
    context: ServiceContext, git_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name only this process resolves (to the allowed loopback server), standing for a remote name whose DNS
    # answer changes between the check and the connection: git, a separate process, cannot resolve it at all, so
    # the clone succeeds only if git connects to the address that was checked.
    resolve = socket.getaddrinfo

    def rebinding(host: Any, *arguments: Any, **options: Any) -> Any:
        return resolve("127.0.0.1" if host == "rebind.invalid" else host, *arguments, **options)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    allowed = with_settings(context, allowed_networks=["127.0.0.0/8"])
    url = git_server.replace("127.0.0.1", "rebind.invalid")
    version = catalog.register_application(allowed, from_git(url, path="app"), "application/json", ADA).version
    assert version.metadata["source"]["git"] == url
