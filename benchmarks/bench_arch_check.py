"""Cost of the architecture check per solver: `conda create --dry-run` with
`plugins.tuna_arch_check` on vs off, against a conda-forge-shaped channel served on 127.0.0.1.

For each size (200,000 records, conda-forge's size, and 20,000) and each installed solver
(classic, libmamba, rattler), the modes alternate run by run (medians are printed):

* success path: 5 installable specs, `warn` vs `off`, with a cold package cache (nothing
  cached: every repodata file is downloaded) and a warm one (conda revalidates, 304s);
  wall and CPU time (user+sys of the conda process) as ratios, and the server's requests;
* failure path: 3 specs, 2 of them not installable on linux-64, `warn` vs `off`: what the
  diagnosis adds to a command that fails anyway, and that it was shown;
* error mode: the success specs with `error` vs `off` (it checks before the solve).

The channel (repodata.json only; a --dry-run downloads no package) is generated once into
the system temp directory and reused. Everything stays on loopback.

    python benchmarks/bench_arch_check.py                  # 200k and 20k, 3 runs (~8 min)
    python benchmarks/bench_arch_check.py --quick          # 20k, 1 run (~1 min)
    python benchmarks/bench_arch_check.py --sizes 200000 --runs 5 --solvers rattler

Needs a Python where conda and conda-tuna are importable (e.g. install-conda.sh's venv).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.conda_runner import RATTLER_REPEATS, died_of_signal, installed_solvers
from tests.support.mirror import MirrorServer

CHANNEL = "anaconda/cloud/conda-forge"
TARGET = "linux-64"
FORMAT_VERSION = 2  # bump when the generator changes, so cached channels are rebuilt

# ------------------------------------------------------------------------- the channel
PYS = ("39", "310", "311", "312", "313")
BASE = ["libgcc", "libstdcxx", "libzlib", "openssl", "ca-certificates", "bzip2", "xz",
        "libffi", "ncurses", "readline", "tk", "sqlite", "python", "python_abi"]
LICENSES = [("BSD-3-Clause", "BSD"), ("MIT", "MIT"), ("Apache-2.0", "APACHE"),
            ("GPL-3.0-or-later", "GPL3"), ("LGPL-2.1-or-later", "LGPL")]


def _digest(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _rec(name: str, version: str, build: str, build_number: int, depends: list[str],
         subdir: str, constrains: list[str] | None = None, noarch: str | None = None) -> dict:
    """A record with the fields conda-forge's have."""
    data = {
        "build": build, "build_number": build_number, "depends": depends,
        "license": LICENSES[len(name) % 5][0], "license_family": LICENSES[len(name) % 5][1],
        "md5": _digest("md5" + name + version + build + subdir, 32), "name": name,
        "sha256": _digest("sha" + name + version + build + subdir, 64),
        "size": 10_000 + int(_digest(name + build, 6), 16) % 5_000_000,
        "subdir": subdir, "timestamp": 1_700_000_000_000 + len(build) * 1000,
        "version": version,
    }
    if constrains:
        data["constrains"] = constrains
    if noarch:
        data["noarch"] = noarch
    return data


def _base_records(subdir: str) -> list[dict]:
    out = []
    for name in BASE:
        if name == "python":
            for py in PYS:
                ver = f"3.{py[1:]}.5"
                out.append(_rec(name, ver, f"h{_digest(name + ver + subdir, 7)}_0_cpython", 0,
                                ["libgcc >=13", "libzlib >=1.3", "openssl >=3.0",
                                 f"python_abi 3.{py[1:]}.* *_cp{py}"], subdir))
        elif name == "python_abi":
            for py in PYS:
                out.append(_rec(name, f"3.{py[1:]}", f"7_cp{py}", 7, [], subdir,
                                constrains=[f"python 3.{py[1:]}.* *_cpython"]))
        else:
            for v in range(6):
                out.append(_rec(name, f"13.{v}.0", f"h{_digest(name + str(v), 7)}_{v % 3}",
                                v % 3, ["libgcc >=13"] if name != "libgcc" else [], subdir))
    return out


def _package_records(names: list[str], subdir: str, keep, rng: random.Random) -> list[dict]:
    """Every name: 4 versions x 5 python builds, depending on lower-numbered names."""
    out = []
    index = {n: k for k, n in enumerate(names)}
    for i, name in enumerate(names):
        lo, hi = (max(0, i // 4 - 20), i // 4) if i >= 100 else (0, i)
        deps_of = sorted({names[rng.randrange(lo, hi)] for _ in range(rng.randint(1, 3))}) \
            if hi > lo else []
        if not keep(i):
            continue
        for v in range(4):
            version = f"{1 + i % 7}.{v}.{i % 3}"
            for py in PYS:
                minor = int(py[1:])
                depends = ["libgcc >=13", "libstdcxx >=13",
                           f"python >=3.{minor},<3.{minor + 1}.0a0",
                           f"python_abi 3.{minor}.* *_cp{py}"]
                depends += [f"{d} >=1.0" for d in deps_of if keep(index[d])]
                out.append(_rec(name, version, f"py{py}h{_digest(name + version + py, 7)}_{v % 2}",
                                v % 2, depends, subdir,
                                constrains=[f"{name}-doc {version}"] if v == 3 else None))
    return out


def _special(subdir: str) -> list[dict]:
    """armonly-tool has no linux-64 build; needs-armonly (linux-64 too) depends on it."""
    out = []
    for name, subdirs, depends in (
            ("armonly-tool", {"linux-aarch64", "osx-arm64"}, []),
            ("needs-armonly", {"linux-64", "linux-aarch64", "osx-arm64"}, ["armonly-tool"])):
        if subdir in subdirs:
            for v in ("1.0", "1.1"):
                out.append(_rec(name, v, f"h{_digest(name + v, 7)}_0", 0,
                                ["libgcc >=13", *depends], subdir))
    return out


def _write(root: Path, subdir: str, records: list[dict]) -> int:
    """repodata.json as conda-index writes it: sorted keys, 70% of records as .conda."""
    packages, conda = {}, {}
    for n, data in enumerate(records):
        stem = f"{data['name']}-{data['version']}-{data['build']}"
        if n % 10 < 7:
            conda[stem + ".conda"] = data
        else:
            packages[stem + ".tar.bz2"] = data
    directory = root / CHANNEL / subdir
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"info": {"subdir": subdir}, "packages": packages,
                       "packages.conda": conda, "removed": [], "repodata_version": 1},
                      indent=1, sort_keys=True)
    (directory / "repodata.json").write_text(text)
    return len(text)


def generate(root: Path, total: int) -> list[str]:
    """linux-64 with `total` records; linux-aarch64 ~1/3, osx-arm64 ~1/2, noarch ~1/8."""
    names = [f"pkg-{_digest(str(i), 4)}-{i:05d}" for i in range(max(1, (total - 200) // 20))]
    plan = {TARGET: lambda i: True, "linux-aarch64": lambda i: i % 3 == 0 or i < 400,
            "osx-arm64": lambda i: i % 2 == 0 or i < 400}
    for subdir, keep in plan.items():
        rng = random.Random(42)  # the same dependencies in every subdir
        _write(root, subdir, _base_records(subdir) + _package_records(names, subdir, keep, rng)
               + _special(subdir))
    noarch = []
    for i in range(max(1, total // 160)):
        for v in range(8):
            noarch.append(_rec(f"py-noarch-{i:05d}", f"0.{v}.0", "pyhd8ed1ab_0", 0,
                               ["python >=3.9", f"{names[i % len(names)]} >=1.0"] if i % 4
                               else ["python >=3.9"], "noarch", noarch="python"))
    for v in range(10):  # conda's add_pip_as_python_dependency: python needs pip
        noarch.append(_rec("pip", f"24.{v}", "pyh8b19718_0", 0, ["python >=3.9"], "noarch",
                           noarch="python"))
    _write(root, "noarch", noarch + _special("noarch"))
    return names


def channel(size: int, base: Path | None) -> tuple[Path, list[str]]:
    """The generated channel for `size` records (made once, then reused)."""
    root = (base or Path(tempfile.gettempdir())) / f"conda-tuna-bench-{size}-v{FORMAT_VERSION}"
    marker = root / "names.json"
    if not marker.exists():
        print(f"generating a {size:,}-record channel in {root} ...", flush=True)
        shutil.rmtree(root, ignore_errors=True)
        names = generate(root, size)
        marker.write_text(json.dumps(names))
    return root, json.loads(marker.read_text())


# ------------------------------------------------------------------------- running conda
#: Runs conda as `python -m conda` does, timing conda-tuna's pre-solve hook (with the imports
#: it triggers) and the failure diagnosis. It loads only conda_tuna.plugin, which conda loads
#: anyway: with the check off, no module of the check is imported.
_PRELUDE = """
import atexit, sys, time
import conda_tuna.plugin as _plugin
_spent = {"pre-solve": 0.0, "diagnosis": 0.0}
def _timed(function, key):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[key] += time.perf_counter() - start
    return timed
_pre_solve = _timed(_plugin._pre_solve, "pre-solve")
def _pre_solve_then_wrap(*args):
    try:
        return _pre_solve(*args)
    finally:
        hooks = sys.modules.get("conda_tuna.archcheck.hooks")
        if hooks is not None and not hasattr(hooks, "_bench"):
            hooks._bench = hooks._diagnosis = _timed(hooks._diagnosis, "diagnosis")
_plugin._pre_solve = _pre_solve_then_wrap
atexit.register(lambda: print("BENCH-ARCH %f %f" % (_spent["pre-solve"], _spent["diagnosis"]),
                              file=sys.stderr))
from conda.cli import main
sys.exit(main())
"""


@dataclass
class Run:
    wall: float
    cpu: float
    requests: int
    hook: float  # seconds in conda-tuna's pre-solve hook
    diagnosis: float  # seconds producing the failure diagnosis
    output: str


def conda_env(home: Path, solver: str, mode: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "_CONDA"))}
    env.update({"HOME": str(home / "home"), "CONDA_PKGS_DIRS": str(home / "pkgs"),
                "CONDA_ENVS_DIRS": str(home / "envs"), "CONDA_SOLVER": solver,
                "CONDA_SUBDIR": TARGET, "CONDA_PLUGINS_TUNA_ARCH_CHECK": mode,
                "CONDA_NOTIFY_OUTDATED_CONDA": "false", "CONDA_REPORT_ERRORS": "false",
                "XDG_CACHE_HOME": str(home / "cache"), "NO_PROXY": "127.0.0.1",
                "no_proxy": "127.0.0.1"})
    if solver == "rattler":  # its rare crash at exit must say "Fatal Python error" to be retried
        env["PYTHONFAULTHANDLER"] = "1"
    return env


def create(server: MirrorServer, specs: list[str], env: dict[str, str]) -> Run:
    """One `conda create --dry-run`, measured: wall, CPU of the child (wait4), requests."""
    cmd = [sys.executable, "-c", _PRELUDE, "create", "--dry-run", "-n", "bench",
           "--override-channels", "-c", f"{server.url}/{CHANNEL}", *specs]
    for _attempt in range(1 + RATTLER_REPEATS):  # as the test sandbox does
        server.clear()
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            out.seek(0)
            text = out.read().decode(errors="replace")
        code = os.waitstatus_to_exitcode(status)
        if not died_of_signal(code, text):  # py-rattler's rare crash at exit
            break
    hook = diagnosis = 0.0
    for line in text.splitlines():
        if line.startswith("BENCH-ARCH "):
            hook, diagnosis = map(float, line.split()[1:])
    return Run(wall, usage.ru_utime + usage.ru_stime, len(server.requests), hook, diagnosis,
               text)


@dataclass
class Compare:
    """Interleaved runs of two modes; medians."""

    runs: dict[str, list[Run]] = field(default_factory=dict)

    def median(self, mode: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs[mode])

    def ratio(self, on: str, off: str, attr: str) -> float:
        return self.median(on, attr) / self.median(off, attr)


def compare(server: MirrorServer, work: Path, solver: str, specs: list[str],
            modes: tuple[str, str], cache: str, runs: int) -> Compare:
    """Run `modes` alternately (order flipped every run). cold: a fresh package cache per
    run; warm: one per mode, filled by an unmeasured run first."""
    result = Compare({mode: [] for mode in modes})
    homes = {mode: work / f"{solver}-{mode}-{cache}" for mode in modes}
    if cache == "warm":
        for mode, home in homes.items():
            shutil.rmtree(home, ignore_errors=True)
            create(server, specs, conda_env(home, solver, mode))
    for i in range(runs):
        for mode in (modes if i % 2 == 0 else tuple(reversed(modes))):
            if cache == "cold":
                shutil.rmtree(homes[mode], ignore_errors=True)
            result.runs[mode].append(create(server, specs, conda_env(homes[mode], solver,
                                                                      mode)))
    return result


def _solved(c: Compare) -> str:
    """Whether every run of the success specs solved (else the row measures a failure)."""
    return "yes" if all("DryRunExit" in r.output for rs in c.runs.values() for r in rs) \
        else "NO"


def _shown(run: Run) -> bool:
    return "armonly-tool: no build for linux-64" in run.output


def bench_size(size: int, solvers: list[str], runs: int, data: Path | None, work: Path,
               tables: set[str]) -> tuple[float, float]:
    """Print the tables for one channel size; return the worst success-path ratios (wall,
    CPU; each a ratio of medians)."""
    root, names = channel(size, data)
    sizes = {s: (root / CHANNEL / s / "repodata.json").stat().st_size / 1e6
             for s in (TARGET, "noarch", "linux-aarch64", "osx-arm64")}
    ok_specs = [names[-1], names[len(names) // 2], names[len(names) // 3], names[100],
                "py-noarch-00005"]
    bad_specs = ["armonly-tool", "needs-armonly", names[100]]
    print(f"\n=== {size:,} records: " + ", ".join(f"{s} {mb:.0f} MB" for s, mb in sizes.items())
          + f"; {runs} run(s) per mode, interleaved, medians ===")
    worst = (0.0, 0.0)
    with MirrorServer(root, "bench") as server:
        if "success" in tables:
            worst = _success(server, work, solvers, ok_specs, runs)
        if "failure" in tables:
            _failure(server, work, solvers, bad_specs, runs)
        if "error" in tables:
            _error_mode(server, work, solvers, ok_specs, runs)
    return worst


def _success(server: MirrorServer, work: Path, solvers: list[str], specs: list[str],
             runs: int) -> tuple[float, float]:
    print(f"success path, {len(specs)} specs: check warn vs off")
    print(f"  {'solver':9}{'cache':6}{'wall warn/off s':>20}{'ratio':>7}"
          f"{'CPU warn/off s':>19}{'ratio':>7}{'requests':>11}{'hook ms':>9}  solved")
    worst = (0.0, 0.0)
    for solver in solvers:
        for cache in ("cold", "warm"):
            c = compare(server, work, solver, specs, ("warn", "off"), cache, runs)
            wall, cpu = c.ratio("warn", "off", "wall"), c.ratio("warn", "off", "cpu")
            worst = (max(worst[0], wall), max(worst[1], cpu))
            print(f"  {solver:9}{cache:6}"
                  f"{c.median('warn', 'wall'):10.2f} /{c.median('off', 'wall'):6.2f}"
                  f"{wall:9.3f}{c.median('warn', 'cpu'):10.2f} /{c.median('off', 'cpu'):6.2f}"
                  f"{cpu:8.3f}{c.median('warn', 'requests'):6.0f} /"
                  f"{c.median('off', 'requests'):3.0f}"
                  f"{c.median('warn', 'hook') * 1000:9.1f}  {_solved(c)}", flush=True)
    return worst


def _failure(server: MirrorServer, work: Path, solvers: list[str], specs: list[str],
             runs: int) -> None:
    print("failure path (armonly-tool, needs-armonly: no linux-64 build): warn vs off")
    print(f"  {'solver':9}{'cache':6}{'wall warn/off s':>20}{'extra s':>9}"
          f"{'requests':>11}{'diagnosis ms':>14}  shown")
    for solver in solvers:
        for cache in ("cold", "warm"):
            c = compare(server, work / "fail", solver, specs, ("warn", "off"), cache, runs)
            shown = all(_shown(r) for r in c.runs["warn"]) and \
                not any(_shown(r) for r in c.runs["off"])
            print(f"  {solver:9}{cache:6}"
                  f"{c.median('warn', 'wall'):10.2f} /{c.median('off', 'wall'):6.2f}"
                  f"{c.median('warn', 'wall') - c.median('off', 'wall'):+9.2f}"
                  f"{c.median('warn', 'requests'):6.0f} /{c.median('off', 'requests'):3.0f}"
                  f"{c.median('warn', 'diagnosis') * 1000:14.0f}  "
                  f"{'yes' if shown else 'NO'}", flush=True)


def _error_mode(server: MirrorServer, work: Path, solvers: list[str], specs: list[str],
                runs: int) -> None:
    print("error mode (tuna_arch_check=error), success specs: error vs off")
    print(f"  {'solver':9}{'cache':6}{'wall error/off s':>20}{'ratio':>7}"
          f"{'CPU ratio':>10}{'requests':>11}{'hook ms':>9}  solved")
    for solver in solvers:
        for cache in ("cold", "warm"):
            c = compare(server, work, solver, specs, ("error", "off"), cache, runs)
            print(f"  {solver:9}{cache:6}"
                  f"{c.median('error', 'wall'):10.2f} /{c.median('off', 'wall'):6.2f}"
                  f"{c.ratio('error', 'off', 'wall'):9.3f}"
                  f"{c.ratio('error', 'off', 'cpu'):10.3f}"
                  f"{c.median('error', 'requests'):6.0f} /{c.median('off', 'requests'):3.0f}"
                  f"{c.median('error', 'hook') * 1000:9.0f}  {_solved(c)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,20000",
                        help="channel sizes in records (comma-separated)")
    parser.add_argument("--runs", type=int, default=3, help="runs per mode (median)")
    parser.add_argument("--solvers", default=",".join(installed_solvers()),
                        help="solvers to measure (default: every installed one)")
    parser.add_argument("--data", type=Path, help="where generated channels are kept")
    parser.add_argument("--tables", default="success,failure,error",
                        help="which comparisons to run (comma-separated)")
    parser.add_argument("--quick", action="store_true", help="20k records, 1 run")
    opts = parser.parse_args()
    sizes = [20_000] if opts.quick else [int(s) for s in opts.sizes.split(",")]
    runs = 1 if opts.quick else opts.runs
    solvers = [s for s in opts.solvers.split(",") if s]
    print(f"conda-tuna architecture check, solvers: {', '.join(solvers)}; target {TARGET}")
    walls, cpus = [0.0], [0.0]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "fail").mkdir()
        for size in sizes:
            wall, cpu = bench_size(size, solvers, runs, opts.data, Path(tmp),
                                   set(opts.tables.split(",")))
            walls.append(wall)
            cpus.append(cpu)
    if "success" in opts.tables:
        print(f"\nworst success-path ratio, check on vs off: wall {max(walls):.3f}, CPU "
              f"{max(cpus):.3f} (target <= 1.03; wall time on a shared machine is noisy: "
              f"more --runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
