"""The shape of the project, read from the code: apps import downwards only, never in a circle,
and never another app's views. Every import counts, also those inside functions."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
APPS = ["accounts", "jobs", "gallery", "processing", "library", "analytics", "scraping"]
# an app may import the apps of lower layers only (imagesite's settings and urls name them all)
LAYER = {
    "accounts": 0,
    "jobs": 0,
    "gallery": 1,
    "processing": 2,
    "library": 2,
    "analytics": 3,
    "scraping": 3,
}
IMAGESITE_HELPERS = ["env", "http", "media", "converters", "mongo", "apitools"]

Arrow = tuple[str, str, str]  # (importing module, imported module, where)


def imports_of(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def module_name(path: Path) -> str:
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def arrows(packages: list[str]) -> list[Arrow]:
    found = []
    for package in packages:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            source = module_name(path)
            for target in imports_of(path):
                if target.split(".")[0] in [*APPS, "imagesite"]:
                    found.append((source, target, str(path.relative_to(BASE_DIR))))
    return found


def app_of(module: str) -> str:
    return module.split(".")[0]


def cross_app(found: list[Arrow]) -> set[tuple[str, str]]:
    return {
        (app_of(source), app_of(target))
        for source, target, _ in found
        if app_of(source) != app_of(target) and app_of(source) in APPS and app_of(target) in APPS
    }


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    found = []

    def visit(node: str, path: list[str]) -> None:
        for following in sorted(graph.get(node, ())):
            if following == path[0]:
                found.append([*path, following])
            elif following not in path and following > path[0]:
                visit(following, [*path, following])

    for start in sorted(graph):
        visit(start, [start])
    return found


def test_the_walker_sees_a_cycle_and_an_import_inside_a_function(tmp_path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from gallery.views import gallery\n")
    assert "gallery.views" in set(imports_of(module))
    assert cycles({("a", "b"), ("b", "c"), ("c", "a")}) == [["a", "b", "c", "a"]]
    assert cycles({("a", "b"), ("b", "c")}) == []


def test_no_import_cycle_between_apps() -> None:
    assert cycles(cross_app(arrows(APPS))) == []


def test_apps_import_only_apps_of_lower_layers() -> None:
    upward = [
        (source, target, where)
        for source, target, where in arrows(APPS)
        if app_of(target) in APPS
        and LAYER[app_of(target)] > LAYER[app_of(source)]
        or (
            app_of(target) in APPS
            and app_of(target) != app_of(source)
            and LAYER[app_of(target)] == LAYER[app_of(source)]
        )
    ]
    assert upward == []


def test_no_module_imports_another_apps_views() -> None:
    found = [
        (source, target, where)
        for source, target, where in arrows([*APPS, "imagesite"])
        if ".views" in target and app_of(target) != app_of(source) and app_of(source) != "imagesite"
    ]
    assert found == []


@pytest.mark.parametrize("helper", IMAGESITE_HELPERS)
def test_the_project_helpers_import_no_app(helper: str) -> None:
    path = BASE_DIR / "imagesite" / f"{helper}.py"
    assert [name for name in imports_of(path) if app_of(name) in APPS] == []


def test_jobs_imports_no_other_app() -> None:
    assert {target for source, target, _ in arrows(["jobs"]) if app_of(target) in APPS} <= {
        name for name in (target for _, target, _ in arrows(["jobs"])) if app_of(name) == "jobs"
    }
