"""The layers the README's "How it is built" describes, read from the imports of the source:
graph/ reaches workers/ only through its composition root (graph/app.py), and domain/ imports
neither of them nor their frameworks."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports, at module level or inside a function."""
    packages: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            packages.add(node.module.split(".")[0])
    return packages


def _modules_importing(package: str, forbidden: set[str]) -> list[str]:
    modules = (path for path in sorted((ROOT / package).rglob("*.py")) if "node_modules" not in path.parts)
    return [path.relative_to(ROOT).as_posix() for path in modules if _imported_packages(path) & forbidden]


def test_graph_reaches_workers_only_through_the_app_wiring():
    assert _modules_importing("graph", {"workers"}) == ["graph/app.py"]


def test_the_domain_imports_neither_the_api_nor_the_workers_nor_their_frameworks():
    assert _modules_importing("domain", {"graph", "workers", "strawberry", "starlette", "dramatiq"}) == []


def test_the_check_sees_imports_inside_functions(tmp_path: Path):
    module = tmp_path / "lazy.py"
    module.write_text("def run():\n    from workers.broker import build_broker\n    import strawberry.types\n")
    assert _imported_packages(module) == {"workers", "strawberry"}
