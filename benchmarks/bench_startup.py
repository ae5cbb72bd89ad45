"""What conda-tuna adds to every conda command: start-up with the plugin vs `--no-plugins`.

Runs cheap conda commands (default `conda info --json`) alternately with and without
plugins, on the same enabled config in a throw-away HOME, and prints the median times and
their ratio (target <= 1.03). Also reports the import time of `conda_tuna.plugin` itself.

    python benchmarks/bench_startup.py [--runs 15] [--command "info --json"]

Needs a Python where conda and conda-tuna are importable. Touches no network.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def sandbox_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "_CONDA"))}
    env.update({"HOME": str(home), "CONDA_PKGS_DIRS": str(home / "pkgs"),
                "CONDA_NOTIFY_OUTDATED_CONDA": "false"})
    return env


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "conda", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def plugin_import_ms(env: dict[str, str]) -> float:
    """Self time of importing conda_tuna.plugin after conda's own plugin machinery."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         "import conda.plugins, conda.plugins.types, conda.common.configuration; "
         "import conda_tuna.plugin"],
        env=env, capture_output=True, text=True, check=True).stderr
    total = 0
    for line in out.splitlines():
        if "conda_tuna" in line:
            total += int(line.split("|")[1])  # self time, microseconds
    return total / 1000


def other_plugins() -> list[str]:
    """conda plugins besides conda-tuna: `--no-plugins` turns them off too, so they count."""
    from importlib.metadata import entry_points

    return sorted({ep.name for ep in entry_points(group="conda")} - {"conda-tuna"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--command", default="info --json")
    opts = parser.parse_args()
    command = shlex.split(opts.command)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = sandbox_env(home)
        subprocess.run([sys.executable, "-m", "conda", "tuna", "enable", "-y", "--url",
                        "http://127.0.0.1:9"], env=env, check=True, stdout=subprocess.DEVNULL)
        run(command, env)  # warm the file cache
        run(["--no-plugins", *command], env)
        with_plugin, without = [], []
        for _ in range(opts.runs):
            with_plugin.append(run(command, env))
            without.append(run(["--no-plugins", *command], env))
        import_ms = plugin_import_ms(env)
    a, b = statistics.median(with_plugin), statistics.median(without)
    print(f"conda {opts.command}: median {a * 1000:.0f} ms with conda-tuna, "
          f"{b * 1000:.0f} ms with --no-plugins ({opts.runs} runs each, interleaved)")
    print(f"ratio with/without plugins: {a / b:.3f}   (target <= 1.03)")
    print(f"import of conda_tuna modules at start-up: {import_ms:.2f} ms self time")
    if other_plugins():
        print(f"WARNING: other conda plugins are installed ({', '.join(other_plugins())}); "
              "--no-plugins disables them too, so the ratio includes their cost. Measure in "
              "an environment where conda-tuna is the only plugin.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
