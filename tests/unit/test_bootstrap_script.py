"""scripts/bootstrap.sh without installing anything: shellcheck, platform detection with a
faked `uname`, and its installer table against conda_tuna.installers.catalog (they must agree)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conda_tuna.installers.catalog import installer_for

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bootstrap.sh"
ROOT = "https://mirrors.example.edu.cn"


def fake_uname(bin_dir: Path, system: str, machine: str) -> Path:
    """A `uname` first on PATH that answers -s and -m as told (anything else: the real one)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    real = shutil.which("uname") or "/bin/uname"
    script = bin_dir / "uname"
    script.write_text(f"""#!/bin/sh
case "$1" in
  -s) echo '{system}' ;;
  -m) echo '{machine}' ;;
  *) exec '{real}' "$@" ;;
esac
""")
    script.chmod(0o755)
    return bin_dir


def run_script(tmp_path: Path, *args: str, system: str = "Linux", machine: str = "x86_64",
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    bin_dir = fake_uname(tmp_path / f"fakebin-{system}-{machine}", system, machine)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONDA_TUNA_")}
    full_env.update({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                     "HOME": str(tmp_path / "home")})
    full_env.update(env or {})
    return subprocess.run(["sh", str(SCRIPT), *args], capture_output=True, text=True,
                          env=full_env, timeout=60)


@pytest.mark.skipif(shutil.which("shellcheck") is None,
                    reason="shellcheck is not installed (apt-get install shellcheck)")
def test_shellcheck_clean():
    proc = subprocess.run(["shellcheck", "-s", "sh", str(SCRIPT)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(("system", "machine", "os_name", "arch"), [
    ("Linux", "x86_64", "linux", "x86_64"),
    ("Linux", "aarch64", "linux", "aarch64"),
    ("Linux", "arm64", "linux", "aarch64"),
    ("Linux", "ppc64le", "linux", "ppc64le"),
    ("Darwin", "arm64", "macos", "aarch64"),
    ("Darwin", "x86_64", "macos", "x86_64"),
])
@pytest.mark.parametrize("flavor", ["miniforge", "miniconda"])
def test_print_url_matches_installers_table(tmp_path, system, machine, os_name, arch, flavor):
    proc = run_script(tmp_path, "--print-url", "--flavor", flavor, "--mirror", ROOT + "/",
                      system=system, machine=machine)
    try:
        expected = installer_for(ROOT, flavor, os_name, arch).url
    except Exception:  # no such installer: the script must refuse too
        assert proc.returncode != 0 and "no Miniconda installer" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected


def test_mirror_from_environment(tmp_path):
    proc = run_script(tmp_path, "--print-url", env={"CONDA_TUNA_MIRROR": "https://m.example"})
    assert proc.stdout.strip().startswith("https://m.example/github-release/")


@pytest.mark.parametrize("machine", ["riscv64", "i686", "armv7l", "s390x"])
def test_unknown_architecture_fails_loudly(tmp_path, machine):
    proc = run_script(tmp_path, "--print-url", machine=machine)
    assert proc.returncode == 1 and proc.stdout == ""
    assert f"unknown or unsupported architecture '{machine}'" in proc.stderr
    assert "x86_64, aarch64/arm64 and ppc64le" in proc.stderr


@pytest.mark.parametrize("system", ["MINGW64_NT-10.0", "FreeBSD", "SunOS"])
def test_unknown_or_windows_os_fails_loudly(tmp_path, system):
    proc = run_script(tmp_path, "--print-url", system=system)
    assert proc.returncode == 1 and proc.stdout == ""
    if system.startswith("MINGW"):
        assert "on Windows download the .exe installer" in proc.stderr
    else:
        assert f"unknown operating system '{system}'" in proc.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--bogus"], "unknown option '--bogus'"),
    (["--mirror"], "--mirror needs a value"),
    (["--flavor", "anaconda"], "unknown flavor 'anaconda'"),
    (["--mirror", "ftp://x"], "malformed mirror URL"),
    (["--mirror", "http://mirror.example"], "plain http://"),
])
def test_bad_arguments(tmp_path, args, message):
    proc = run_script(tmp_path, *args, "--print-url")
    assert proc.returncode == 1 and message in proc.stderr


def test_help(tmp_path):
    proc = run_script(tmp_path, "--help")
    assert proc.returncode == 0 and "--system" in proc.stdout and "--mirror URL" in proc.stdout
