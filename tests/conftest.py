"""Shared fixtures: a loopback TUNA-shaped mirror, an anaconda.org-shaped upstream and a
sandboxed real conda. Integration tests skip, naming what is missing, without conda."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.conda_runner import CondaSandbox, conda_missing_reason
from tests.support.mirror import MirrorServer, MirrorTree, Pkg, tunasync_job
from tests.support.world import World, start_world, upstream_twin


def pytest_collection_modifyitems(config, items):
    reason = conda_missing_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


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
def sandbox(tmp_path) -> CondaSandbox:
    return CondaSandbox(tmp_path)


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
