"""`conda tuna check [FILE | SPEC ...] [--platform SUBDIR ...] [-c CHANNEL] [--json]`.

Before moving an environment to another machine (an x86_64 server's environment.yml to a
Kunpeng or Apple silicon machine), tell the user which specs the channels can provide on each
target platform, from which channel, and which they cannot and why; plus what in the file
will not migrate as written. Exit code 0 when everything is available, 1 otherwise.

Repodata is fetched through conda's SubdirData (conda's cache, conda's channel routing, so
the answer is the mirror's when conda-tuna is enabled) and read with the architecture check's
byte-level reader, so a 200,000-record channel is not parsed in Python.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from conda.base.constants import KNOWN_SUBDIRS
from conda.base.context import context

from ..archcheck import check as arch_check
from ..archcheck import envfile as env_file
from ..archcheck.adapter import matcher, mirror_for_notes
from ..archcheck.check import AVAILABLE, NameIndex, Request, Result
from ..archcheck.platforms import describe
from ..base.exceptions import CondaTunaError
from ..base.urls import redact
from ..i18n import _, ngettext
from .output import display_width, emit_json, pad

_FILE_SUFFIXES = (".yml", ".yaml")
#: the source of specs given as arguments (--json's `source`, language-neutral)
COMMAND_LINE = "command line"


def execute(args: argparse.Namespace) -> int:
    platforms = _platforms(args.platforms)
    env, source = _inputs(list(args.items or []))
    channels = _channels(args.channel, env)
    requests = [Request.of(spec) for spec in env.conda if not spec.strip().startswith("__")]
    indexes = {p: _index(channels, p) for p in platforms}
    results = {p: arch_check.check(requests, indexes[p], matcher, p) for p in platforms}
    _explain(results, indexes)
    relaxed = _relaxed(results, indexes)
    flags = env_file.migration_flags(env, platforms)
    ok = all(r.status == AVAILABLE for rs in results.values() for r in rs)
    if context.json:
        emit_json(_json(source, env, channels, platforms, requests, results, relaxed, flags, ok))
    else:
        _print(source, env, channels, platforms, results, relaxed, flags, ok)
    return 0 if ok else 1


def _platforms(given: list[str] | None) -> list[str]:
    platforms = list(dict.fromkeys(given or [context.subdir]))
    unknown = [p for p in platforms if p not in KNOWN_SUBDIRS or p == "noarch"]
    if unknown:
        raise CondaTunaError(
            _("Unknown platform {platforms}. Use a conda subdir such as linux-64, "
              "linux-aarch64, osx-arm64 or win-64.").format(platforms=", ".join(unknown))
        )
    return platforms


def _inputs(items: list[str]) -> tuple[env_file.EnvFile, str]:
    """An environment file (given, or ./environment.yml) or specs from the command line."""
    if len(items) == 1 and (items[0].endswith(_FILE_SUFFIXES) or Path(items[0]).is_file()):
        return _read_file(Path(items[0])), items[0]
    if not items:
        default = Path("environment.yml")
        if default.is_file():
            return _read_file(default), str(default)
        raise CondaTunaError(_("Give an environment file or package specs, e.g. "
                               "`conda tuna check environment.yml --platform "
                               "linux-aarch64`."))
    return env_file.EnvFile(conda=items), COMMAND_LINE


def _read_file(path: Path) -> env_file.EnvFile:
    """The environment file at `path`; a CondaTunaError saying what to do when unreadable."""
    from ..base.errors import TunaError
    from ..base.yaml import yaml_loads

    if not path.is_file():
        raise CondaTunaError(_("{path}: no such file.").format(path=path))
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CondaTunaError(_("{path} is not UTF-8 text (byte {position} cannot be read); "
                               "conda reads environment files as UTF-8. Save it as UTF-8 and "
                               "run the command again.").format(path=path,
                                                               position=exc.start)) from exc
    except OSError as exc:
        raise CondaTunaError(_("Cannot read {path}: {reason}.").format(
            path=path, reason=exc.strerror or exc)) from exc
    try:
        data = yaml_loads(text)
    except Exception as exc:  # ruamel's errors have no common public base across conda
        raise CondaTunaError(_("{path} is not valid YAML: {error}").format(
            path=path, error=redact(str(exc)))) from exc
    try:
        return env_file.parse(data, str(path))
    except TunaError as exc:
        raise CondaTunaError(str(exc)) from exc


def _channels(given: list[str] | None, env: env_file.EnvFile) -> list[str]:
    """-c wins; else the file's channels before the configured ones (as `conda env create`
    does; `nodefaults` drops defaults); else the configured channels."""
    if given:
        return list(dict.fromkeys(given))
    configured = [c for c in context.channels if not (env.nodefaults and c == "defaults")]
    channels = list(dict.fromkeys([*env.channels, *configured]))
    if not channels:
        raise CondaTunaError(_("No channels to look in: give -c CHANNEL, list channels in the "
                               "file, or run `conda tuna enable`."))
    return channels


def _index(channels: list[str], platform: str) -> NameIndex:
    """The platform's (and noarch's) records: conda's cached repodata.json, refreshed as
    conda would, read by byte-level search (no parse of the whole file). A channel that
    cannot be fetched is an error in words (base/neterrors.py), not conda's HTTP 000."""
    from conda.exceptions import CondaHTTPError

    from ..archcheck.adapter import fetched_sources

    try:
        return NameIndex(fetched_sources(channels, (platform, "noarch")))
    except CondaHTTPError as exc:
        raise _unreachable(exc, platform) from exc


def _unreachable(exc: BaseException, platform: str) -> CondaTunaError:
    """conda could not fetch a channel's index: what happened, where, and what to do; the
    machine kind and the technical detail go to --json as `network_error`."""
    from ..base.neterrors import classify

    failure = classify(exc)
    kwargs = getattr(exc, "_kwargs", None) or {}
    url = redact(str(kwargs.get("url") or getattr(exc, "url", "") or ""))
    if url:
        text = _("Cannot fetch the package index {url} for {platform}: {why}. {step}")
    else:
        text = _("Cannot fetch a channel's package index for {platform}: {why}. {step}")
    error = CondaTunaError(text.format(url=url, platform=platform, why=failure.summary(),
                                       step=failure.next_step()))
    error.network_error = failure.to_json()  # type: ignore[attr-defined]
    return error


def _explain(results: dict[str, list[Result]], indexes: dict[str, NameIndex]) -> None:
    """Fill in where each missing spec exists among the other requested platforms."""
    mirror, enabled = mirror_for_notes()
    for platform, rows in results.items():
        findings = [r.finding for r in rows if r.finding is not None]
        if not findings:
            continue
        others = NameIndex(src for p, idx in indexes.items() if p != platform
                           for src in idx.sources if src.subdir != "noarch")
        arch_check.locate(findings, others, matcher)
        for finding in findings:
            arch_check.mirror_notes(finding, mirror, enabled=enabled)


def _relaxed(results: dict[str, list[Result]],
             indexes: dict[str, NameIndex]) -> dict[tuple[str, str], Result]:
    """For missing specs with an exact build string: is the same version there without it?"""
    found: dict[tuple[str, str], Result] = {}
    for platform, rows in results.items():
        for row in rows:
            spec = row.request.text
            if row.status == AVAILABLE or not env_file.exact_build(spec):
                continue
            loose = Request.of(env_file.without_build(spec))
            (result,) = arch_check.check([loose], indexes[platform], matcher, platform)
            found[(spec, platform)] = result
    return found


def _json(source: str, env: env_file.EnvFile, channels: list[str], platforms: list[str],
          requests: list[Request], results: dict[str, list[Result]],
          relaxed: dict[tuple[str, str], Result], flags: list[env_file.Flag],
          ok: bool) -> dict[str, Any]:
    specs = []
    for i, request in enumerate(requests):
        per: dict[str, Any] = {}
        for platform in platforms:
            entry = results[platform][i].to_json()
            loose = relaxed.get((request.text, platform))
            if loose is not None:
                entry["without_build_string"] = loose.to_json()
            per[platform] = entry
        specs.append({"spec": request.text, "name": request.name, "platforms": per})
    return {
        "success": ok,
        "source": source,
        "platforms": platforms,
        "channels": [redact(c) for c in channels],
        "specs": specs,
        "pip": [{"requirement": r, "status": "not_checked"} for r in env.pip],
        "will_not_migrate": [f.to_json() for f in flags],
        "notes": list(env.notes),
    }


def _print(source: str, env: env_file.EnvFile, channels: list[str], platforms: list[str],
           results: dict[str, list[Result]], relaxed: dict[tuple[str, str], Result],
           flags: list[env_file.Flag], ok: bool) -> None:
    count = len(next(iter(results.values()), []))
    for note in env.notes:
        print(note)
    shown = ", ".join(redact(c) for c in channels)  # never print a token or password
    where = _("the command line") if source == COMMAND_LINE else source
    print(ngettext("Checking {count} conda spec from {source} in: {channels}",
                   "Checking {count} conda specs from {source} in: {channels}", count).format(
        count=count, source=where, channels=shown))
    marks = (_("ok"), _("MISSING"))
    width = max(display_width(mark) for mark in marks) + 2
    for platform in platforms:
        rows = results[platform]
        bad = sum(r.status != AVAILABLE for r in rows)
        verdict = _("all available") if not bad else _(
            "{bad} of {total} not available").format(bad=bad, total=len(rows))
        print()
        print(_("{platform} ({description}): {verdict}").format(
            platform=platform, description=describe(platform), verdict=verdict))
        for row in rows:
            mark = marks[0] if row.status == AVAILABLE else marks[1]
            print("  " + pad(mark, width)
                  + _row_text(row, relaxed.get((row.request.text, platform))))
    if env.pip:
        print()
        print(_("pip section (installed by pip, not checked here; pip picks each platform's "
                "wheel):"))
        for requirement in env.pip:
            print(f"  - {requirement}")
    if flags:
        print()
        print(_("Will not migrate as written:"))
        for flag in flags:
            print(f"  - {flag.item}: {flag.message}")
    print()
    print(_("Everything is available.") if ok else
          _("Some specs cannot be installed; see above (exit code 1)."))


def _row_text(row: Result, loose: Result | None) -> str:
    """One spec's line after its mark: what was found, or why it cannot be installed."""
    if row.status == AVAILABLE:
        return _("{spec}  ->  {version} {build} ({channel})").format(
            spec=row.request.text, version=row.version, build=row.build, channel=row.channel)
    assert row.finding is not None
    text = arch_check.format_warning(row.finding, _("machine {name}").format(
        name=_machine(row)))
    if loose is not None and loose.status == AVAILABLE:
        text = _("{problem}; without the build string {version} {build} is available "
                 "({channel})").format(problem=text, version=loose.version, build=loose.build,
                                       channel=loose.channel)
    return text


def _machine(row: Result) -> str:
    from ..archcheck.platforms import machine_name

    return machine_name(row.subdir)
