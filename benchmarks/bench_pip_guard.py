"""Cost of the conda-then-pip pre-command: `conda install --dry-run` into an environment that
holds pip packages, with `plugins.tuna_pip_policy: warn` vs `off`, measured in the same run.

1. End to end: a real environment from a loopback mirror (real python and pip packages, see
   tests/support/pip_world.py), grown to a realistic size (conda records with file lists and
   pip-installed dist-info directories), then `conda install --dry-run` alternating warn/off.
2. The hook alone (in-process), scan of the same environment, to show where the time goes.

    python benchmarks/bench_pip_guard.py [--runs 7] [--conda-records 300] [--pip-dists 40]

Needs a Python where conda and conda-tuna are importable. Touches no network but loopback.
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

from tests.support.conda_runner import CondaSandbox
from tests.support.mirror import MirrorServer
from tests.support.pip_world import SITE, build_world

PIP_ENV = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore"}


def grow(prefix: Path, conda_records: int, pip_dists: int) -> None:
    """Make the environment as big as a real one: conda-meta records and dist-info dirs.

    The synthetic conda records are 'python' packages of their own (dist-info plus files),
    the pip dist-info dirs carry INSTALLER=pip; nothing here is imported or solved against.
    """
    site = prefix / SITE
    meta = prefix / "conda-meta"
    for i in range(conda_records):
        name = f"benchlib{i:04d}"
        info = f"{name}-1.0.dist-info"
        (site / info).mkdir(parents=True, exist_ok=True)
        (site / info / "INSTALLER").write_text("conda\n")
        files = [f"{SITE}/{name}/{j}.py" for j in range(40)] + [f"{SITE}/{info}/INSTALLER"]
        (meta / f"{name}-1.0-h0_0.json").write_text(json.dumps({
            "name": name, "version": "1.0", "build": "h0_0", "build_number": 0,
            "channel": "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main",
            "subdir": "linux-64", "depends": [], "files": files, "fn": f"{name}-1.0-h0_0.tar.bz2",
            "url": f"https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main/linux-64/{name}",
            "md5": "0" * 32, "paths_data": {"paths": [], "paths_version": 1},
        }))
    for i in range(pip_dists):
        info = site / f"pipdist{i:03d}-0.{i}.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text("")
        (info / "METADATA").write_text(f"Name: pipdist{i:03d}\nVersion: 0.{i}\n")


def timed(sandbox: CondaSandbox, prefix: Path, policy: str) -> tuple[float, str]:
    sandbox.extra_env["CONDA_PLUGINS_TUNA_PIP_POLICY"] = policy
    start = time.perf_counter()
    result = sandbox.run("install", "-p", str(prefix), "--dry-run", "-y", "tunaboth").check()
    return time.perf_counter() - start, result.stderr


def hook_alone(prefix: Path, runs: int) -> float:
    from conda_tuna.pypi.envpackages import pip_installed

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        found = pip_installed(prefix)
        samples.append(time.perf_counter() - start)
    assert found, "the grown environment must hold pip packages"
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--conda-records", type=int, default=300)
    parser.add_argument("--pip-dists", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pip-guard-") as tmp:
        base = Path(tmp)
        tree = build_world(base / "mirror")
        if tree is None:
            print("this Python has no bundled pip wheel; nothing to measure")
            return 1
        with MirrorServer(tree.root) as server:
            sandbox = CondaSandbox(base / "sandbox", extra_env=dict(PIP_ENV))
            sandbox.write_condarc("channels:\n  - defaults\n")
            sandbox.run("tuna", "enable", "--url", server.url, "-y").check()
            prefix = base / "env"
            sandbox.run("create", "-p", str(prefix), "-y", "python", "tunapure").check()
            sandbox.run("tuna", "pip", "install", "-p", str(prefix), "tunapip").check()
            grow(prefix, args.conda_records, args.pip_dists)
            timed(sandbox, prefix, "off")  # warm the repodata cache
            warn, off = [], []
            for _ in range(args.runs):
                seconds, stderr = timed(sandbox, prefix, "warn")
                assert "conda-tuna: warning:" in stderr, stderr
                warn.append(seconds)
                seconds, stderr = timed(sandbox, prefix, "off")
                assert "conda-tuna" not in stderr, stderr
                off.append(seconds)
            alone = hook_alone(prefix, 50)
    w, o = statistics.median(warn), statistics.median(off)
    print(f"environment: {args.conda_records + 3} conda records, {args.pip_dists + 1} pip dists")
    print(f"conda install --dry-run, tuna_pip_policy=off : median {o:.3f}s over {args.runs}")
    print(f"conda install --dry-run, tuna_pip_policy=warn: median {w:.3f}s over {args.runs}")
    print(f"ratio warn/off: {w / o:.3f}")
    print(f"pre-command scan alone (in-process): median {alone * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
