"""`conda tuna enable --pip` and uv (issue 12), with real conda in an isolated HOME.

uv reads one per-user file, ``$XDG_CONFIG_HOME/uv/uv.toml`` or ``~/.config/uv/uv.toml``;
conda-tuna puts the mirror's PyPI index there (a top-level ``index-url``), `disable` gives
the file back byte for byte, `status` says what uv uses. Settings that would make the file
pointless stop `enable --pip` before anything is written. One test runs the real uv (the
`uv` wheel from PyPI, in the test extras) against the loopback mirror's PyPI index and reads
the server's log; conda-pypi's fixed index is checked when conda-pypi is installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.support.mirror import MirrorServer, MirrorTree, Pkg
from tests.support.pip_world import build_wheel
from tests.support.tree import difference, tree

pytestmark = pytest.mark.integration

UV_ORIGINAL = (b"# my uv settings\r\nindex-url = \"https://corp.example/simple\"\r\n"
               b"native-tls = true\r\n\r\n[pip]\r\ncompile-bytecode = true\r\n")


def uv_toml(sandbox):
    return sandbox.home / ".config" / "uv" / "uv.toml"


def write_uv_toml(sandbox, data: bytes = UV_ORIGINAL, *, link: bool = False):
    """The user's uv.toml; with `link`, a dotfile manager's symlink to ~/dotfiles/uv.toml
    (mode 0600)."""
    path = uv_toml(sandbox)
    path.parent.mkdir(parents=True, exist_ok=True)
    if link:
        real = sandbox.home / "dotfiles" / "uv.toml"
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_bytes(data)
        os.chmod(real, 0o600)
        path.symlink_to(real)
    else:
        path.write_bytes(data)
    return path


def enable(sandbox, mirror, *extra):
    return sandbox.run("tuna", "enable", "--url", mirror.url, "--pip", "-y", *extra)


def pypi_url(mirror) -> str:
    return f"{mirror.url}/pypi/web/simple"


# --------------------------------------------------------------------------- enable/disable
def test_no_uv_toml_gets_one_and_disable_removes_it(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - defaults\n")
    before = tree(sandbox.home)
    out = enable(sandbox, mirror, "--json").check().json()
    assert out["uv"] == {"file": str(uv_toml(sandbox)), "index_url": pypi_url(mirror),
                         "scope": "user", "replaced": None, "changed": True}
    text = uv_toml(sandbox).read_text()
    assert f'index-url = "{pypi_url(mirror)}"' in text and text.startswith("# conda-tuna:")
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    uv = status["uv"]
    assert uv["default_index"] == pypi_url(mirror) and uv["source"] == str(uv_toml(sandbox))
    assert uv["set_by_conda_tuna"] is True and uv["uses_mirror"] is True
    again = enable(sandbox, mirror, "--json").check().json()  # enable twice: one copy
    assert again["uv"]["changed"] is False
    assert uv_toml(sandbox).read_text() == text
    result = sandbox.run("tuna", "disable").check()
    assert f"uv config {uv_toml(sandbox)}: removed (it did not exist before)." in result.stdout
    assert difference(before, tree(sandbox.home)) == []  # ~/.config/uv is gone too


def test_an_existing_index_url_is_replaced_and_restored_byte_for_byte(sandbox, mirror):
    write_uv_toml(sandbox)
    before = tree(sandbox.home)
    result = enable(sandbox, mirror).check()
    assert f"uv now uses {pypi_url(mirror)} (uv config: ~/.config/uv/uv.toml)." in result.stdout
    assert "Your index-url https://corp.example/simple stays in that file" in result.stdout
    edited = uv_toml(sandbox).read_bytes()
    assert b"# conda-tuna-replaced: index-url = \"https://corp.example/simple\"\r\n" in edited
    assert b"native-tls = true\r\n" in edited and b"[pip]\r\n" in edited
    out = sandbox.run("tuna", "disable", "--json").check().json()
    assert out["uv"] == [{"file": str(uv_toml(sandbox)), "how": "restored", "backup": None,
                          "scope": "user"}]
    assert uv_toml(sandbox).read_bytes() == UV_ORIGINAL
    assert difference(before, tree(sandbox.home)) == []


def test_a_later_edit_of_uv_toml_is_kept_by_disable(sandbox, mirror):
    write_uv_toml(sandbox)
    enable(sandbox, mirror).check()
    path = uv_toml(sandbox)
    path.write_bytes(path.read_bytes() + b"offline = true\r\n")
    result = sandbox.run("tuna", "disable").check()
    assert "conda-tuna's lines removed, your later edits kept" in result.stdout
    assert path.read_bytes() == UV_ORIGINAL + b"offline = true\r\n"


def test_symlinked_uv_toml_stays_a_symlink_with_its_mode(sandbox, mirror):
    path = write_uv_toml(sandbox, link=True)
    before = tree(sandbox.home)
    enable(sandbox, mirror).check()
    assert path.is_symlink() and pypi_url(mirror).encode() in path.read_bytes()
    assert os.stat(path).st_mode & 0o777 == 0o600
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []


@pytest.mark.parametrize(("setup", "reason"), [
    ("default-index", "sets a default index in [[index]] (https://corp.example/simple)"),
    ("pip-section", "sets index-url in its [pip] section"),
    ("UV_INDEX_URL", "$UV_INDEX_URL is set (https://me:***@corp.example/simple)"),
    ("UV_DEFAULT_INDEX", "$UV_DEFAULT_INDEX is set"),
    ("UV_CONFIG_FILE", "$UV_CONFIG_FILE is set"),
    ("system-default", "sets a default index in [[index]] (https://site.example/simple)"),
])
def test_enable_pip_that_uv_would_ignore_writes_nothing(sandbox, mirror, tmp_path, setup,
                                                        reason):
    if setup == "default-index":
        write_uv_toml(sandbox, b'[[index]]\nurl = "https://corp.example/simple"\n'
                               b"default = true\n")
    elif setup == "pip-section":
        write_uv_toml(sandbox, b'[pip]\nindex-url = "https://corp.example/simple"\n')
    elif setup == "system-default":
        system = tmp_path / "xdg" / "uv" / "uv.toml"
        system.parent.mkdir(parents=True)
        system.write_text('[[index]]\nurl = "https://site.example/simple"\ndefault = true\n')
        sandbox.extra_env["XDG_CONFIG_DIRS"] = str(tmp_path / "xdg")
    else:
        sandbox.extra_env[setup] = "https://me:hunter2@corp.example/simple"
    sandbox.write_condarc("channels:\n  - defaults\n")
    before = tree(sandbox.home)
    result = enable(sandbox, mirror)
    assert result.returncode == 1, result.output
    assert "would not change the index uv uses, so nothing was written" in result.output
    assert reason in result.output and "--no-uv" in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output
    assert difference(before, tree(sandbox.home)) == []
    # --no-uv: pip (and conda) through the mirror, uv left exactly as it is
    out = enable(sandbox, mirror, "--no-uv", "--json").check().json()
    assert out["uv"]["skipped"] == "no-uv" and out["pip"]["changed"] is True
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []


def test_scope_env_says_uv_has_no_such_settings(sandbox, mirror, tmp_path):
    env = tmp_path / "env"
    sandbox.run("create", "-p", str(env), "-y", "--offline").check()
    result = enable(sandbox, mirror, "--scope", "env", "-p", str(env)).check()
    notes = [line for line in result.stdout.splitlines() if "uv has no settings" in line]
    assert notes == ["uv has no settings per conda environment or installation, so uv was left "
                     "unchanged at env scope; `conda tuna enable --pip --scope user` points uv "
                     "at the mirror for your user."]
    assert not uv_toml(sandbox).exists() and (env / "pip.conf").exists()
    out = enable(sandbox, mirror, "--scope", "env", "-p", str(env), "--json").check().json()
    assert out["uv"]["skipped"] == "scope" and out["uv"]["file"] is None
    sandbox.run("tuna", "disable", "--scope", "env", "-p", str(env)).check()
    assert not (env / "pip.conf").exists()


def test_dry_run_shows_the_uv_file_and_writes_nothing(sandbox, mirror):
    write_uv_toml(sandbox)
    before = tree(sandbox.home)
    result = enable(sandbox, mirror, "--dry-run").check()
    assert f"uv would use {pypi_url(mirror)} (uv config: ~/.config/uv/uv.toml)." in result.stdout
    assert "# conda-tuna-replaced: index-url" not in result.stdout  # contents: --show-file
    result = enable(sandbox, mirror, "--dry-run", "--show-file").check()
    assert f"Contents of {uv_toml(sandbox)}:" in result.stdout
    assert "# conda-tuna-replaced: index-url" in result.stdout
    out = enable(sandbox, mirror, "--dry-run", "--json").check().json()
    assert out["uv"]["file"] == str(uv_toml(sandbox)) and out["uv"]["changed"] is True
    content = out["uv"]["content"]
    assert content.startswith("# conda-tuna: set by `conda tuna enable --pip`")
    assert f'\r\nindex-url = "{pypi_url(mirror)}"\r\n# my uv settings\r\n' in content
    assert '# conda-tuna-replaced: index-url = "https://corp.example/simple"' in content
    assert out["pip"]["file"].endswith("pip.conf") and out["pip"]["content"]
    assert difference(before, tree(sandbox.home)) == []
    sandbox.extra_env["UV_INDEX_URL"] = "https://corp.example/simple"
    refused = enable(sandbox, mirror, "--dry-run")  # refuses as enable would
    assert refused.returncode == 1 and "$UV_INDEX_URL is set" in refused.output
    assert difference(before, tree(sandbox.home)) == []


# --------------------------------------------------------------------------- status
def fake_conda_pypi(tmp_path) -> str:
    """A site directory where importlib.metadata finds conda-pypi 0.13.1 (metadata only, no
    entry points, so conda loads nothing from it): conda-tuna only asks its version."""
    site = tmp_path / "site"
    info = site / "conda_pypi-0.13.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: conda-pypi\nVersion: 0.13.1\n")
    return str(site)


def test_status_says_what_uv_and_conda_pypi_use(sandbox, mirror, tmp_path):
    sandbox.write_condarc("channels:\n  - defaults\n")
    plain = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert plain["uv"]["default_index"] == "https://pypi.org/simple"
    assert plain["uv"]["source"] == "default" and plain["uv"]["exists"] is False
    assert plain["conda_pypi"]["command"] is None
    enable(sandbox, mirror).check()
    sandbox.extra_env["PYTHONPATH"] = fake_conda_pypi(tmp_path)
    text = sandbox.run("tuna", "status", "--offline").check().stdout
    assert (f"uv uses {pypi_url(mirror)} as its default index (set in {uv_toml(sandbox)})."
            in text)
    assert ("conda-pypi 0.13.1: `conda pypi install` always asks https://pypi.org/simple/ "
            "unless you pass -i/--index-url") in text
    assert f"To install through the mirror: conda pypi install -i {pypi_url(mirror)} PACKAGE" \
        in text
    out = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert out["conda_pypi"] == {
        "installed": True, "version": "0.13.1", "default_index": "https://pypi.org/simple/",
        "uses_mirror": False, "command": f"conda pypi install -i {pypi_url(mirror)} PACKAGE"}
    # an environment variable overrides the file: status names it and says why
    sandbox.extra_env["UV_DEFAULT_INDEX"] = "https://u:secret@corp.example/simple"
    text = sandbox.run("tuna", "status", "--offline").check().stdout
    assert "(set by $UV_DEFAULT_INDEX)" in text and "secret" not in text
    assert f"conda-tuna's index-url in {uv_toml(sandbox)} is not what uv uses:" in text
    out = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert out["uv"]["uses_mirror"] is False and out["uv"]["notes"]
    sandbox.run("tuna", "disable").check()


# --------------------------------------------------------------------------- the real uv
def uv_binary() -> str | None:
    """uv from the `uv` wheel (test extras), else on PATH."""
    if importlib.util.find_spec("uv") is not None:
        from uv import find_uv_bin

        try:
            return find_uv_bin()
        except FileNotFoundError:
            pass
    return shutil.which("uv")


@pytest.fixture(scope="module")
def pypi_world(tmp_path_factory):
    root = tmp_path_factory.mktemp("uv-mirror")
    wheels = root.parent / f"{root.name}-wheels"
    tree_ = MirrorTree(root)
    tree_.add("pkgs/main", Pkg("tunatest-base", "1.0", "linux-64"))
    tree_.add_wheel("tunauv", build_wheel(wheels, "tunauv", "1.0"))
    tree_.write()
    with MirrorServer(tree_.root, "tuna") as server:
        yield server


def test_the_real_uv_uses_the_mirror_enable_wrote(sandbox, pypi_world, tmp_path):
    uv = uv_binary()
    if uv is None:
        pytest.skip("uv is not installed (`pip install uv`; it is in the test extras)")
    sandbox.write_condarc("channels:\n  - defaults\n")
    enable(sandbox, pypi_world).check()
    requirements = tmp_path / "requirements.in"
    requirements.write_text("tunauv\n")
    pypi_world.clear()
    env = {**sandbox.env(), "UV_PYTHON_DOWNLOADS": "never", "UV_NO_CACHE": "1"}
    run = subprocess.run([uv, "pip", "compile", str(requirements), "--python", sys.executable,
                          "--no-header", "-v"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "tunauv==1.0" in run.stdout
    log = run.stderr.replace("`", "")
    assert f"Found user configuration in: {uv_toml(sandbox)}" in log, log
    assert "/pypi/web/simple/tunauv/" in pypi_world.paths(), pypi_world.paths()
    sandbox.run("tuna", "disable").check()
    assert not uv_toml(sandbox).exists()


# --------------------------------------------------------------------------- conda-pypi
@pytest.mark.skipif(importlib.util.find_spec("conda_pypi") is None,
                    reason="conda-pypi is not installed here (what status says is checked "
                           "against its source when it is)")
def test_conda_pypi_still_has_a_fixed_index_and_only_dash_i():
    """conda-tuna's status says `conda pypi install` asks pypi.org unless given -i: true of
    conda-pypi 0.13.1 (DEFAULT_INDEX_URLS, no setting). Fails loudly when that changes."""
    import inspect

    from conda_pypi import downloader

    assert downloader.DEFAULT_INDEX_URLS == ("https://pypi.org/simple/",)
    default = inspect.signature(downloader.get_package_finder).parameters["index_urls"].default
    assert tuple(default) == downloader.DEFAULT_INDEX_URLS
    from conda_pypi.cli import install

    source = inspect.getsource(install)
    assert '"--index-url"' in source and "get_package_finder(prefix_path, index_urls)" in source
    from conda_tuna.pypi.adapter import CONDA_PYPI_DEFAULT_INDEX

    assert CONDA_PYPI_DEFAULT_INDEX in downloader.DEFAULT_INDEX_URLS
    assert json.dumps(CONDA_PYPI_DEFAULT_INDEX)  # a plain string in status --json
