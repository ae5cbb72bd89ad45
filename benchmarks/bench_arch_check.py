"""Cost of the pre-solve architecture check: `conda create --dry-run` with
`plugins.tuna_arch_check: warn` vs `off`, measured in the same run (target ratio <= 1.05).

Generates a channel of about 20,000 records (repodata only: a --dry-run downloads no
package), serves it on 127.0.0.1, and times `conda create --dry-run` for a few specs and for
many specs (the check must not re-read repodata per spec), alternating warn and off. The
ratio is taken on the child's CPU time (wall time is printed too; on a shared machine it is
noisy), and one in-process run shows where the hook's time goes.

    python benchmarks/bench_arch_check.py [--runs 9] [--records 20000]

Needs a Python where conda and conda-tuna are importable. Touches no network but loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.mirror import MirrorServer

FAMILY = 20  # packages depend only on lower-numbered packages of their own family
VERSIONS = 10


def record(name: str, version: str, subdir: str, depends: list[str]) -> tuple[str, dict]:
    build = "h0_0" if subdir != "noarch" else "0"
    data = {"name": name, "version": version, "build": build, "build_number": 0,
            "depends": depends, "subdir": subdir, "license": "BSD-3-Clause",
            "md5": "0" * 32, "sha256": "0" * 64, "size": 1000, "timestamp": 1_700_000_000_000}
    if subdir == "noarch":
        data["noarch"] = "generic"
    return f"{name}-{version}-{build}.tar.bz2", data


def generate(root: Path, records: int) -> list[str]:
    """Write pkgs/main/{linux-64,noarch}/repodata.json; return the package names."""
    names = [f"bench-pkg{i:05d}" for i in range(records // VERSIONS)]
    by_subdir: dict[str, dict[str, dict]] = {"linux-64": {}, "noarch": {}}
    for i, name in enumerate(names):
        subdir = "noarch" if i % 10 == 9 else "linux-64"
        base = i - i % FAMILY
        deps = [f"{names[j]} >=1.0" for j in (base + (i % FAMILY) // 2, base + (i % FAMILY) // 3)
                if base <= j < i]
        for v in range(VERSIONS):
            fn, data = record(name, f"1.{v}", subdir, sorted(set(deps)))
            by_subdir[subdir][fn] = data
    for subdir, packages in by_subdir.items():
        directory = root / "anaconda" / "pkgs" / "main" / subdir
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "repodata.json").write_text(json.dumps(
            {"info": {"subdir": subdir}, "packages": packages, "packages.conda": {},
             "removed": [], "repodata_version": 1}))
    return names


def sandbox_env(home: Path, mode: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "_CONDA"))}
    env.update({"HOME": str(home), "CONDA_PKGS_DIRS": str(home / "pkgs"),
                "CONDA_ENVS_DIRS": str(home / "envs"), "CONDA_SOLVER": "classic",
                "CONDA_NOTIFY_OUTDATED_CONDA": "false", "CONDA_REPORT_ERRORS": "false",
                "CONDA_SUBDIR": "linux-64", "CONDA_PLUGINS_TUNA_ARCH_CHECK": mode,
                "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def create(url: str, specs: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `conda create --dry-run`. CPU time of the child is what
    the comparison uses: it hardly moves when other jobs share the machine, wall time does."""
    args = [sys.executable, "-m", "conda", "create", "--dry-run", "--json", "-n", "bench",
            "--override-channels", "-c", f"{url}/anaconda/pkgs/main", *specs]
    cpu, start = _cpu(), time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    if '"dry_run": true' not in proc.stdout and "DryRunExit" not in proc.stdout + proc.stderr:
        raise SystemExit(f"conda create failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed, cpu


_HARNESS = """
import sys, time
from conda_tuna.archcheck import adapter as arch_hooks, check as arch_check
spent = {"check": 0.0, "walk": 0.0}
def timed(fn, key):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - start
    return wrapper
arch_hooks._check = timed(arch_hooks._check, "check")
arch_check.diagnose = timed(arch_check.diagnose, "walk")
from conda.cli.main import main
try:
    main(*sys.argv[1:])
except SystemExit:
    pass
print("ARCHCHECK %f %f" % (spent["check"], spent["walk"]), file=sys.stderr)
"""


def hook_breakdown(url: str, specs: list[str], home: Path) -> tuple[float, float, float]:
    """In one warm process: total time, time inside the hook (mostly loading repodata the
    solver then reuses), and the check's own work (the dependency walk)."""
    args = [sys.executable, "-c", _HARNESS, "create", "--dry-run", "--json", "-n", "bench",
            "--override-channels", "-c", f"{url}/anaconda/pkgs/main", *specs]
    start = time.perf_counter()
    proc = subprocess.run(args, env=sandbox_env(home, "warn"), capture_output=True, text=True)
    total = time.perf_counter() - start
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("ARCHCHECK"))
    _, check, walk = line.split()
    return total, float(check), float(walk)


def measure(url: str, specs: list[str], home: Path, runs: int) -> dict[str, tuple[float, float]]:
    """mode -> (median wall, median CPU) seconds, the modes alternating run by run."""
    envs = {mode: sandbox_env(home, mode) for mode in ("warn", "off")}
    for env in envs.values():  # warm conda's repodata cache and the OS file cache
        create(url, specs, env)
    times: dict[str, list[tuple[float, float]]] = {"warn": [], "off": []}
    for i in range(runs):
        order = ("warn", "off") if i % 2 == 0 else ("off", "warn")
        for mode in order:
            times[mode].append(create(url, specs, envs[mode]))
    return {mode: (statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts))
            for mode, ts in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--records", type=int, default=20_000)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, home = Path(tmp) / "mirror", Path(tmp) / "home"
        home.mkdir()
        names = generate(root, opts.records)
        top = [n for i, n in enumerate(names) if i % FAMILY == FAMILY - 1]
        scenarios = {"5 specs": top[:5], "40 specs": top[5:45]}
        print(f"channel: {len(names) * VERSIONS} records ({len(names)} names x {VERSIONS} "
              f"versions), linux-64 + noarch; {opts.runs} runs per mode, interleaved")
        worst = 0.0
        with MirrorServer(root, "bench") as server:
            for label, specs in scenarios.items():
                got = measure(server.url, specs, home, opts.runs)
                (warn_wall, warn_cpu), (off_wall, off_cpu) = got["warn"], got["off"]
                ratio = warn_cpu / off_cpu
                worst = max(worst, ratio)
                print(f"conda create --dry-run, {label}: CPU median {warn_cpu * 1000:.0f} ms "
                      f"with tuna_arch_check=warn, {off_cpu * 1000:.0f} ms with off, ratio "
                      f"{ratio:.3f}; wall {warn_wall * 1000:.0f} vs {off_wall * 1000:.0f} ms, "
                      f"ratio {warn_wall / off_wall:.3f}")
                total, check, walk = hook_breakdown(server.url, specs, home)
                print(f"  in-process: {total * 1000:.0f} ms total, {check * 1000:.0f} ms in "
                      f"the hook (loading repodata the solver then reuses), of which "
                      f"{walk * 1000:.1f} ms is the dependency walk ({walk / total:.1%}; it "
                      f"includes turning records into PackageRecords, which the solver "
                      f"reuses too)")
    print(f"worst CPU ratio {worst:.3f} (target <= 1.05): {'OK' if worst <= 1.05 else 'OVER'}")
    return 0 if worst <= 1.05 else 1


if __name__ == "__main__":
    sys.exit(main())
