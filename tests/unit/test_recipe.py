"""recipe/meta.yaml renders, is a noarch: python recipe, and agrees with pyproject.toml."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
jinja2 = pytest.importorskip("jinja2")

REPO = Path(__file__).resolve().parents[2]


def load_pyproject() -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((REPO / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def recipe() -> dict:
    text = jinja2.Template((REPO / "recipe" / "meta.yaml").read_text()).render(PYTHON="python")
    return yaml.safe_load(text)


def test_noarch_python_pip_build(recipe):
    assert recipe["package"]["name"] == "conda-tuna"
    assert recipe["build"]["noarch"] == "python"
    assert recipe["build"]["script"].startswith("python -m pip install . --no-deps")
    assert "-vv" in recipe["build"]["script"]


def test_run_requirements_match_pyproject(recipe):
    project = load_pyproject()
    run = recipe["requirements"]["run"]
    assert f"python {project['project']['requires-python']}" in run
    for dep in project["tool"]["whl2conda"]["extra-dependencies"]:
        assert dep in run
    # the wheel has no PyPI dependencies, so the recipe adds none besides python and conda
    assert project["project"]["dependencies"] == []
    assert {r.split()[0] for r in run} == {"python", "conda"}


def test_build_requirements_match_build_system(recipe):
    host = " ".join(recipe["requirements"]["host"])
    for req in load_pyproject()["build-system"]["requires"]:
        assert req.split(">=")[0] in host


def test_recipe_tests_the_subcommand(recipe):
    assert "conda_tuna" in recipe["test"]["imports"]
    assert "conda tuna --help" in recipe["test"]["commands"]
