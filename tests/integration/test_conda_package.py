"""`conda install conda-tuna` made real: wheel -> conda package -> local channel -> install.

What is real: conda-tuna's wheel built from this checkout (hatch-vcs version from git tags),
the `noarch: python` .conda package made from it by whl2conda, the channel's repodata.json
written by conda-index, and conda (26.x) solving, downloading, extracting, linking and
byte-compiling that package into an installation, whose own conda then runs `conda tuna`.

What is stubbed, and why: conda is installed here from source into a venv, so there is no
conda base installation and no `python`/`conda` conda packages to put in one. The channel
therefore also carries two stubs (tests/support/python_stub.py): `python` (the environment
becomes a venv of the test interpreter) and `conda` (the host's conda and its dependencies,
but not conda-tuna, made importable). `conda create` makes an installation from them, and
that installation's conda then installs conda-tuna into itself, like `conda install
conda-tuna` into a Miniforge base.
"""

from __future__ import annotations

import gettext
import importlib.metadata
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support.packaging import (
    build_wheel,
    host_subdir,
    index_channel,
    missing,
    wheel_version,
    whl2conda,
)
from tests.support.python_stub import (
    SITE_REL,
    conda_stub_package,
    host_site_view,
    python_stub_package,
)

pytestmark = pytest.mark.integration
CATALOG = "i18n/locale/zh_CN/LC_MESSAGES/conda_tuna"


@pytest.fixture(scope="module")
def channel(tmp_path_factory) -> tuple[Path, str]:
    reason = missing("hatchling", "hatch_vcs", "whl2conda", "conda_index")
    if reason:
        pytest.skip(f"making conda-tuna's conda package {reason}")
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    chan = tmp_path_factory.mktemp("channel")
    whl2conda(wheel, chan / "noarch")
    subdir = host_subdir()
    view = host_site_view(tmp_path_factory.mktemp("host-site-view"))
    python_stub_package(chan / subdir, subdir)
    conda_stub_package(chan / subdir, subdir, view, importlib.metadata.version("conda"))
    index_channel(chan)
    return chan, wheel_version(wheel)


def test_wheel_version_comes_from_git(channel):
    _chan, version = channel
    # hatch-vcs: a tag v0.1.0... gives 0.1.0 or a dev/local version after it, never 0.0.0
    assert version.split(".")[:2] == ["0", "1"] and "unknown" not in version


def test_channel_record_is_noarch_python_with_run_requirements(channel):
    chan, version = channel
    repodata = json.loads((chan / "noarch" / "repodata.json").read_text())
    records = {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}
    (fn, record), = [(k, v) for k, v in records.items() if v["name"] == "conda-tuna"]
    assert fn.endswith(".conda") and record["version"] == version
    assert record["noarch"] == "python" and record["subdir"] == "noarch"
    assert "python >=3.10" in record["depends"] and "conda >=24.11" in record["depends"]


def conda_in(prefix: Path, sandbox, *args: str) -> subprocess.CompletedProcess:
    """Run the conda of installation `prefix` (its own interpreter, its own root)."""
    return subprocess.run([str(prefix / "bin" / "conda"), *args], capture_output=True,
                          text=True, env=sandbox.env(), timeout=300, cwd=sandbox.base)


def test_conda_install_conda_tuna_then_enable(channel, sandbox, mirror, tmp_path):
    chan, version = channel
    sandbox.extra_env["CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY"] = "false"  # no pip package here
    base = tmp_path / "miniforge3"  # conda 24.x refuses a prefix whose name is "base"
    source = ["--override-channels", "-c", chan.as_uri()]
    sandbox.run("create", "-p", str(base), "-y", *source, "python", "conda").check()

    before = conda_in(base, sandbox, "tuna", "--help")
    assert before.returncode != 0 and "invalid choice: 'tuna'" in before.stderr

    installed = conda_in(base, sandbox, "install", "-y", *source, "conda-tuna")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    meta = list((base / "conda-meta").glob("conda-tuna-*.json"))
    assert len(meta) == 1 and json.loads(meta[0].read_text())["version"] == version
    package = base / SITE_REL / "conda_tuna"
    assert (package / "plugin.py").is_file()
    assert list((package / "__pycache__").glob("plugin.*.pyc"))  # compiled by conda
    assert (package / CATALOG).with_suffix(".mo").is_file()  # Chinese from a conda package

    helped = conda_in(base, sandbox, "tuna", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "enable" in helped.stdout and "installer" in helped.stdout
    where = subprocess.run([str(base / "bin" / "python"), "-c",
                            "import conda_tuna as t; print(t.__file__, t.__version__)"],
                           capture_output=True, text=True, env=sandbox.env(),
                           cwd=sandbox.base)  # not the checkout: '' is first on sys.path
    assert where.stdout.split() == [str(package / "__init__.py"), version]

    enabled = conda_in(base, sandbox, "tuna", "enable", "-y", "--url", mirror.url,
                       "--channels", "defaults")  # -y alone takes conda-forge (issue 12)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    assert mirror.url in sandbox.drop_in.read_text()
    dry = conda_in(base, sandbox, "create", "--dry-run", "-p", str(tmp_path / "env"),
                   "tunatest-base", "--json")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert any("/anaconda/pkgs/main/" in p and "repodata" in p for p in mirror.paths())

    removed = conda_in(base, sandbox, "remove", "-y", "conda-tuna")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not package.exists()
    assert conda_in(base, sandbox, "tuna", "--help").returncode != 0


def test_wheel_carries_the_conda_entry_point(channel):
    chan, _version = channel
    wheel = build_wheel(chan)  # the session's wheel (built once)
    with zipfile.ZipFile(wheel) as zf:
        entry_points = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
        text = zf.read(entry_points).decode()
    assert "[conda]" in text and "conda-tuna = conda_tuna.plugin" in text


def test_wheel_carries_the_compiled_catalog(channel):
    """The wheel (and so the conda package and the recipe's pip build) holds the zh_CN .mo
    compiled by hatch_build.py, translating as the .po does, and no .po to compete with it."""
    chan, _version = channel
    wheel = build_wheel(chan)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        mo = zf.read(f"conda_tuna/{CATALOG}.mo")
    assert not [n for n in names if n.endswith((".po", ".pot"))], names
    from conda_tuna.i18n import catalog

    po = Path(__file__).resolve().parents[2] / "conda_tuna" / f"{CATALOG}.po"
    built = gettext.GNUTranslations(io.BytesIO(mo))
    source = gettext.GNUTranslations(io.BytesIO(catalog.compile_po(po.read_text("utf-8"))))
    assert {k: v for k, v in built._catalog.items() if k} \
        == {k: v for k, v in source._catalog.items() if k}
