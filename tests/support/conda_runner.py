"""Run real conda in a subprocess with an isolated HOME, package cache and config.

Integration tests use this so that each conda command sees exactly the config files the test
wrote: HOME, XDG_CONFIG_HOME, CONDARC and every CONDA_* variable of the caller are replaced
(and the caller's PIP_* and UV_* variables dropped: pip's and uv's config are tested too).
The locale is neutral (LANG=C.UTF-8; the caller's LANGUAGE, LC_ALL and LC_MESSAGES dropped), so
conda-tuna speaks English whatever the developer's locale; a test that wants Chinese sets
`extra_env["LANG"] = "zh_CN.UTF-8"` (or LANGUAGE/LC_ALL, which win over LANG).

The solver is chosen by the environment variable CONDA_TUNA_TEST_SOLVER (classic, libmamba or
rattler; classic when unset), so the whole suite can run under each solver users have. The
`solver` fixture (tests/conftest.py) runs one test under every solver installed here.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Environment variable naming the solver of every sandboxed conda run.
SOLVER_ENV = "CONDA_TUNA_TEST_SOLVER"
#: Environment variable that turns "conda is not importable" from a skip into an error (CI).
REQUIRE_CONDA_ENV = "CONDA_TUNA_REQUIRE_CONDA"
SOLVERS = ("classic", "libmamba", "rattler")
#: How often a rattler run that py-rattler crashed at exit is repeated (see CondaSandbox.run).
RATTLER_REPEATS = 2
#: conda-libmamba-solver 26.x runs on conda >= 26.5 only (its README and wheel say so).
_LIBMAMBA_26_MIN_CONDA = (26, 5)
#: conda-rattler-solver 0.2 needs conda >= 26.7 (its changelog: the shards API it uses).
_RATTLER_02_MIN_CONDA = (26, 7)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def solver_missing_reason(solver: str) -> str | None:
    """Why `solver` cannot run here, or None when it can. Decided from what is installed
    (without importing conda, so collection stays fast)."""
    if solver == "classic":
        return None
    if solver == "rattler":
        if importlib.util.find_spec("conda_rattler_solver") is None:
            return "conda-rattler-solver is not installed (pip install conda-rattler-solver)"
        plugin, conda = (_distribution_version("conda-rattler-solver"),
                         _distribution_version("conda"))
        if plugin and conda and _version_tuple(plugin) >= (0, 2) \
                and _version_tuple(conda) < _RATTLER_02_MIN_CONDA:
            return f"conda-rattler-solver {plugin} needs conda >= 26.7 (this is conda {conda})"
        return None
    if solver == "libmamba":
        if importlib.util.find_spec("conda_libmamba_solver") is None \
                or importlib.util.find_spec("libmambapy") is None:
            return ("conda-libmamba-solver with libmambapy is not installed (install-conda.sh "
                    "--with-libmamba, or a Miniconda/Miniforge base)")
        plugin, conda = (_distribution_version("conda-libmamba-solver"),
                         _distribution_version("conda"))
        if plugin and conda and _version_tuple(plugin) >= (26,) \
                and _version_tuple(conda) < _LIBMAMBA_26_MIN_CONDA:
            return f"conda-libmamba-solver {plugin} needs conda >= 26.5 (this is conda {conda})"
        return None
    return f"unknown solver {solver!r} (known: {', '.join(SOLVERS)})"


def installed_solvers() -> list[str]:
    """The solvers a sandboxed conda can use here, classic first."""
    return [name for name in SOLVERS if solver_missing_reason(name) is None]


def default_solver() -> str:
    """The solver of every sandboxed run: $CONDA_TUNA_TEST_SOLVER, else classic."""
    return os.environ.get(SOLVER_ENV, "").strip().lower() or "classic"


def solvers_under_test() -> list[str]:
    """What the `solver` fixture runs a test under: the one solver CONDA_TUNA_TEST_SOLVER
    names (so each leg of CI runs it once, under its own solver), else every installed one."""
    if os.environ.get(SOLVER_ENV, "").strip():
        return [default_solver()]
    return installed_solvers()


def conda_missing_reason() -> str | None:
    """Why real conda cannot be used here, or None when it can."""
    if importlib.util.find_spec("conda") is None:
        return ("conda is not importable in this Python (it is not on PyPI: install it with "
                "../shared/conda/install-conda.sh, or run the tests in a conda base; README, "
                "'To run the tests')")
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
    #: wall and CPU seconds of the conda process that gave this result (for benchmarks;
    #: a repeated run's first attempt and the sandbox's own bookkeeping are not counted)
    seconds: float = 0.0
    cpu_seconds: float = 0.0

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
    solver: str = field(default_factory=default_solver)
    #: Python run in conda's process before conda's main (e.g. `without_hooks(...)`, or a
    #: probe that reports conda's internal state); empty: plain `python -m conda`.
    prelude: str = ""
    #: Loopback servers (with `mark()`/`rewind()`) whose request logs and one-shot faults a
    #: repeated run (see :meth:`run`) rewinds; World.configure registers its own.
    servers: list = field(default_factory=list)

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
               if not k.startswith(("CONDA", "_CONDA", "PIP_", "UV_", "XDG_CONFIG",
                                    "XDG_CACHE", "LC_", "LANG"))}
        env.update({
            # a neutral locale (English messages) whatever the caller's is; a test that
            # wants another language sets LANG/LANGUAGE/LC_* in extra_env
            "LANG": "C.UTF-8",
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.base / "cache"),  # conda-tuna's health cache, per test
            "USERPROFILE": str(self.home),
            "CONDA_PKGS_DIRS": str(self.base / "pkgs"),
            "CONDA_ENVS_DIRS": str(self.base / "envs"),
            "CONDA_SOLVER": self.solver,
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
        cmd = [sys.executable, "-m", "conda", *args] if not self.prelude else \
            [sys.executable, "-c", self.prelude + _RUN_CONDA, *args]
        if self.solver != "rattler":
            return self._spawn(cmd, args, timeout, stdin)
        # py-rattler 0.26 (conda-rattler-solver 0.2.0) sometimes dies of SIGABRT or SIGSEGV in
        # Python's shutdown, after conda has finished ("Fatal Python error: PyGILState_Release
        # ... Python runtime state: finalizing"); the exit status is then lost. Measured with
        # plain conda, conda-tuna not enabled: 1 run in 100. Not conda-tuna's doing, so the run
        # is repeated (at most RATTLER_REPEATS times: a leg makes hundreds of solving runs, so
        # two crashes of one command in a row do happen) -- each time from the same start: the
        # sandbox's files and the servers' logs and one-shot faults are put back first, so the
        # test sees one run.
        servers = [(server, server.mark()) for server in self.servers]
        with tempfile.TemporaryDirectory(prefix="conda-sandbox-") as saved:
            _copy_tree(self.base, Path(saved))
            result = self._spawn(cmd, args, timeout, stdin)
            for _ in range(RATTLER_REPEATS):
                if not died_of_signal(result.returncode, result.stderr):
                    break
                print(f"conda {' '.join(args)}: died of signal {-result.returncode} "
                      f"(py-rattler at exit); running it again from the same start")
                _restore_tree(Path(saved), self.base)
                for server, mark in servers:
                    server.rewind(mark)
                result = self._spawn(cmd, args, timeout, stdin)
        return result

    def _spawn(self, cmd: list[str], args: tuple[str, ...], timeout: float,
               stdin: str | None) -> CondaResult:
        env = self.env()
        if self.solver == "rattler":
            env.setdefault("PYTHONFAULTHANDLER", "1")  # a segfault says where it happened
        cpu, start = _children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=timeout, input=stdin, cwd=self.base)
        return CondaResult(list(args), proc.returncode, proc.stdout, proc.stderr,
                           time.perf_counter() - start, _children_cpu() - cpu)


def _children_cpu() -> float:
    """CPU seconds used so far by this process's waited-for children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _copy_tree(source: Path, target: Path) -> None:
    """Copy `source`'s contents into `target` (symlinks as links, times kept)."""
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)


def _restore_tree(saved: Path, base: Path) -> None:
    """Make `base` hold exactly what `saved` holds."""
    for entry in base.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    _copy_tree(saved, base)


#: What `python -m conda` does (conda/__main__.py), after a prelude.
_RUN_CONDA = "\nimport sys\nfrom conda.cli import main\nsys.exit(main())\n"


def without_hooks(*names: str) -> str:
    """A prelude that makes conda's plugin manager unaware of these hook specifications, as
    an older conda is: e.g. without `conda_error_hints` this conda behaves, for plugins, like
    conda 26.5-26.6; without that and `conda_exception_observers`, like 24.11-26.4."""
    lines = ["import conda.plugins.hookspec as _spec"]
    lines += [f"if hasattr(_spec.CondaSpecs, {name!r}): delattr(_spec.CondaSpecs, {name!r})"
              for name in names]
    return "\n".join(lines) + "\n"


def died_of_signal(returncode: int, stderr: str) -> bool:
    """Killed by SIGABRT or SIGSEGV with Python's fatal-error report (a native extension's
    crash; conda-tuna is pure Python)."""
    return returncode in (-signal.SIGABRT, -signal.SIGSEGV) and "Fatal Python error" in stderr


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root` with its bytes (to prove disable restores byte for byte)."""
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}
