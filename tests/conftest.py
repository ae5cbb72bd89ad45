"""Shared fixtures: a loopback TUNA-shaped mirror, an anaconda.org-shaped upstream and a
sandboxed real conda. Integration tests skip, naming what is missing, without conda (an
error instead when CONDA_TUNA_REQUIRE_CONDA=1, as in CI).

Solvers: every sandboxed conda run uses $CONDA_TUNA_TEST_SOLVER (default classic). A test
that asks for the `solver` fixture runs under each installed solver (only the one named by
$CONDA_TUNA_TEST_SOLVER when it is set). `@pytest.mark.solver("classic", reason=...)` marks a
test that checks one solver's own behaviour; it skips, with that reason, under the others.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.conda_runner import (
    REQUIRE_CONDA_ENV,
    SOLVER_ENV,
    CondaSandbox,
    conda_missing_reason,
    default_solver,
    solver_missing_reason,
    solvers_under_test,
)
from tests.support.mirror import MirrorServer, MirrorTree, Pkg, tunasync_job
from tests.support.world import World, start_world, upstream_twin

#: the locale every test starts from, whatever the developer's shell says: messages are
#: English unless a test asks for another language (`speak`, or a sandbox's LANG)
NEUTRAL_LOCALE = {"LANG": "C.UTF-8"}
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "CONDA_PLUGINS_TUNA_LANGUAGE")


def pytest_configure(config):
    for name in LOCALE_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(NEUTRAL_LOCALE)
    from conda_tuna import i18n

    i18n.reset()


@pytest.fixture
def speak(monkeypatch):
    """speak("zh_CN") makes in-process conda-tuna use that language for the rest of the
    test (the catalog is read as a user's install would: .mo, or the newer .po)."""
    from conda_tuna import i18n

    def _speak(language: str) -> None:
        monkeypatch.setattr(i18n, "_setting", lambda: language)
        i18n.reset()

    yield _speak
    monkeypatch.undo()
    i18n.reset()


def pytest_collection_modifyitems(config, items):
    integration = [item for item in items if "integration" in item.keywords]
    reason = conda_missing_reason()
    if reason is None:
        solver = default_solver()
        problem = solver_missing_reason(solver)
        if problem is not None and integration:
            raise pytest.UsageError(f"{SOLVER_ENV}={solver}, but {problem}.")
        return
    if os.environ.get(REQUIRE_CONDA_ENV, "") not in ("", "0") and integration:
        raise pytest.UsageError(
            f"{REQUIRE_CONDA_ENV} is set, but {reason}: {len(integration)} integration "
            "test(s) would be skipped.")
    skip = pytest.mark.skip(reason=reason)
    for item in integration:
        item.add_marker(skip)


def pytest_generate_tests(metafunc):
    if "solver" in metafunc.fixturenames:
        metafunc.parametrize("solver", solvers_under_test())


def current_solver(item) -> str:
    """The solver a test item runs conda with: its `solver` parameter, else the default."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "solver" in callspec.params:
        return callspec.params["solver"]
    return default_solver()


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("solver")
    if marker is None:
        return
    solver = current_solver(item)
    if solver not in marker.args:
        wanted = " or ".join(marker.args)
        why = marker.kwargs.get("reason", "solver-specific behaviour")
        pytest.skip(f"{wanted} only ({why}); this run uses the {solver} solver")


def standard_mirror_tree(root: Path) -> MirrorTree:
    """The default test mirror: defaults (pkgs/main, pkgs/r) and a few cloud channels."""
    tree = MirrorTree(root)
    tree.add("pkgs/main",
             Pkg("tunatest-base", "1.0", "linux-64"),
             Pkg("tunatest-base", "1.0", "linux-aarch64"),
             Pkg("tunatest-app", "2.0", "linux-64", depends=["tunatest-base >=1.0"],
                 fmt=".conda"),
             Pkg("tunatest-noarch", "0.5", "noarch", noarch="generic"))
    tree.add("pkgs/r", Pkg("r-tunatest", "4.0", "linux-64"))
    tree.add("cloud/conda-forge",
             Pkg("cf-tool", "3.1", "linux-64"),
             Pkg("cf-tool", "3.1", "linux-aarch64"),
             Pkg("cf-lib", "1.2", "linux-64", fmt=".conda"))
    tree.add("cloud/pytorch", Pkg("pt-thing", "2.0", "linux-64"))
    tree.write()
    tree.write_tunasync([tunasync_job("anaconda"), tunasync_job("pypi")])
    return tree


def standard_upstream_tree(root: Path) -> MirrorTree:
    """An anaconda.org-shaped upstream (channel names at the root), for unmirrored channels."""
    tree = MirrorTree(root, layout="upstream")
    tree.add("nvidia", Pkg("nv-tool", "12.0", "linux-64"))
    tree.add("conda-forge", Pkg("cf-tool", "3.1", "linux-64"))  # present so leaks get served
    tree.add("privatechan", Pkg("private-tool", "1.0", "linux-64"))
    tree.write()
    return tree


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """conda-tuna's messages in English in this process, whatever the developer's locale
    (sandboxed conda runs get the same from conda_runner); a test wanting Chinese sets
    LANG (or the setting's variable) and calls conda_tuna.i18n.reset()."""
    from conda_tuna import i18n

    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", i18n.SETTING_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.reset()
    yield
    i18n.reset()


@pytest.fixture(scope="session")
def mirror_tree(tmp_path_factory) -> MirrorTree:
    return standard_mirror_tree(tmp_path_factory.mktemp("tuna-mirror"))


@pytest.fixture(scope="session")
def upstream_tree(tmp_path_factory) -> MirrorTree:
    return standard_upstream_tree(tmp_path_factory.mktemp("upstream"))


@pytest.fixture
def mirror(mirror_tree):
    with MirrorServer(mirror_tree.root, "tuna") as server:
        yield server


@pytest.fixture
def upstream(upstream_tree):
    with MirrorServer(upstream_tree.root, "upstream", accept_tokens=True) as server:
        yield server


@pytest.fixture
def sandbox(request, tmp_path) -> CondaSandbox:
    """A throw-away conda user, running the test's solver."""
    return CondaSandbox(tmp_path, solver=current_solver(request.node))


@pytest.fixture(scope="session")
def twin_upstream_tree(tmp_path_factory, mirror_tree) -> MirrorTree:
    """An upstream with the mirror's exact package bytes, plus unmirrored channels."""
    return upstream_twin(mirror_tree.root, tmp_path_factory.mktemp("twin-upstream"))


@pytest.fixture
def world(mirror_tree, twin_upstream_tree, tmp_path) -> World:
    """Loopback tuna, bfsu (same tree) and upstream; see tests/support/world.py."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield start_world(stack, mirror_tree.root, twin_upstream_tree.root, tmp_path)
