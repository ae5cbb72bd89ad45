"""`conda tuna pip install ...`: conda first, then the environment's own pip, via the mirror.

Steps: find the environment and its Python; read what conda and pip installed; offer conda
for requirements the configured channels carry (a `conda install` subprocess, so the user
sees conda's usual solver output and every conda hook runs, and this process's already
initialised conda context is not re-entered); ask pip for its plan (`pip install --dry-run
--report`) and refuse when it would replace a conda package (unless --force); run pip with
the mirror's PyPI index unless the user or pip's config chose one; record what pip changed
in conda-meta/history.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from conda.base.context import context

from ..base.context import env_prefix, stdin_is_interactive
from ..base.errors import TunaError
from ..base.urls import redact
from ..i18n import N_, _
from ..mirrors.adapter import configured_mirror
from ..pypi import envpackages
from ..pypi import guard as pip_guard
from ..pypi import marker as pip_marker
from ..pypi.history import append_pip_record, history_path
from .output import display_width, emit_json, pad

if TYPE_CHECKING:
    from argparse import Namespace


@dataclass
class Plan:
    prefix: Path
    python: Path
    opts: pip_guard.Options
    index_url: str | None
    #: why this index, in English: --json's `index_source` (language-neutral)
    index_source: str
    #: the same in the user's language, for the text output
    index_source_shown: str
    conda_first: list[pip_guard.CondaFirst] = field(default_factory=list)
    use_conda: bool = False
    pip_args: list[str] = field(default_factory=list)
    planned: list[pip_guard.Planned] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- environment
def resolve_prefix(opts: pip_guard.Options) -> Path:
    if opts.prefix:
        prefix = Path(os.path.abspath(os.path.expanduser(opts.prefix)))
    elif opts.name:
        from conda.base.context import locate_prefix_by_name
        from conda.exceptions import EnvironmentNameNotFound

        try:
            prefix = Path(locate_prefix_by_name(opts.name))
        except EnvironmentNameNotFound as exc:
            raise TunaError(_("No conda environment named {name}.").format(name=repr(opts.name)),
                            hint=_("List them with `conda env list`.")) from exc
    else:
        prefix = env_prefix(required=True)
    if not (prefix / "conda-meta").is_dir():
        raise TunaError(_("{prefix} is not a conda environment (it has no conda-meta).").format(
            prefix=prefix))
    return prefix


def env_python(prefix: Path) -> Path:
    python = prefix / ("python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        raise TunaError(
            _("{prefix} has no Python of its own, so pip cannot install into it.").format(
                prefix=prefix),
            hint=_("Install it with conda first: {command}").format(
                command=f"conda install -p {prefix} python pip"))
    return python


#: why pip uses the index it uses (English in --json, translated in the text output)
_INDEX_GIVEN = N_("an index given on the command line")
_INDEX_PIP_CONFIG = N_("pip's own configuration ({index})")
_INDEX_MIRROR = N_("the {name} mirror's PyPI index")
_INDEX_DEFAULT = N_("pip's default index (conda-tuna is not enabled)")


def choose_index(prefix: Path, args: pip_guard.PipArgs) -> tuple[str | None, str, str]:
    """(index URL to pass to pip or None, why in English, why in the user's language)."""
    def why(text: str, **parts: str) -> tuple[str, str]:
        return text.format(**parts), _(text).format(**parts)

    if args.gives_index:
        return None, *why(_INDEX_GIVEN)
    from ..pypi.pipconf import configured_index

    configured = configured_index(prefix)
    if configured:  # may carry a private index's password: never shown
        return None, *why(_INDEX_PIP_CONFIG, index=redact(configured))
    mirror = configured_mirror()
    if mirror is not None and mirror.pypi_url:
        return mirror.pypi_url, *why(_INDEX_MIRROR, name=mirror.name)
    return None, *why(_INDEX_DEFAULT)


# --------------------------------------------------------------------------- conda first
def channel_names(names: list[str]) -> set[str]:
    """Which of `names` the configured channels (through the mirror) carry."""
    from conda.models.match_spec import MatchSpec

    try:
        from conda.core.subdir_data import query_all
    except ImportError:  # older conda
        from conda.api import SubdirData

        query_all = SubdirData.query_all
    return {name for name in names if query_all(MatchSpec(name), context.channels,
                                                 context.subdirs)}


def read_requirement_files(files: list[str]) -> list[pip_guard.Requirement]:
    """Plain requirements from -r files (and the files they include), for conda first.

    The files still go to pip unchanged: what conda installed first, pip finds satisfied.
    """
    found: list[pip_guard.Requirement] = []
    todo = [Path(f) for f in files]
    seen: set[Path] = set()
    while todo and len(seen) < 50:
        path = todo.pop(0).resolve()
        if path in seen:
            continue
        seen.add(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # pip reports unreadable files itself
        requirements, nested = pip_guard.parse_requirements_text(text)
        found += requirements
        todo += [path.parent / n for n in nested]
    return found


def find_conda_first(plan: Plan, requirements: list[pip_guard.Requirement],
                     installed: set[str]) -> None:
    todo = [r for r in requirements
            if r.key not in installed and pip_guard.conda_name(r.name) not in installed]
    if not todo:
        return
    try:
        available = channel_names(sorted({pip_guard.conda_name(r.name) for r in todo}))
    except Exception as exc:  # the channels cannot be read: pip alone can still go on
        from conda.exceptions import CondaHTTPError

        from ..base.neterrors import classify

        why = classify(exc).summary() if isinstance(exc, CondaHTTPError) else redact(str(exc))
        plan.notes.append(_("Could not ask the conda channels ({why}); pip installs "
                            "everything.").format(why=why))
        return
    plan.conda_first = pip_guard.conda_first_candidates(todo, installed, available)


def ask_conda_first(plan: Plan, json_mode: bool) -> bool:
    """Whether to install the conda-first candidates with conda (flags, else a prompt)."""
    if not plan.conda_first:
        return False
    if plan.opts.conda_first or plan.opts.yes or context.always_yes:
        return True
    specs = " ".join(c.spec for c in plan.conda_first)
    if json_mode or plan.opts.dry_run or context.dry_run or not stdin_is_interactive():
        plan.notes.append(_("conda channels provide {specs}: add --conda-first (or -y) to "
                            "install them with conda first; without it pip installs "
                            "them.").format(specs=specs))
        return False
    answer = input(_("conda channels provide: {specs}\nInstall them with conda first "
                     "(recommended)? [Y/n]: ").format(specs=specs)).strip().lower()
    return answer in ("", "y", "yes")


def run_conda_install(plan: Plan, json_mode: bool) -> None:
    specs = [c.spec for c in plan.conda_first]
    cmd = [sys.executable, "-m", "conda", "install", "-p", str(plan.prefix), "-y", *specs]
    env = dict(os.environ)
    if plan.opts.force:  # --force also lets conda go on top of pip packages under strict
        env["CONDA_PLUGINS_TUNA_PIP_POLICY"] = "warn"
    proc = subprocess.run(cmd, env=env, capture_output=json_mode, text=True)
    if proc.returncode:
        detail = f"\n{proc.stdout}{proc.stderr}" if json_mode else ""
        raise TunaError(_("conda could not install {specs} (exit code {code}).{detail}").format(
            specs=" ".join(specs), code=proc.returncode, detail=detail),
            hint=_("Nothing was installed with pip."), exit_code=proc.returncode)


# --------------------------------------------------------------------------- pip
def pip_base(plan: Plan) -> list[str]:
    cmd = [str(plan.python), "-m", "pip", "install", "--no-input"]
    if plan.index_url:
        cmd += ["--index-url", plan.index_url]
    if pip_marker.ours_present(plan.prefix):
        cmd.append("--break-system-packages")  # our own marker; our own checks ran
    return cmd


def _pip_env() -> dict[str, str]:
    return {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def pip_report(plan: Plan) -> list[pip_guard.Planned]:
    """What pip would install, from pip's own resolver (no change to the environment)."""
    with tempfile.TemporaryDirectory(prefix="conda-tuna-pip-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [*pip_base(plan), "--dry-run", "--quiet", "--report", str(report), *plan.pip_args]
        proc = subprocess.run(cmd, env=_pip_env(), capture_output=True, text=True)
        if proc.returncode or not report.exists():
            if "No module named pip" in proc.stderr:
                raise TunaError(
                    _("pip is not installed in {prefix}.").format(prefix=plan.prefix),
                    hint=_("Install it with conda: {command}").format(
                        command=f"conda install -p {plan.prefix} pip"))
            raise TunaError(_("pip could not work out what to install:\n{output}").format(
                output=proc.stderr.strip() or proc.stdout.strip()),
                exit_code=proc.returncode or 1)
        return pip_guard.parse_pip_report(report.read_text(encoding="utf-8"))


def dist_versions(prefix: Path) -> dict[str, tuple[str, str]]:
    return {d.key: (d.name, d.version) for d in envpackages.python_dists(prefix)}


def changes(before: dict[str, tuple[str, str]], after: dict[str, tuple[str, str]]):
    added = [after[k] for k in sorted(after) if before.get(k) != after[k]]
    removed = [before[k] for k in sorted(before) if after.get(k) != before[k]]
    return added, removed


# --------------------------------------------------------------------------- command
def build_plan(opts: pip_guard.Options, json_mode: bool) -> Plan:
    args = pip_guard.analyse_pip_args(opts.pip_args)
    if not args.requirements and not args.others:
        raise TunaError(_("Nothing to install: give requirements (or -r FILE) after "
                          "`conda tuna pip install`."))
    prefix = resolve_prefix(opts)
    python = env_python(prefix)
    index_url, source, shown = choose_index(prefix, args)
    plan = Plan(prefix, python, opts, index_url, source, shown)
    records = envpackages.conda_records(prefix)
    installed = {envpackages.normalize(r.name) for r in records} | {
        d.key for d in envpackages.python_dists(prefix)}
    find_conda_first(plan, args.requirements + read_requirement_files(args.requirement_files),
                     installed)
    plan.use_conda = ask_conda_first(plan, json_mode)
    taken = {c.requirement.raw for c in plan.conda_first} if plan.use_conda else set()
    plan.pip_args = list(args.others) + [r.raw for r in args.requirements if r.raw not in taken]
    return plan


def check_conflicts(plan: Plan) -> None:
    """Refuse when pip's plan replaces conda packages (after conda-first ran)."""
    if not plan.pip_args:
        return
    plan.planned = pip_report(plan)
    if plan.opts.force:
        return
    owned = envpackages.owners(envpackages.conda_records(plan.prefix))
    found = pip_guard.conflicts(plan.planned, owned)
    if found:
        raise pip_guard.refusal_message(found, str(plan.prefix))


def _print_plan(plan: Plan) -> None:
    labels = (_("Environment:"), _("pip index:"))
    width = max(display_width(label) for label in labels) + 1
    print(pad(labels[0], width) + str(plan.prefix))
    print(pad(labels[1], width) + _("{index}  [{why}]").format(
        index=plan.index_url or _("(pip decides)"), why=plan.index_source_shown))
    if plan.conda_first:
        specs = " ".join(c.spec for c in plan.conda_first)
        text = _("conda installs first: {specs}") if plan.use_conda else \
            _("conda could provide: {specs}")
        print(text.format(specs=specs))
    if plan.planned:
        print(_("pip would install: {packages}").format(
            packages=", ".join(f"{p.name} {p.version}" for p in plan.planned)))
    for note in plan.notes:
        print(note)


USAGE = N_("""\
usage: conda tuna pip install [-n ENV | -p PATH] [--force] [--conda-first] [-y] [--dry-run]
                              [--json] PIP-ARGS...

conda-tuna's options (anywhere before a literal `--`; everything else goes to pip):
  -n, --name ENV     environment by name (default: the active one)
  -p, --prefix PATH  environment by path (pip's own --prefix is not available here)
  --force            let pip replace packages conda installed
  --conda-first      install what conda channels provide with conda, without asking
  -y, --yes          answer yes (also to the conda-first question)
  --dry-run          show what conda and pip would install; change nothing
  --json             one JSON object on stdout
Without -i/--index-url/--extra-index-url (or an index in pip's config) pip uses the active
mirror's PyPI index. Run `<env>/bin/python -m pip install --help` for pip's own options.
""")


def execute(args: Namespace) -> int:
    argv = list(args.pip_args or [])
    if any(a in ("-h", "--help") for a in argv[: argv.index("--") if "--" in argv else None]):
        print(_(USAGE), end="")
        return 0
    opts = pip_guard.split_options(argv)
    json_mode = opts.json or bool(context.json)
    dry_run = opts.dry_run or bool(context.dry_run)
    plan = build_plan(opts, json_mode)
    if plan.index_url is None and "not enabled" in plan.index_source:
        plan.notes.append(_("conda-tuna is not enabled: pip uses its own default index."))
    result: dict[str, object] = {
        "prefix": str(plan.prefix), "python": str(plan.python), "index_url": plan.index_url,
        "index_source": plan.index_source, "dry_run": dry_run,
        "conda_first": [{"requirement": c.requirement.raw, "spec": c.spec,
                         "with_conda": plan.use_conda} for c in plan.conda_first],
    }
    if dry_run:
        check_conflicts(plan)
        result.update(success=True, planned=[p.__dict__ for p in plan.planned],
                      notes=plan.notes)
        if json_mode:
            emit_json(result)
        else:
            _print_plan(plan)
            print(_("Dry run: nothing was installed."))
        return 0
    if not json_mode:
        _print_plan(plan)
    if plan.use_conda:
        run_conda_install(plan, json_mode)
    if not plan.pip_args:
        result.update(success=True, installed=[], removed=[], notes=plan.notes)
        if json_mode:
            emit_json(result)
        return 0
    check_conflicts(plan)
    before = dist_versions(plan.prefix)
    proc = subprocess.run([*pip_base(plan), *plan.pip_args], env=_pip_env(),
                          capture_output=json_mode, text=True)
    added, removed = changes(before, dist_versions(plan.prefix))
    cmd = "conda tuna pip install " + shlex.join(args.pip_args or [])
    if added or removed:
        append_pip_record(plan.prefix, cmd, added, removed)
    if proc.returncode:
        tail = (proc.stderr or "").strip().splitlines()[-15:] if json_mode else []
        message = _("pip install failed (exit code {code}).").format(code=proc.returncode)
        raise TunaError("\n".join([message, *tail]), exit_code=proc.returncode)
    result.update(success=True, planned=[p.__dict__ for p in plan.planned],
                  installed=[{"name": n, "version": v} for n, v in added],
                  removed=[{"name": n, "version": v} for n, v in removed],
                  history=str(history_path(plan.prefix)), notes=plan.notes)
    if json_mode:
        emit_json(result)
    elif added or removed:
        print(_("Recorded in {history}: {changes}").format(
            history=history_path(plan.prefix),
            changes=", ".join([f"+{n}=={v}" for n, v in added]
                              + [f"-{n}=={v}" for n, v in removed])))
    return 0
