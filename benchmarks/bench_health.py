"""Benchmark: how bounded a round of mirror probes is (`conda tuna mirrors --probe`,
`enable --mirror auto`).

A probe round over mirrors with different delays (and one that hangs): wall time vs the
slowest single probe and vs the sum. What routing costs inside conda commands (the liveness
check, failover) is measured by benchmarks/bench_routing.py.

Run: /opt/ct/t26/bin/python benchmarks/bench_health.py
Only loopback servers are contacted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conda_tuna.mirrors import health as mirror_health
from tests.conftest import standard_mirror_tree
from tests.support.mirror import Fault, MirrorServer


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


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = standard_mirror_tree(Path(tmp) / "mirror")
        bench_probe_round(tree.root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
