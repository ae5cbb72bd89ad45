"""Run real conda in a subprocess with an isolated HOME, package cache and config.

Integration tests use this so that each conda command sees exactly the config files the test
wrote: HOME, XDG_CONFIG_HOME, CONDARC and every CONDA_* variable of the caller are replaced.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


def conda_missing_reason() -> str | None:
    """Why real conda cannot be used here, or None when it can."""
    if importlib.util.find_spec("conda") is None:
        return ("conda is not importable in this Python (it is not on PyPI; install it from "
                "source into this interpreter to run the integration tests)")
    names = {ep.name for ep in importlib.metadata.entry_points(group="conda")}
    if "conda-tuna" not in names:
        return "conda-tuna is not installed in this Python (pip install -e .)"
    return None


@dataclass
class CondaResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> object:
        return json.loads(self.stdout)

    def check(self) -> CondaResult:
        assert self.returncode == 0, (
            f"conda {' '.join(self.args)} failed ({self.returncode}):\n"
            f"{self.stdout}\n{self.stderr}"
        )
        return self


@dataclass
class CondaSandbox:
    """A throw-away user for conda: its HOME, package cache and environment directory."""

    base: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for sub in ("home", "pkgs", "envs"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)

    @property
    def home(self) -> Path:
        return self.base / "home"

    @property
    def condarc(self) -> Path:
        return self.home / ".condarc"

    @property
    def drop_in(self) -> Path:
        return self.home / ".conda" / "condarc.d" / "conda-tuna.yml"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CONDA", "_CONDA", "PIP_", "XDG_CONFIG", "XDG_CACHE"))}
        env.update({
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.base / "cache"),  # conda-tuna's health cache, per test
            "USERPROFILE": str(self.home),
            "CONDA_PKGS_DIRS": str(self.base / "pkgs"),
            "CONDA_ENVS_DIRS": str(self.base / "envs"),
            # CONDA_TUNA_TEST_SOLVER picks the solver of every sandboxed run (issue 10's name)
            "CONDA_SOLVER": os.environ.get("CONDA_TUNA_TEST_SOLVER", "").strip() or "classic",
            "CONDA_REMOTE_MAX_RETRIES": "0",
            "CONDA_REMOTE_CONNECT_TIMEOUT_SECS": "3",
            "CONDA_REMOTE_READ_TIMEOUT_SECS": "10",
            "CONDA_NOTIFY_OUTDATED_CONDA": "false",
            "CONDA_REPORT_ERRORS": "false",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        })
        # conda 24-25's `conda doctor` verifies REQUESTS_CA_BUNDLE by contacting the channel
        # alias on the internet; tests stay on loopback
        env.pop("REQUESTS_CA_BUNDLE", None)
        env.update(self.extra_env)
        return env

    def write_condarc(self, text: str) -> Path:
        self.condarc.write_text(text)
        return self.condarc

    def run(self, *args: str, timeout: float = 300, stdin: str | None = None) -> CondaResult:
        cmd = [sys.executable, "-m", "conda", *args]
        proc = subprocess.run(cmd, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, input=stdin, cwd=self.base)
        return CondaResult(list(args), proc.returncode, proc.stdout, proc.stderr)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root` with its bytes (to prove disable restores byte for byte)."""
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}
