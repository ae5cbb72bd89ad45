"""scripts/bootstrap.sh without installing anything: shellcheck, platform detection with a
faked `uname`, and its installer table against conda_tuna.installers.catalog (they must agree)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conda_tuna.base.errors import TunaError
from conda_tuna.base.urls import check_mirror_url
from conda_tuna.installers.catalog import installer_for
from tests.unit.base.url_cases import CASES, ERROR, LOOPBACK, REMOTE

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
    (["--mirror", "ftp://x"], "must start with https://"),
    (["--mirror", "http://mirror.example"], "plain http://"),
])
def test_bad_arguments(tmp_path, args, message):
    proc = run_script(tmp_path, *args, "--print-url")
    assert proc.returncode == 1 and message in proc.stderr


def test_help(tmp_path):
    proc = run_script(tmp_path, "--help")
    assert proc.returncode == 0 and "--system" in proc.stdout and "--mirror URL" in proc.stdout


def _script_verdict(tmp_path: Path, url: str) -> str:
    """The script's view of `url`: error, loopback (http:// accepted without --allow-http)
    or remote. --mirror=URL keeps an empty or dash-led value a value."""
    allowed = run_script(tmp_path, "--print-url", f"--mirror={url}", "--allow-http")
    if allowed.returncode:
        assert "ERROR" in allowed.stderr and allowed.stdout == ""
        return ERROR
    if not url.lower().startswith("http:"):
        return "accepted"  # https: loopback or not makes no difference
    plain = run_script(tmp_path, "--print-url", f"--mirror={url}")
    if plain.returncode:
        assert "plain http://" in plain.stderr
        return REMOTE
    return LOOPBACK


def _python_verdict(url: str) -> str:
    try:
        parsed = check_mirror_url(url, allow_http=True)
    except TunaError:
        return ERROR
    if parsed.scheme != "http":
        return "accepted"
    return LOOPBACK if parsed.loopback else REMOTE


@pytest.mark.parametrize(("url", "expected", "sh_rejects"), CASES, ids=repr)
def test_mirror_url_rule_is_the_python_validators(tmp_path, url, expected, sh_rejects):
    """The same table as tests/unit/base/test_urls.py: for ASCII input the script decides
    exactly as conda_tuna.base.urls (accept, reject, loopback); non-ASCII it refuses."""
    as_http = "http://" + url[len("https://"):] if url.lower().startswith("https://") else url
    for candidate in dict.fromkeys([url, as_http]):
        wanted = ERROR if sh_rejects else _python_verdict(candidate)
        assert _script_verdict(tmp_path, candidate) == wanted, candidate
    assert _python_verdict(as_http) == expected


def test_rejected_mirror_url_is_shown_without_its_password(tmp_path):
    proc = run_script(tmp_path, "--print-url", "--mirror", "https://me:hunter2@m.example")
    assert proc.returncode == 1 and "hunter2" not in proc.stderr
    assert "user name or password" in proc.stderr
