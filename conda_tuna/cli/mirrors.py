"""`conda tuna mirrors [--probe] [--json]`: the catalog, coverage for this machine, speed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conda.base.context import context

from ..mirrors import adapter as mirror_adapter
from ..mirrors import health as mirror_health
from .output import emit_json

if TYPE_CHECKING:
    from argparse import Namespace


def collect(probe: bool) -> dict[str, object]:
    """Every known mirror with its coverage of this subdir (and, with `probe`, its answer)."""
    subdir = context.subdir
    mirrors = mirror_adapter.known_mirrors()
    active = mirror_adapter.active_mirror(mirrors)
    rows: dict[str, dict[str, object]] = {}
    for name, mirror in mirrors.items():
        rows[name] = {**mirror.to_json(), "carries_subdir": subdir in mirror.pkgs_subdirs,
                      "active": bool(active and active.root == mirror.root)}
    result: dict[str, object] = {"subdir": subdir, "mirrors": list(rows.values()),
                                 "probed": False, "fastest": None}
    if not probe:
        return result
    if context.offline:
        result["note"] = "offline: not probed"
        return result
    timeout = mirror_adapter.probe_timeout()
    targets = {n: mirror_health.probe_url(m, subdir) for n, m in mirrors.items()}
    probes = mirror_health.probe_all(targets, timeout, mirror_adapter.probe_config())
    for name, res in probes.items():
        rows[name]["probe"] = res.to_json()
    healthy = sorted((r for n, r in probes.items()
                      if r.healthy and rows[n]["carries_subdir"]),
                     key=lambda r: r.latency_ms or 0.0)
    result.update(probed=True, probe_timeout=timeout,
                  fastest=healthy[0].name if healthy else None,
                  switch_command=mirror_health.switch_command(mirrors[healthy[0].name])
                  if healthy else None)
    return result


def _print(result: dict[str, object]) -> None:
    subdir = result["subdir"]
    rows = result["mirrors"]
    width = max((len(r["name"]) for r in rows), default=4)  # type: ignore[index]
    print(f"Mirrors (coverage for this machine: {subdir}):")
    for r in rows:  # type: ignore[union-attr]
        mark = "*" if r["active"] else " "
        cover = subdir if r["carries_subdir"] else f"no {subdir}"
        line = f" {mark} {r['name']:<{width}}  {r['url']:<40} {cover:<20}"
        probe = r.get("probe")
        if probe:
            res = mirror_health.ProbeResult(**{k: probe[k] for k in (
                "name", "url", "state", "http_status", "latency_ms", "detail")})
            line += f" {res.describe()}"
        print(line.rstrip())
    if result.get("note"):
        print(result["note"])
    if result["probed"]:
        fastest = result["fastest"]
        print(f"Probed concurrently within {result['probe_timeout']:g} s. "
              + (f"Fastest healthy for {subdir}: {fastest} "
                 f"(`{result['switch_command']}`)." if fastest
                 else "No mirror answered."))
    else:
        print("* = active. Measure them now: conda tuna mirrors --probe")


def execute(args: Namespace) -> int:
    result = collect(bool(getattr(args, "probe", False)))
    if context.json:
        emit_json({"success": True, **result})
    else:
        _print(result)
    return 0
