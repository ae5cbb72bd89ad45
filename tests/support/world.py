"""A loopback world for routing tests: an anaconda.org-shaped upstream and two TUNA-shaped
mirrors ("tuna", "bfsu"), all serving the same package bytes.

Nothing here reaches the internet. Two test seams replace it:

* ``CONDA_TUNA_MIRRORS_OVERRIDE`` (a JSON file ``{name: root}``): the mirrors conda-tuna
  knows are the loopback servers (catalog names keep their coverage and sister: tuna <-> bfsu);
* ``CONDA_TUNA_UPSTREAMS_OVERRIDE`` (a JSON file ``{upstream root: stand-in root}``): the
  loopback upstream plays https://conda.anaconda.org and https://repo.anaconda.com, so
  ``enable`` writes ``channel_settings`` for it and the handler routes its URLs. conda is
  pointed at it with ``channel_alias`` and ``default_channels`` (see :meth:`World.condarc`).
"""

from __future__ import annotations

import json
import shutil
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.support.mirror import MirrorServer, MirrorTree, Pkg, tunasync_job

UPSTREAM_ROOTS = ("https://conda.anaconda.org", "https://repo.anaconda.com",
                  "https://conda.binstar.org", "https://repo.continuum.io")


def upstream_twin(mirror_root: Path, dest: Path) -> MirrorTree:
    """An upstream tree with the mirror's exact package bytes (anaconda/pkgs/main ->
    pkgs/main, anaconda/cloud/conda-forge -> conda-forge), plus channels no mirror carries
    (nvidia, privatechan)."""
    for sub in ("pkgs", "cloud"):
        src = mirror_root / "anaconda" / sub
        for channel in src.iterdir():
            target = dest / "pkgs" / channel.name if sub == "pkgs" else dest / channel.name
            shutil.copytree(channel, target)
    tree = MirrorTree(dest, layout="upstream")
    tree.add("nvidia", Pkg("nv-tool", "12.0", "linux-64"))
    tree.add("privatechan", Pkg("private-tool", "1.0", "linux-64"))
    tree.write()
    return tree


def tunasync_bytes(age_hours: float) -> bytes:
    """A tunasync.json whose anaconda job last synced `age_hours` ago."""
    return json.dumps([tunasync_job("anaconda", age_hours=age_hours),
                       tunasync_job("pypi", age_hours=age_hours)]).encode()


@dataclass
class World:
    """Three servers and the files that point conda-tuna and conda at them."""

    tuna: MirrorServer
    bfsu: MirrorServer
    upstream: MirrorServer
    base: Path

    @property
    def servers(self) -> list[MirrorServer]:
        return [self.tuna, self.bfsu, self.upstream]

    def configure(self, sandbox, *, mirrors: dict[str, MirrorServer] | None = None) -> None:
        """Point `sandbox`'s conda-tuna at the loopback mirrors and upstream."""
        mirrors = mirrors if mirrors is not None else {"tuna": self.tuna, "bfsu": self.bfsu}
        mpath = self.base / "mirrors.json"
        mpath.write_text(json.dumps({n: s.url for n, s in mirrors.items()}))
        upath = self.base / "upstreams.json"
        upath.write_text(json.dumps({root: self.upstream.url for root in UPSTREAM_ROOTS}))
        sandbox.extra_env["CONDA_TUNA_MIRRORS_OVERRIDE"] = str(mpath)
        sandbox.extra_env["CONDA_TUNA_UPSTREAMS_OVERRIDE"] = str(upath)
        sandbox.servers.extend(s for s in self.servers if s not in sandbox.servers)

    def condarc(self, channels: tuple[str, ...] = ("defaults",), extra: str = "") -> str:
        """A ~/.condarc whose channel names resolve to the loopback upstream."""
        up = self.upstream.url
        listed = "".join(f"  - {c}\n" for c in channels)
        return (f"channel_alias: {up}\n"
                f"default_channels:\n  - {up}/pkgs/main\n  - {up}/pkgs/r\n"
                f"channels:\n{listed}{extra}")

    def setup(self, sandbox, channels: tuple[str, ...] = ("defaults",), extra: str = "",
              *, enable: bool = True, mirror: MirrorServer | None = None) -> None:
        """Configure, write the condarc, and `conda tuna enable` (tuna unless `mirror`)."""
        self.configure(sandbox)
        sandbox.write_condarc(self.condarc(channels, extra))
        if enable:
            sandbox.run("tuna", "enable", "--url", (mirror or self.tuna).url, "-y").check()

    def clear(self) -> None:
        for server in self.servers:
            server.clear()
            server.faults.clear()
            server.suffix_faults.clear()

    def authorization_seen_by_mirrors(self) -> list[str]:
        """Every Authorization header (and token path) a mirror received: must be empty."""
        leaks = []
        for server in (self.tuna, self.bfsu):
            for r in server.requests:
                for key, value in r.headers.items():
                    if key.lower() == "authorization" or "anaconda" in key.lower():
                        leaks.append(f"{server.name}: {key}: {value}")
                if "/t/" in r.path:
                    leaks.append(f"{server.name}: {r.path}")
        return leaks


def start_world(stack: ExitStack, mirror_root: Path, upstream_root: Path,
                base: Path) -> World:
    tuna = stack.enter_context(MirrorServer(mirror_root, "tuna"))
    bfsu = stack.enter_context(MirrorServer(mirror_root, "bfsu"))
    upstream = stack.enter_context(MirrorServer(upstream_root, "upstream", accept_tokens=True))
    return World(tuna, bfsu, upstream, base)


def expire_failures(sandbox) -> None:
    """Make conda-tuna's remembered failures 31 s old (as if the time had passed)."""
    path = Path(sandbox.env()["XDG_CACHE_HOME"]) / "conda-tuna" / "failures.json"
    if not path.exists():
        return
    data = json.loads(path.read_text())
    for entry in data.values():
        entry["until"] = time.time() - 1
    path.write_text(json.dumps(data))
