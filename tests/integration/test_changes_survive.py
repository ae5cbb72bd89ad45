"""Multi-file changes survive kills, concurrency, links and sudo (issue 11), with real conda.

`conda tuna enable` (and `--pip`, which changes pip.conf and uv.toml too) is stopped after
each of its durable steps by the change journal's test seam ($CONDA_TUNA_TEST_CRASH_AFTER=N:
the process exits with 137, like kill -9); whatever runs next (disable; enable then
disable; status then disable) must give back HOME exactly as it was: every byte, mode, owner
and symlink, no stray temp file or directory.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conda_tuna.base.journal import BACKUPS, CRASH_ENV, STATE_DIR
from tests.support.tree import difference, tree

pytestmark = pytest.mark.integration

PIP_ORIGINAL = (b"# my pip settings\r\n[global]\r\ntimeout = 30\r\n"
                b"index-url =\r\n    https://corp.example/simple\r\n")
UV_ORIGINAL = (b"# my uv settings\nindex-url = \"https://corp.example/simple\"\n"
               b"[pip]\ncompile-bytecode = true\n")


def user_pip_conf(sandbox, *, link: bool = True):
    """~/.config/pip/pip.conf, as a dotfile manager's symlink to ~/dotfiles/pip.conf."""
    real = sandbox.home / "dotfiles" / "pip.conf"
    real.parent.mkdir(parents=True, exist_ok=True)
    real.write_bytes(PIP_ORIGINAL)
    os.chmod(real, 0o600)
    conf = sandbox.home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    if link:
        conf.symlink_to(real)
    else:
        conf.write_bytes(PIP_ORIGINAL)
    return conf


def user_uv_toml(sandbox, *, link: bool = True):
    """~/.config/uv/uv.toml (issue 12), a symlink to ~/dotfiles/uv.toml (mode 0640) too."""
    real = sandbox.home / "dotfiles" / "uv.toml"
    real.parent.mkdir(parents=True, exist_ok=True)
    real.write_bytes(UV_ORIGINAL)
    os.chmod(real, 0o640)
    conf = sandbox.home / ".config" / "uv" / "uv.toml"
    conf.parent.mkdir(parents=True, exist_ok=True)
    if link:
        conf.symlink_to(real)
    else:
        conf.write_bytes(UV_ORIGINAL)
    return conf


def enable(sandbox, mirror, *extra, crash_after=None):
    if crash_after is not None:
        sandbox.extra_env[CRASH_ENV] = str(crash_after)
    try:
        return sandbox.run("tuna", "enable", "--url", mirror.url, "-y", *extra)
    finally:
        sandbox.extra_env.pop(CRASH_ENV, None)


@pytest.mark.parametrize("extra", [(), ("--pip",)], ids=["enable", "enable --pip"])
def test_a_kill_at_every_step_of_enable_loses_nothing(sandbox, mirror, extra):
    """With --pip, three files change in one journaled set: the drop-in, pip.conf and
    uv.toml (both symlinks into ~/dotfiles, each with the user's own index-url)."""
    sandbox.write_condarc("channels:\n  - defaults\n")
    if extra:
        user_pip_conf(sandbox)
        user_uv_toml(sandbox)
    before = tree(sandbox.home)
    step = 0
    while True:
        step += 1
        result = enable(sandbox, mirror, *extra, crash_after=step)
        if result.returncode == 0:
            break  # enable finished before its Nth step: every step has been tried
        assert result.returncode == 137, result.output
        sandbox.run("tuna", "disable").check()
        assert difference(before, tree(sandbox.home)) == [], f"disable after step {step}"

        assert enable(sandbox, mirror, *extra, crash_after=step).returncode == 137
        enable(sandbox, mirror, *extra).check()  # finishes or redoes the interrupted one
        sandbox.run("tuna", "disable").check()
        assert difference(before, tree(sandbox.home)) == [], f"enable+disable, step {step}"
        assert step < 40
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []
    assert step > (11 if extra else 5)


def test_status_finishes_an_interrupted_enable(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - defaults\n")
    user_pip_conf(sandbox)
    user_uv_toml(sandbox)
    before = tree(sandbox.home)
    assert enable(sandbox, mirror, "--pip", crash_after=6).returncode == 137
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] is True and status["recovered"]
    assert b"pypi/web/simple" in (sandbox.home / "dotfiles" / "pip.conf").read_bytes()
    assert b"pypi/web/simple" in (sandbox.home / "dotfiles" / "uv.toml").read_bytes()
    assert status["uv"]["set_by_conda_tuna"] is True
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []


def test_concurrent_enable_pip_then_disable(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - defaults\n")
    user_pip_conf(sandbox, link=False)
    user_uv_toml(sandbox, link=False)
    before = tree(sandbox.home)
    cmd = [sys.executable, "-m", "conda", "tuna", "enable", "--url", mirror.url, "--pip", "-y"]
    procs = [subprocess.Popen(cmd, env=sandbox.env(), cwd=sandbox.base,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for _ in range(3)]
    outputs = [p.communicate(timeout=300)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert "Traceback" not in "".join(outputs)
    conf = (sandbox.home / ".config" / "pip" / "pip.conf").read_bytes()
    assert conf.count(b"pypi/web/simple") == 1  # once, not once per run
    uv = (sandbox.home / ".config" / "uv" / "uv.toml").read_bytes()
    assert uv.count(b"pypi/web/simple") == 1 and uv.count(b"conda-tuna-replaced") == 1
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []


def test_symlinked_pip_conf_stays_a_symlink(sandbox, mirror):
    conf = user_pip_conf(sandbox)
    uv = user_uv_toml(sandbox)
    before = tree(sandbox.home)
    enable(sandbox, mirror, "--pip").check()
    assert conf.is_symlink() and b"pypi/web/simple" in conf.read_bytes()
    assert uv.is_symlink() and b"pypi/web/simple" in uv.read_bytes()
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []


def test_pip_config_file_at_enable_but_not_at_disable(sandbox, mirror, tmp_path):
    custom = tmp_path / "custom-pip.conf"
    custom.write_bytes(PIP_ORIGINAL)
    before = tree(sandbox.home)
    sandbox.extra_env["PIP_CONFIG_FILE"] = str(custom)
    enable(sandbox, mirror, "--pip").check()
    assert b"pypi/web/simple" in custom.read_bytes()
    del sandbox.extra_env["PIP_CONFIG_FILE"]
    result = sandbox.run("tuna", "disable").check()
    assert str(custom) in result.output
    assert custom.read_bytes() == PIP_ORIGINAL
    assert difference(before, tree(sandbox.home)) == []


def test_latin1_pip_conf_comes_back_byte_for_byte(sandbox, mirror):
    conf = sandbox.home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_bytes(b"[global]\ntimeout = 5\n# caf\xe9 cr\xe8me\n")
    before = tree(sandbox.home)
    enable(sandbox, mirror, "--pip").check()
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []


def test_deleted_backup_loses_nothing(sandbox, mirror):
    user_pip_conf(sandbox, link=False)
    user_uv_toml(sandbox, link=False)
    before = tree(sandbox.home)
    enable(sandbox, mirror, "--pip").check()
    for backup in (sandbox.home / STATE_DIR / BACKUPS).iterdir():
        backup.unlink()
    result = sandbox.run("tuna", "disable")
    assert result.returncode == 0 and "Traceback" not in result.output
    assert difference(before, tree(sandbox.home)) == []


@pytest.mark.parametrize(("setup", "reason"), [
    ("install-section", "[install] section"),
    ("env-var", "$PIP_INDEX_URL is set"),
])
def test_enable_pip_that_would_have_no_effect_writes_nothing(sandbox, mirror, setup, reason):
    conf = sandbox.home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[install]\nindex-url = https://corp.example/simple\n"
                    if setup == "install-section" else "[global]\ntimeout = 5\n")
    if setup == "env-var":
        sandbox.extra_env["PIP_INDEX_URL"] = "https://me:hunter2@corp.example/simple"
    before = tree(sandbox.home)
    result = enable(sandbox, mirror, "--pip")
    assert result.returncode == 1 and reason in result.output, result.output
    assert "nothing was written" in result.output and "hunter2" not in result.output
    assert "Traceback" not in result.output
    assert difference(before, tree(sandbox.home)) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root: this is `sudo -E conda tuna enable` with a user's HOME")
def test_root_with_a_users_home_never_leaves_root_owned_files(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - defaults\n")
    user_pip_conf(sandbox)
    user_uv_toml(sandbox)
    for path in [sandbox.home, *sandbox.home.rglob("*")]:
        os.chown(path, 1000, 1000, follow_symlinks=False)
    before = tree(sandbox.home)
    enable(sandbox, mirror, "--pip").check()
    owners = {str(p): os.lstat(p).st_uid for p in sandbox.home.rglob("*")}
    assert set(owners.values()) == {1000}, owners
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(sandbox.home)) == []
