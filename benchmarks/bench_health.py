"""Benchmark: what mirror health costs on the hot path, and how bounded the probes are.

1. The cached health check inside a cheap conda command (`conda create --dry-run` against a
   loopback mirror): failover off vs on with a warm cache vs on with no cache (a probe per
   command). Ratios against failover off, measured in the same run.
2. The runtime check when the active mirror hangs: one command, cold cache (bounded by
   about a second, then the fallback serves it).
3. A probe round over mirrors with different delays (and one that hangs): wall time vs
   the slowest single probe and vs the sum.

Run: /tmp/conda-venv/bin/python benchmarks/bench_health.py [--runs N]
Only loopback servers are contacted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conda_tuna.mirrors import health as mirror_health
from tests.conftest import standard_mirror_tree
from tests.support.conda_runner import CondaSandbox
from tests.support.mirror import Fault, MirrorServer


def timed(sandbox: CondaSandbox, *args: str) -> float:
    start = time.perf_counter()
    sandbox.run(*args).check()
    return time.perf_counter() - start


def bench_command(base: Path, tree_root: Path, runs: int) -> None:
    with MirrorServer(tree_root, "tuna") as mirror, MirrorServer(tree_root, "bfsu") as sister:
        sandbox = CondaSandbox(base / "sandbox")
        overrides = base / "mirrors.json"
        overrides.write_text(json.dumps({"tuna": mirror.url, "bfsu": sister.url}))
        sandbox.extra_env.update({"CONDA_TUNA_MIRRORS_OVERRIDE": str(overrides),
                                  "XDG_CACHE_HOME": str(base / "cache")})
        sandbox.write_condarc("channels:\n  - defaults\n")
        sandbox.run("tuna", "enable", "--url", mirror.url, "-y").check()
        cmd = ("create", "-p", str(base / "env"), "--dry-run", "-y", "tunatest-app")
        timed(sandbox, *cmd)  # warm conda's own caches and the health cache

        modes = {
            "failover off": {"CONDA_PLUGINS_TUNA_FAILOVER": "false"},
            "failover on, cached check": {"CONDA_PLUGINS_TUNA_FAILOVER": "true"},
            "failover on, probe every command": {"CONDA_PLUGINS_TUNA_FAILOVER": "true",
                                                 "CONDA_PLUGINS_TUNA_HEALTH_CACHE_SECONDS": "0"},
        }
        samples: dict[str, list[float]] = {m: [] for m in modes}
        for _ in range(runs):  # interleaved so drift hits every mode alike
            for mode, env in modes.items():
                sandbox.extra_env.pop("CONDA_PLUGINS_TUNA_HEALTH_CACHE_SECONDS", None)
                sandbox.extra_env.update(env)
                samples[mode].append(timed(sandbox, *cmd))
        base_median = statistics.median(samples["failover off"])
        print(f"`conda {' '.join(cmd[:1] + cmd[3:])}` against a loopback mirror, "
              f"median of {runs}:")
        for mode, values in samples.items():
            med = statistics.median(values)
            print(f"  {mode:<34} {med * 1000:8.0f} ms   ratio {med / base_median:5.3f}")

        mirror.faults["/anaconda/"] = Fault(hang=True)
        sandbox.extra_env.pop("CONDA_PLUGINS_TUNA_HEALTH_CACHE_SECONDS", None)
        cold = base / "cold-cache"
        sandbox.extra_env["XDG_CACHE_HOME"] = str(cold)
        hung = timed(sandbox, *cmd)
        warm = timed(sandbox, *cmd)
        print(f"  active mirror hangs, cold cache   {hung * 1000:8.0f} ms   ratio "
              f"{hung / base_median:5.3f} (bounded check ~1 s, then the sister)")
        print(f"  active mirror hangs, cached       {warm * 1000:8.0f} ms   ratio "
              f"{warm / base_median:5.3f} (no request to the hanging mirror)")


def bench_probe_round(tree_root: Path) -> None:
    delays = [0.05, 0.1, 0.2, 0.4]
    servers = [MirrorServer(tree_root, f"m{i}").start() for i in range(len(delays) + 1)]
    try:
        for server, delay in zip(servers, delays, strict=False):
            server.faults["/"] = Fault(delay=delay)
        servers[-1].faults["/"] = Fault(hang=True)
        path = "/anaconda/pkgs/main/linux-64/repodata.json"
        config = mirror_health.ProbeConfig(user_agent="conda-tuna-bench", proxies={})
        answering = {s.name: s.url + path for s in servers[:-1]}
        mirror_health.probe_all(answering, 3.0, config)  # warm-up: imports, first sockets
        start = time.perf_counter()
        results = mirror_health.probe_all(answering, 3.0, config)
        wall = time.perf_counter() - start
        slowest = max(r.latency_ms or 0 for r in results.values()) / 1000
        print(f"Probe round, {len(answering)} mirrors delayed {delays} s:")
        print(f"  wall {wall * 1000:.0f} ms, slowest probe {slowest * 1000:.0f} ms "
              f"(ratio {wall / slowest:.2f}), sum of delays {sum(delays) * 1000:.0f} ms "
              f"(ratio {wall / sum(delays):.2f})")
        everything = {**answering, servers[-1].name: servers[-1].url + path}
        start = time.perf_counter()
        results = mirror_health.probe_all(everything, 1.0, config)
        wall = time.perf_counter() - start
        print(f"  plus one hanging mirror, timeout 1 s: wall {wall * 1000:.0f} ms "
              f"(ratio to timeout {wall / 1.0:.2f}); hanging one: "
              f"{results[servers[-1].name].describe()}")
    finally:
        for server in servers:
            server.stop()


def bench_in_process(base: Path, tree_root: Path, runs: int = 200) -> None:
    """The failover pre-command step alone, in-process: import cost and a cached check."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(base / "inproc-cache")
    with MirrorServer(tree_root, "tuna") as mirror:
        from conda.base.context import context, reset_context

        from conda_tuna.config import dropin as config_writer
        from conda_tuna.mirrors.catalog import custom_mirror
        from conda_tuna.routing.routes import conda_settings

        active = custom_mirror(mirror.url)
        drop_in = base / "inproc" / "condarc.d" / config_writer.FILE_NAME
        drop_in.parent.mkdir(parents=True)
        settings = conda_settings(active, channels=["defaults"])
        settings["plugins"] = {"tuna_mirror": "tuna", "tuna_mirror_url": active.root}
        config_writer.write(drop_in, settings, {"url": active.root})
        reset_context([str(drop_in)])
        try:
            assert context.plugins.tuna_mirror_url == active.root
            start = time.perf_counter()
            from conda_tuna.routing import failover

            imported = time.perf_counter() - start
            failover.pre_command("create")  # the one real probe of this cache period
            start = time.perf_counter()
            for _ in range(runs):
                failover.pre_command("create")
            per_call = (time.perf_counter() - start) / runs
        finally:
            reset_context()
    heads = [r for r in mirror.requests if r.method == "HEAD"]
    print(f"In-process: importing the failover module {imported * 1000:.1f} ms; a cached "
          f"health check {per_call * 1000:.2f} ms per command ({len(heads)} request for "
          f"{runs + 1} checks)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        tree = standard_mirror_tree(base / "mirror")
        bench_probe_round(tree.root)
        bench_in_process(base, tree.root)
        bench_command(base, tree.root, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
