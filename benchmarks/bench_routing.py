"""Benchmark: what routing requests through conda-tuna costs, per solver.

For each solver installed here (classic, libmamba, rattler), `conda create --dry-run` of two
packages from `defaults` and `conda-forge`, against loopback servers:

1. conda configured by hand for the TUNA-shaped mirror (``custom_channels`` and
   ``default_channels`` pointing at it, no conda-tuna drop-in) vs conda-tuna's routing to the
   same mirror (the channels keep their upstream names; the auth handler sends each request
   to the mirror). Ratio of medians from one interleaved run, and the requests each command
   made (targets: <= 1.03x, at most one extra request: the liveness check).
2. The extra cost when the mirror fails at the first request -- answers 503, hangs, refuses
   connections -- and conda-tuna fails over to the sister: seconds over the healthy median
   (a fresh failure memory each time, so every run pays the liveness check).

Run: /opt/ct/t26/bin/python benchmarks/bench_routing.py [--runs N] [--solver S ...]
Only loopback servers are contacted (tests/support/world.py).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import standard_mirror_tree
from tests.support.conda_runner import CondaSandbox, installed_solvers
from tests.support.mirror import Fault
from tests.support.world import World, start_world, upstream_twin

SPECS = ("tunatest-app", "cf-tool")


def timed(sandbox: CondaSandbox, world: World, prefix: Path) -> tuple[float, int, float]:
    """Wall seconds, requests (all servers) and CPU seconds of one `conda create --dry-run`
    (the sandbox repeats a run py-rattler crashed at exit, and times only the one kept)."""
    before = sum(len(s.requests) for s in world.servers)
    result = sandbox.run("create", "-p", str(prefix), "--dry-run", "-y", *SPECS).check()
    after = sum(len(s.requests) for s in world.servers)
    return result.seconds, after - before, result.cpu_seconds


def hand_condarc(world: World) -> str:
    tuna = world.tuna.url
    return (f"channel_alias: {world.upstream.url}\n"
            "channels:\n  - defaults\n  - conda-forge\n"
            f"default_channels:\n  - {tuna}/anaconda/pkgs/main\n  - {tuna}/anaconda/pkgs/r\n"
            f"custom_multichannels:\n  defaults:\n    - {tuna}/anaconda/pkgs/main\n"
            f"    - {tuna}/anaconda/pkgs/r\n"
            f"custom_channels:\n  conda-forge: {tuna}/anaconda/cloud\n")


def bench_solver(solver: str, world: World, base: Path, runs: int) -> None:
    hand = CondaSandbox(base / f"{solver}-hand", solver=solver)
    routed = CondaSandbox(base / f"{solver}-routed", solver=solver)
    world.configure(hand)
    hand.write_condarc(hand_condarc(world))
    world.setup(routed, ("defaults", "conda-forge"))
    for sandbox in (hand, routed):  # warm conda's repodata cache (and the sync time)
        timed(sandbox, world, base / "env")
    samples: dict[str, list[float]] = {"hand": [], "routed": []}
    cpu: dict[str, list[float]] = {"hand": [], "routed": []}
    requests: dict[str, int] = {}
    for _ in range(runs):  # interleaved, so drift hits both alike
        for name, sandbox in (("hand", hand), ("routed", routed)):
            seconds, count, used = timed(sandbox, world, base / "env")
            samples[name].append(seconds)
            cpu[name].append(used)
            requests[name] = count
    med = {k: statistics.median(v) for k, v in samples.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    pairs = statistics.median(r / h for r, h in zip(samples["routed"], samples["hand"],
                                                      strict=True))
    print(f"solver {solver}: `conda create --dry-run {' '.join(SPECS)}`, median of {runs}")
    print(f"  by hand (custom_channels -> mirror) {med['hand'] * 1000:7.0f} ms  "
          f"{requests['hand']:3d} requests   CPU {cpu_med['hand'] * 1000:5.0f} ms")
    print(f"  conda-tuna routing                  {med['routed'] * 1000:7.0f} ms  "
          f"{requests['routed']:3d} requests   CPU {cpu_med['routed'] * 1000:5.0f} ms")
    print(f"  ratio: wall {med['routed'] / med['hand']:.3f} (median of pairs {pairs:.3f}), "
          f"CPU {cpu_med['routed'] / cpu_med['hand']:.3f}; "
          f"{requests['routed'] - requests['hand']:+d} request")
    cache = Path(routed.env()["XDG_CACHE_HOME"]) / "conda-tuna" / "failures.json"
    refusing = refusing_sandbox_env(world, base / f"{solver}-refuse.json")
    for fault in ("503", "hang", "refuse"):
        costs = []
        saved = dict(routed.extra_env)
        for _ in range(max(2, runs // 2)):
            cache.unlink(missing_ok=True)
            if fault == "503":
                world.tuna.faults["/"] = Fault(status=503)
            elif fault == "hang":
                world.tuna.faults["/"] = Fault(hang=True)
            else:
                routed.extra_env.update(refusing)
            seconds, _count, _cpu = timed(routed, world, base / "env")
            costs.append(seconds - med["routed"])
            world.tuna.faults.clear()
            routed.extra_env = dict(saved)
        print(f"  mirror {fault:<7} at first request     {statistics.median(costs):+7.2f} s "
              "over healthy (fails over to the sister)")
    cache.unlink(missing_ok=True)


def refusing_sandbox_env(world: World, path: Path) -> dict[str, str]:
    """Settings that make "tuna" a root on a closed loopback port (connection refused)."""
    import json
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    path.write_text(json.dumps({"tuna": closed, "bfsu": world.bfsu.url}))
    return {"CONDA_TUNA_MIRRORS_OVERRIDE": str(path), "CONDA_PLUGINS_TUNA_MIRROR_URL": closed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--solver", action="append", dest="solvers")
    args = parser.parse_args()
    # an installed wheel has byte code; an editable checkout under PYTHONDONTWRITEBYTECODE
    # would recompile conda-tuna's modules in every command (the routed ones only)
    import compileall

    import conda_tuna

    compileall.compile_dir(Path(conda_tuna.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        tree = standard_mirror_tree(base / "mirror")
        up = upstream_twin(tree.root, base / "upstream")
        for solver in args.solvers or installed_solvers():
            with ExitStack() as stack:
                world = start_world(stack, tree.root, up.root, base / solver)
                (base / solver).mkdir(exist_ok=True)
                bench_solver(solver, world, base, args.runs)
            shutil.rmtree(base / solver, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
