"""The build step that puts the browser files the app serves into the package.

pyproject.toml holds the metadata; this file only adds a hook to `build_py` and `sdist`: from a
source checkout it runs `npm ci` (pinned, integrity-checked by npm against each package-lock.json)
and copies the files the app serves from node_modules into the git-ignored `vendor/` folders, which
`[tool.setuptools.package-data]` puts in the wheel and the sdist. A build from the sdist finds them
already there (the sdist carries no lock file) and needs no npm. Editable installs skip the hook:
install.sh runs `npm ci` and the app reads node_modules.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent

#: package folder -> files inside its node_modules that the app serves (graph/graphiql/__init__.py
#: and graph/web/__init__.py read them from node_modules or, in a built package, from vendor/).
BROWSER_FILES: dict[str, list[str]] = {
    "graph/graphiql": [
        "react/umd/react.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "js-cookie/dist/js.cookie.min.js",
        "graphiql/graphiql.min.css",
        "graphiql/graphiql.min.js",
        "@graphiql/plugin-explorer/dist/style.css",
        "@graphiql/plugin-explorer/dist/index.umd.js",
    ],
    "graph/web": ["graphql-ws/dist/*.js"],
}


def vendor_browser_files() -> None:
    for folder, patterns in BROWSER_FILES.items():
        package = ROOT / folder
        if (package / "package-lock.json").is_file():
            _npm_ci(package)
            _copy(package / "node_modules", package / "vendor", patterns)
        elif not _complete(package / "vendor", patterns):
            raise SystemExit(f"{folder}: neither package-lock.json nor the files in {folder}/vendor; "
                             "build from a source checkout or from the sdist")


def _npm_ci(package: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("building the package needs npm (it fetches GraphiQL's and the import page's "
                         "browser files, pinned by the package-lock.json files)")
    subprocess.run([npm, "ci", "--prefix", str(package), "--no-audit", "--no-fund", "--loglevel=error"],
                   check=True)


def _copy(source: Path, target: Path, patterns: list[str]) -> None:
    shutil.rmtree(target, ignore_errors=True)
    for pattern in patterns:
        found = sorted(source.glob(pattern))
        if not found:
            raise SystemExit(f"npm ci left no {pattern} in {source}")
        for path in found:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def _complete(vendor: Path, patterns: list[str]) -> bool:
    return all(any(vendor.glob(pattern)) for pattern in patterns)


class BuildPyWithBrowserFiles(build_py):
    def run(self) -> None:
        if not self.editable_mode:
            vendor_browser_files()
        super().run()


class SdistWithBrowserFiles(sdist):
    def run(self) -> None:
        vendor_browser_files()
        super().run()


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPyWithBrowserFiles, "sdist": SdistWithBrowserFiles})
