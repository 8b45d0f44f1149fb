"""The package as a user gets it: `python -m build` (npm fetches GraphiQL's and the import page's
browser files, pinned by the lock files), `pip install` of the wheel into a fresh virtualenv, then
that venv's `importer serve`, with both pages loaded in Debian's Chromium: they must work without
node_modules and without any request leaving the machine. Then the same install with the browser
files removed: `importer serve` says so at start and both pages show a notice, not "Loading…".

Slow (a few minutes: the build and the install of the dependencies from the package registry);
needs npm and the registries. Without npm or chromium it skips saying so (fails in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import ChildProcess, free_port, wait_for
from tests.services import skip_or_fail

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WAIT_MS = 30_000
#: The files the app serves from npm, as they sit in the package.
BROWSER_FILES = {
    "graph/graphiql/vendor/react/umd/react.production.min.js",
    "graph/graphiql/vendor/graphiql/graphiql.min.js",
    "graph/graphiql/vendor/@graphiql/plugin-explorer/dist/index.umd.js",
    "graph/web/vendor/graphql-ws/dist/client.js",
}
#: What the copy of the source tree leaves out: what install.sh, a build or a run leaves behind.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "node_modules", "vendor", "build", "dist", "*.egg-info",
                                    "__pycache__", ".pytest_cache", "importer-data", "test-artifacts")

pytestmark = [pytest.mark.package, pytest.mark.timeout(1800)]


def _run(command: list[str], *, cwd: Path, timeout: float) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_clean_env())
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def _clean_env() -> dict[str, str]:
    """The environment without this checkout's settings or import path."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("IMPORTER_", "PYTHON")) and key not in ("DATABASE_URL", "BROKER_URL")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel built from a copy of this source tree; its path."""
    if shutil.which("npm") is None:
        skip_or_fail("npm is not installed: building the package fetches the browser files with npm ci")
    if CHROMIUM is None:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("package")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    # sdist, then the wheel from the sdist (no npm there: it carries the files), as pip does from an sdist.
    _run([sys.executable, "-m", "build", "--outdir", str(tmp / "dist"), str(source)], cwd=tmp, timeout=600)
    # and a wheel straight from the source tree.
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "direct"), str(source)],
         cwd=tmp, timeout=600)
    [sdist], [wheel], [direct] = (list((tmp / d).glob(g)) for d, g in
                                  [("dist", "*.tar.gz"), ("dist", "*.whl"), ("direct", "*.whl")])
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for built, names in [("sdist", in_sdist), ("wheel", _wheel_files(wheel)), ("direct wheel", _wheel_files(direct))]:
        assert BROWSER_FILES <= names, f"the {built} lacks {sorted(BROWSER_FILES - names)}"
        assert not any("node_modules" in name for name in names), built

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp, timeout=120)
    _run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], cwd=tmp, timeout=1200)
    return venv


def _wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


class InstalledServer(ChildProcess):
    """The venv's `importer serve` on a free loopback port, started in an empty folder."""

    def __init__(self, venv: Path, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        workdir.mkdir(exist_ok=True)
        super().__init__([str(venv / "bin" / "importer"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                          "--data-dir", str(workdir / "data")], log=workdir / "serve.log", env=_clean_env())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(self.command, cwd=self.workdir, env=self.env, start_new_session=True,
                                            stdout=output, stderr=subprocess.STDOUT)
        wait_for(self.healthy, bool, timeout=60, every=0.1,
                 what=lambda: f"the installed importer serve to answer /health:\n{self.output_tail()}")

    def healthy(self) -> bool:
        import httpx2 as httpx

        if not self.alive():
            raise AssertionError(f"importer serve exited:\n{self.output_tail()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


@contextmanager
def serving(venv: Path, workdir: Path) -> Iterator[InstalledServer]:
    server = InstalledServer(venv, workdir)
    server.start()
    try:
        yield server
    finally:
        server.terminate()


@contextmanager
def chromium_page() -> Iterator:
    """A Chromium page that records script errors and any request leaving loopback."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            page.problems = []
            page.on("pageerror", lambda error: page.problems.append(str(error)))
            page.on("request", lambda request: None if request.url.startswith(
                ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")) else page.problems.append(request.url))
            yield page
        finally:
            browser.close()


def test_the_installed_wheel_serves_the_import_page_and_graphiql(installed: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with serving(installed, tmp_path / "run") as server, chromium_page() as page:
        page.goto(server.url + "/")
        expect(page.get_by_label("API token")).to_be_visible()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_text("Loading the page…")).to_be_hidden()

        page.goto(server.url + "/graphql")
        expect(page.locator(".graphiql-query-editor .CodeMirror").first).to_be_visible()
        expect(page.get_by_text("Loading...")).to_have_count(0)

        assert page.problems == [], page.problems
    assert "not installed" not in server.output_tail(20_000)


def test_without_the_browser_files_serve_says_so_and_the_pages_show_a_notice(installed: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    package = Path(subprocess.run([str(installed / "bin" / "python"), "-c", "import graph; print(graph.__path__[0])"],
                                  cwd=tmp_path, capture_output=True, text=True, check=True, env=_clean_env()
                                  ).stdout.strip())
    for vendor in (package / "graphiql" / "vendor", package / "web" / "vendor"):
        shutil.move(vendor, tmp_path / f"kept-{vendor.parent.name}")
    try:
        with serving(installed, tmp_path / "run") as server, chromium_page() as page:
            started = server.output_tail(20_000)
            assert "not installed: the import page's graphql-ws client and GraphiQL's files" in started
            assert "./install.sh" in started and "python -m build" in started

            page.goto(server.url + "/")
            expect(page.get_by_role("heading", name="The import page is not installed on this server")).to_be_visible()
            expect(page.locator("#page-missing")).to_contain_text("./install.sh")

            page.goto(server.url + "/graphql")
            expect(page.get_by_role("heading", name="GraphiQL is not installed on this server")).to_be_visible()
            expect(page.locator("#graphiql-missing")).to_contain_text("./install.sh")
    finally:
        for vendor in (package / "graphiql" / "vendor", package / "web" / "vendor"):
            shutil.move(tmp_path / f"kept-{vendor.parent.name}", vendor)
