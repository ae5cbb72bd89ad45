"""scripts/bootstrap.sh end to end against a loopback mirror, with real conda.

What is real: the script itself (run by /bin/sh), its download (curl or wget) of the
installer and its .sha256 from the mirror, the checksum check, pip installing conda-tuna's
real wheel (built from this checkout) from the mirror's PyPI index, and `conda tuna enable`
run by real conda inside the new installation.

What is stubbed, and why: the installer. A real Miniforge cannot be downloaded here, so the
mirror serves a small sh script (tests/support/python_stub.py) that, run as
`sh installer -b -p PREFIX`, makes PREFIX a venv of the test interpreter with conda (from
the host, not conda-tuna) importable and a bin/conda, and leaves a marker. `uname` is faked
first on PATH so that the same machine can be x86_64, aarch64 or an unknown architecture.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.mirror import MirrorServer, MirrorTree
from tests.support.packaging import build_wheel, missing
from tests.support.python_stub import SITE_REL, host_site_view, write_stub_installer
from tests.unit.test_bootstrap_script import SCRIPT, fake_uname

pytestmark = pytest.mark.integration

MINIFORGE = "github-release/conda-forge/miniforge/LatestRelease"
MINICONDA = "anaconda/miniconda"


def add_installer(root: Path, directory: str, name: str, site_view: Path, *,
                  sha256: str | None = "good") -> Path:
    """A stub installer at <root>/<directory>/<name>, with a good, bad or no .sha256."""
    path = root / directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_stub_installer(path, site_view)
    if sha256 == "good":
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        (path.parent / (name + ".sha256")).write_text(f"{digest}  {name}\n")
    elif sha256 == "bad":
        (path.parent / (name + ".sha256")).write_text("f" * 64 + f"  {name}\n")
    return path


@pytest.fixture(scope="module")
def site_view(tmp_path_factory) -> Path:
    return host_site_view(tmp_path_factory.mktemp("host-site-view"))


@pytest.fixture(scope="module")
def mirror_root(tmp_path_factory, site_view) -> Path:
    """A mirror with stub installers (Miniforge with .sha256, Miniconda without) and
    conda-tuna's real wheel in its PyPI index."""
    reason = missing("hatchling", "hatch_vcs")
    if reason:
        pytest.skip(f"building conda-tuna's wheel {reason}")
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    root = tmp_path_factory.mktemp("bootstrap-mirror")
    MirrorTree(root).add_wheel("conda-tuna", wheel).write(subdirs=())
    for arch in ("x86_64", "aarch64"):
        add_installer(root, MINIFORGE, f"Miniforge3-Linux-{arch}.sh", site_view)
    add_installer(root, MINICONDA, "Miniconda3-latest-Linux-x86_64.sh", site_view, sha256=None)
    return root


@pytest.fixture
def server(mirror_root):
    with MirrorServer(mirror_root, "tuna") as srv:
        yield srv


def run_bootstrap(sandbox, server, *args: str, machine: str = "x86_64",
                  prefix: Path | None = None) -> subprocess.CompletedProcess:
    bin_dir = fake_uname(sandbox.base / f"fakebin-{machine}", "Linux", machine)
    env = sandbox.env()
    env = {k: v for k, v in env.items() if not k.startswith("CONDA_TUNA_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["PIP_CONFIG_FILE"] = os.devnull  # only the loopback index given by the script
    prefix_args = ["--prefix", str(prefix)] if prefix else []
    return subprocess.run(["sh", str(SCRIPT), "--mirror", server.url, *prefix_args, *args],
                          capture_output=True, text=True, env=env, timeout=300,
                          cwd=sandbox.base)


def requested(server, fragment: str) -> list[str]:
    return [p for p in server.paths() if fragment in p]


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_bootstrap_end_to_end_and_rerun(sandbox, server, tmp_path, machine):
    prefix = tmp_path / "miniforge3"
    proc = run_bootstrap(sandbox, server, machine=machine, prefix=prefix)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installer = f"/{MINIFORGE}/Miniforge3-Linux-{machine}.sh"
    assert requested(server, installer) == [installer, installer + ".sha256"]
    other = "aarch64" if machine == "x86_64" else "x86_64"
    assert not requested(server, f"Miniforge3-Linux-{other}")
    assert all(r.headers.get("User-Agent", "").startswith("conda-tuna-bootstrap/")
               for r in server.requests if "Miniforge3" in r.path)
    assert "verified Miniforge3" in proc.stdout
    # the installer ran once, non-interactively, into the prefix
    assert (prefix / ".stub-installer-ran").read_text().strip().endswith(f"-b -p {prefix}")
    # conda-tuna came from the mirror's PyPI index, into the new installation
    assert requested(server, "/pypi/web/simple/conda-tuna/")
    assert (prefix / SITE_REL / "conda_tuna" / "__init__.py").is_file()
    # and conda now routes through the mirror (user scope)
    assert server.url in sandbox.drop_in.read_text()
    assert not (prefix / "condarc.d").exists()
    shown = subprocess.run([str(prefix / "bin" / "conda"), "config", "--show",
                            "channel_settings", "--json"], capture_output=True, text=True,
                           env=sandbox.env(), timeout=120)
    entries = json.loads(shown.stdout)["channel_settings"]
    assert {"channel": "https://conda.anaconda.org/*", "auth": "conda-tuna"} in entries

    server.clear()
    again = run_bootstrap(sandbox, server, machine=machine, prefix=prefix)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already installed at" in again.stdout
    assert "conda-tuna is already installed" in again.stdout
    assert len((prefix / ".stub-installer-ran").read_text().splitlines()) == 1
    assert not requested(server, "Miniforge3") and not requested(server, "/pypi/")
    assert server.url in sandbox.drop_in.read_text()


def test_system_mode_writes_system_scope(sandbox, server, tmp_path):
    prefix = tmp_path / "opt" / "miniforge3"
    proc = run_bootstrap(sandbox, server, "--system", prefix=prefix)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "--scope system" in proc.stdout
    assert server.url in (prefix / "condarc.d" / "conda-tuna.yml").read_text()
    assert not sandbox.drop_in.exists()


def test_unknown_architecture_fails_before_any_download(sandbox, server, tmp_path):
    prefix = tmp_path / "miniforge3"
    proc = run_bootstrap(sandbox, server, machine="riscv64", prefix=prefix)
    assert proc.returncode == 1
    assert "unknown or unsupported architecture 'riscv64'" in proc.stderr
    assert server.paths() == [] and not prefix.exists()


def test_miniconda_without_checksum_is_installed_with_a_warning(sandbox, server, tmp_path):
    prefix = tmp_path / "miniconda3"
    proc = run_bootstrap(sandbox, server, "--flavor", "miniconda", "--channels", "defaults",
                         prefix=prefix)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "NOT verified" in proc.stderr
    assert requested(server, f"/{MINICONDA}/Miniconda3-latest-Linux-x86_64.sh")
    assert (prefix / ".stub-installer-ran").is_file()
    assert server.url in sandbox.drop_in.read_text()


@pytest.fixture
def bad_server(tmp_path_factory, site_view):
    """A mirror whose x86_64 .sha256 does not match and whose aarch64 one is missing."""
    root = tmp_path_factory.mktemp("bad-mirror")
    add_installer(root, MINIFORGE, "Miniforge3-Linux-x86_64.sh", site_view, sha256="bad")
    add_installer(root, MINIFORGE, "Miniforge3-Linux-aarch64.sh", site_view, sha256=None)
    with MirrorServer(root, "tuna") as srv:
        yield srv


def test_checksum_mismatch_installs_nothing(sandbox, bad_server, tmp_path):
    prefix = tmp_path / "miniforge3"
    proc = run_bootstrap(sandbox, bad_server, prefix=prefix)
    assert proc.returncode == 1
    assert "checksum mismatch for Miniforge3-Linux-x86_64.sh" in proc.stderr
    assert not prefix.exists() and not sandbox.drop_in.exists()
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(
        "conda-tuna-bootstrap.*/Miniforge3-Linux-x86_64.sh"))


def test_missing_miniforge_checksum_refuses_unless_no_verify(sandbox, bad_server, tmp_path):
    prefix = tmp_path / "miniforge3"
    proc = run_bootstrap(sandbox, bad_server, machine="aarch64", prefix=prefix)
    assert proc.returncode == 1 and "could not fetch" in proc.stderr
    assert not prefix.exists()


def test_existing_non_conda_prefix_is_not_touched(sandbox, server, tmp_path):
    prefix = tmp_path / "data"
    prefix.mkdir()
    (prefix / "thesis.tex").write_text("precious")
    proc = run_bootstrap(sandbox, server, prefix=prefix)
    assert proc.returncode == 1 and "refusing to install over it" in proc.stderr
    assert sorted(p.name for p in prefix.iterdir()) == ["thesis.tex"]
    assert not requested(server, "Miniforge3")
