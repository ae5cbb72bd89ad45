"""Build conda-tuna the way users get it: a wheel (for pip and the mirror's PyPI index) and a
`noarch: python` conda package made from that wheel with whl2conda, indexed into a local
channel with conda-index. No conda import; tests skip, naming what is missing, without the
build tools (all on PyPI: `pip install -e .[test]`).
"""

from __future__ import annotations

import importlib.util
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_WHEELS: dict[str, Path] = {}


def missing(*modules: str) -> str | None:
    """Why a build step cannot run here, or None."""
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if absent:
        return f"needs {', '.join(absent)} (pip install -e '.[test]')"
    return None


def host_subdir() -> str:
    """conda's subdir for this machine (linux-64, linux-aarch64, osx-arm64, ...)."""
    system, machine = platform.system(), platform.machine().lower()
    os_part = {"Linux": "linux", "Darwin": "osx", "Windows": "win"}[system]
    arch = {"x86_64": "64", "amd64": "64", "aarch64": "aarch64", "arm64": "arm64",
            "ppc64le": "ppc64le"}[machine]
    if os_part == "linux" and arch == "arm64":
        arch = "aarch64"
    return f"{os_part}-{arch}"


def build_wheel(out_dir: Path) -> Path:
    """conda-tuna's wheel, built from this checkout (version from git tags, by hatch-vcs).

    Built once per test session; later calls copy nothing and return the same file.
    """
    if "wheel" in _WHEELS and _WHEELS["wheel"].is_file():
        return _WHEELS["wheel"]
    out_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(out_dir)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"wheel build failed:\n{proc.stdout}\n{proc.stderr}"
    wheel = next(out_dir.glob("conda_tuna-*.whl"))
    _WHEELS["wheel"] = wheel
    return wheel


def wheel_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def whl2conda(wheel: Path, out_dir: Path, *extra_deps: str) -> Path:
    """Convert `wheel` into a `.conda` noarch: python package with whl2conda.

    whl2conda reads [tool.whl2conda] in pyproject.toml (the conda-only run dependencies,
    e.g. conda itself, which is not on PyPI); `extra_deps` add more.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "whl2conda", "convert", str(wheel), "--root", str(REPO),
           "--out-dir", str(out_dir), "--format", "V2", "--batch", "--yes", "--overwrite"]
    for dep in extra_deps:
        cmd += ["-A", dep]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"whl2conda failed:\n{proc.stdout}\n{proc.stderr}"
    return next(out_dir.glob("conda-tuna-*.conda"))


def index_channel(channel: Path) -> None:
    """Write repodata.json for every subdir of `channel` with conda-index."""
    proc = subprocess.run([sys.executable, "-m", "conda_index", str(channel)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"conda-index failed:\n{proc.stdout}\n{proc.stderr}"
