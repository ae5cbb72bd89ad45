"""Cost of conda-tuna's installer download against plain tools, in the same run.

Serves one installer-sized file (default 96 MiB, like a Miniforge installer) and its .sha256
on 127.0.0.1 and times, alternating, several runs of:

* curl -o (the baseline: what people paste), when curl is installed, and curl followed by
  sha256sum (the fair baseline: download and verify);
* plain urllib streaming to a file (no checksum, no fsync): conda-tuna's floor;
* conda_tuna.installers.download.download with the sidecar checksum (what `--download` does);
* the same, resumed after 90% of the file was already there (what a cut connection costs).

    python benchmarks/bench_installer_download.py [--runs 5] [--mib 96]

Prints medians and ratios to curl (and to plain urllib). Loopback only: the numbers measure
local overhead (hashing, fsync, Python I/O), not the network.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conda_tuna.installers.download import _meta_path, download
from tests.support.mirror import MirrorServer

NAME = "Miniforge3-Linux-x86_64.sh"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mib", type=int, default=96)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "mirror", Path(tmp) / "out"
        root.mkdir()
        data = os.urandom(opts.mib * 1024 * 1024)
        (root / NAME).write_bytes(data)
        (root / (NAME + ".sha256")).write_text(f"{hashlib.sha256(data).hexdigest()}  {NAME}\n")
        with MirrorServer(root) as server:
            server.ranges = True
            url = f"{server.url}/{NAME}"

            def fresh() -> None:
                shutil.rmtree(out, ignore_errors=True)

            def curl() -> None:
                subprocess.run(["curl", "-sSf", "-A", "bench", "-o", str(out / NAME), url],
                               check=True)

            def curl_verify() -> None:
                curl()
                subprocess.run(["sha256sum", str(out / NAME)], check=True,
                               capture_output=True)

            def plain() -> None:
                req = urllib.request.Request(url, headers={"User-Agent": "bench"})
                with urllib.request.urlopen(req) as resp, (out / NAME).open("wb") as fh:
                    shutil.copyfileobj(resp, fh, 256 * 1024)

            def tuna() -> None:
                download(url, out, checksum_url=url + ".sha256")

            def resumed() -> None:
                download(url, out, checksum_url=url + ".sha256")

            def prepare_resume() -> None:
                fresh()
                out.mkdir()
                part = out / (NAME + ".part")
                part.write_bytes(data[: len(data) * 9 // 10])
                stamp = time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                      time.gmtime(int((root / NAME).stat().st_mtime)))
                _meta_path(part).write_text(f'{{"url": "{url}", "validator": "{stamp}"}}')

            cases = {"plain urllib": plain, "conda-tuna download": tuna}
            if shutil.which("curl"):
                cases = {"curl": curl, **cases}
                if shutil.which("sha256sum"):
                    cases = {"curl + sha256sum": curl_verify, **cases}
            times: dict[str, list[float]] = {name: [] for name in [*cases, "resume from 90%"]}
            for _ in range(opts.runs):
                for name, fn in cases.items():
                    fresh()
                    out.mkdir()
                    times[name].append(timed(fn))
                prepare_resume()
                times["resume from 90%"].append(timed(resumed))
                assert (out / NAME).read_bytes() == data
    base_name = next(n for n in ("curl + sha256sum", "curl", "plain urllib") if n in times)
    base = statistics.median(times[base_name])
    plain_t = statistics.median(times["plain urllib"])
    print(f"{opts.mib} MiB over loopback, median of {opts.runs} runs")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:22s} {med * 1000:8.1f} ms  {opts.mib / med:7.0f} MiB/s  "
              f"x{med / base:5.2f} vs {base_name}  x{med / plain_t:5.2f} vs plain urllib")


if __name__ == "__main__":
    main()
