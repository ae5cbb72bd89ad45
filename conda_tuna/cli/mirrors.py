"""`conda tuna mirrors [--probe] [--json]`: the catalog, what each mirror carries of this
machine's platforms, and (with --probe) how each one answers now.

"This machine" is conda's: ``context.subdir`` (which honours ``CONDA_SUBDIR``) and noarch,
the two subdirs conda fetches for it -- the same subdir every other part of conda-tuna uses.

Exit code with --probe: 0 when at least one mirror answered (healthy); when none did (or
conda is offline, so none was asked) conda-tuna raises a CondaError, as conda does for
errors: exit code 1, the reason and next step, and under --json conda's error document
(which also carries every probe). Scripts can rely on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conda.base.context import context

from ..base.exceptions import CondaTunaError
from ..i18n import _
from ..mirrors import adapter as mirror_adapter
from ..mirrors import health as mirror_health
from ..mirrors.catalog import PlatformCoverage, platform_coverage
from .output import emit_json

if TYPE_CHECKING:
    from argparse import Namespace


def machine_subdirs() -> tuple[str, ...]:
    """This machine's platforms as conda fetches them: its subdir, then noarch."""
    return tuple(dict.fromkeys((context.subdir, "noarch")))


def collect(probe: bool) -> tuple[dict[str, object], dict[str, PlatformCoverage],
                                  dict[str, mirror_health.ProbeResult]]:
    """Every known mirror with its coverage of this machine (and, with `probe`, its answer):
    the JSON document, the coverage and the probe results by mirror name."""
    subdir = context.subdir
    subdirs = machine_subdirs()
    mirrors = mirror_adapter.known_mirrors()
    active = mirror_adapter.active_mirror(mirrors)
    rows: dict[str, dict[str, object]] = {}
    coverage = {name: platform_coverage(m, subdirs) for name, m in mirrors.items()}
    for name, mirror in mirrors.items():
        rows[name] = {**mirror.to_json(), "carries_subdir": subdir in mirror.pkgs_subdirs,
                      "platforms": coverage[name].to_json(),
                      "active": bool(active and active.root == mirror.root)}
    result: dict[str, object] = {"subdir": subdir, "subdirs": list(subdirs),
                                 "mirrors": list(rows.values()), "probed": False,
                                 "fastest": None, "answered": None}
    if not probe:
        return result, coverage, {}
    if context.offline:
        result.update(note="offline: not probed", answered=0, success=False)
        return result, coverage, {}
    timeout = mirror_adapter.probe_timeout()
    targets = {n: mirror_health.probe_url(m, subdir) for n, m in mirrors.items()}
    probes = mirror_health.probe_all(targets, timeout, mirror_adapter.probe_config())
    for name, res in probes.items():
        rows[name]["probe"] = res.to_json()
    healthy = sorted((r for n, r in probes.items()
                      if r.healthy and rows[n]["carries_subdir"]),
                     key=lambda r: r.latency_ms or 0.0)
    answered = sum(r.healthy for r in probes.values())
    result.update(probed=True, probe_timeout=timeout, answered=answered,
                  success=answered > 0,
                  fastest=healthy[0].name if healthy else None,
                  switch_command=mirror_health.switch_command(mirrors[healthy[0].name])
                  if healthy else None)
    return result, coverage, probes


def _platforms(subdirs: tuple[str, ...] | list[str]) -> str:
    return " + ".join(subdirs) if subdirs else _("nothing")


def coverage_words(cov: PlatformCoverage) -> str:
    """What a mirror carries of this machine, in one line, e.g. 'linux-aarch64 + noarch in
    defaults and conda-forge; 7 of 30 other channels have linux-aarch64'."""
    groups = set(cov.by_channel.values())
    if len(groups) == 1:
        carried = next(iter(groups))
        if len(carried) == len(cov.subdirs):
            main = _("{platforms} in defaults and conda-forge").format(
                platforms=_platforms(carried))
        else:
            main = _("only {platforms} in defaults and conda-forge (no {missing})").format(
                platforms=_platforms(carried),
                missing=_platforms([s for s in cov.subdirs if s not in carried]))
    else:
        main = _("defaults: {defaults}; conda-forge: {forge}").format(
            defaults=_platforms(cov.by_channel["defaults"]),
            forge=_platforms(cov.by_channel["conda-forge"]))
    if not cov.others_total:
        return main
    return _("{main}; {count} of {total} other mirrored channels have {subdir}").format(
        main=main, count=cov.others, total=cov.others_total, subdir=cov.subdirs[0])


def _print(result: dict[str, object], coverage: dict[str, PlatformCoverage],
           probes: dict[str, mirror_health.ProbeResult]) -> None:
    subdir = result["subdir"]
    rows = result["mirrors"]
    width = max((len(r["name"]) for r in rows), default=4)  # type: ignore[index]
    url_width = max((len(r["url"]) for r in rows), default=20)  # type: ignore[index]
    print(_("Mirrors, and which of this machine's platforms ({platforms}) each one "
            "carries:").format(platforms=_platforms(result["subdirs"])))  # type: ignore[arg-type]
    for r in rows:  # type: ignore[union-attr]
        mark = "*" if r["active"] else " "
        line = f" {mark} {r['name']:<{width}}  {r['url']:<{url_width}}"
        probe = probes.get(r["name"])
        if probe is not None:
            line += f"  {probe.describe()}"
        print(line.rstrip())
        print(" " * (width + 5) + coverage_words(coverage[r["name"]]))
    if result["probed"]:
        fastest = result["fastest"]
        if fastest:
            print(_("Probed concurrently within {timeout:g} s; {answered} of {total} answered. "
                    "Fastest healthy for {subdir}: {name} (`{command}`).").format(
                        timeout=result["probe_timeout"], answered=result["answered"],
                        total=len(rows), subdir=subdir, name=fastest,  # type: ignore[arg-type]
                        command=result["switch_command"]))
        elif result["answered"]:
            print(_("Probed concurrently within {timeout:g} s; {answered} of {total} answered, "
                    "but none of those carries {subdir}.").format(
                        timeout=result["probe_timeout"], answered=result["answered"],
                        total=len(rows), subdir=subdir))  # type: ignore[arg-type]
        # none answered: execute() raises the error that says so (exit code 1)
    elif not result.get("note"):
        print(_("* = active. Measure them now: conda tuna mirrors --probe"))


def no_answer(result: dict[str, object],
              probes: dict[str, mirror_health.ProbeResult]) -> CondaTunaError:
    """The error when no mirror answered: conda renders it (exit code 1); under --json its
    document also carries every probe (the same keys as a successful --probe)."""
    if result.get("note"):
        text = _("conda is offline (the `offline` setting or CONDA_OFFLINE), so no mirror was "
                 "asked.")
    else:
        text = _("No mirror answered within {timeout:g} s; most likely the network or a "
                 "proxy is down.").format(timeout=result["probe_timeout"])
        kinds = {p.failure().kind: p.failure() for p in probes.values()}
        if len(kinds) == 1:  # one cause for all: its next step
            text = _("{text} Next step: {step}").format(
                text=text, step=next(iter(kinds.values())).next_step())
    error = CondaTunaError(text)
    for key, value in result.items():  # --json: the probes too, in conda's error document
        setattr(error, key, value)
    error.success = False  # type: ignore[attr-defined]
    return error


def execute(args: Namespace) -> int:
    probe = bool(getattr(args, "probe", False))
    result, coverage, probes = collect(probe)
    if probe and not result.get("answered"):
        if not context.json:
            _print(result, coverage, probes)
        raise no_answer(result, probes)  # exit code 1, scripts can rely on it
    if context.json:
        emit_json({"success": True, **result})
    else:
        _print(result, coverage, probes)
    return 0
