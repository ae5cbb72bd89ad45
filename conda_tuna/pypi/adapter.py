"""The "conda first, then pip" rule inside conda's own commands (called from runtime.py),
and pip's config for `conda tuna enable --pip` / `disable`.

pre-command (install, update, env update): an environment that already holds pip packages
gets a warning naming them, or under ``plugins.tuna_pip_policy: strict`` a refusal.
post-command (commands that create or change environments): under strict the PEP 668 marker
is added; when the policy is relaxed in the config files it is taken away again.

Thin adapter: reads conda's context; the work is in envpackages, guard, marker and pipconf.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conda.base.context import context

from ..base.context import env_prefix
from ..base.errors import TunaError
from ..i18n import _
from . import PIP_GUARDED_COMMANDS

if TYPE_CHECKING:
    from ..base.journal import Change, Journal
    from ..mirrors.catalog import Mirror

#: commands after which the environment should carry the marker under strict
MARKED = frozenset({"create", "install", "update", "env_create", "env_update", "remove"})
POLICY_ENV = "CONDA_PLUGINS_TUNA_PIP_POLICY"
PIP_FEATURE = "pip"  # the change journal's name for pip's config file
UV_FEATURE = "uv"  # the change journal's name for uv's user uv.toml


def _policy() -> str:
    """warn, strict or off (pypi/guard.py's policy, inlined: this runs before every install)."""
    text = str(getattr(context.plugins, "tuna_pip_policy", "warn") or "warn").strip().lower()
    return text if text in ("warn", "strict", "off") else "warn"


def _target(command: str = "") -> Path | None:
    try:
        prefix = Path(context.target_prefix)
        if command == "env_update":
            prefix = _env_file_prefix() or prefix
    except Exception:  # no resolvable target (e.g. a name that does not exist yet)
        return None
    return prefix if (prefix / "conda-meta").is_dir() else None


def _env_file_prefix() -> Path | None:
    """`conda env update -f FILE` without -n/-p targets the file's `name:`, as conda does.

    Read with a line match rather than a YAML parser: only the top-level name is needed.
    """
    args = context._argparse_args
    if args is None or getattr(args, "name", None) or getattr(args, "prefix", None):
        return None
    try:
        with open(getattr(args, "file", None) or "environment.yml", encoding="utf-8") as fh:
            text = fh.read(65536)
    except (OSError, TypeError, UnicodeDecodeError):
        return None
    match = re.search(r"^name:\s*['\"]?([^'\"#\s]+)", text, re.MULTILINE)
    if not match:
        return None
    from conda.base.context import locate_prefix_by_name

    return Path(locate_prefix_by_name(match.group(1)))


def pre_command(command: str) -> None:
    """Warn (or refuse, under strict) before conda changes an environment with pip packages."""
    if command not in PIP_GUARDED_COMMANDS:
        return
    mode = _policy()
    if mode == "off":
        return
    prefix = _target(command)
    if prefix is None:
        return
    from .envpackages import pip_installed

    dists = pip_installed(prefix)
    if not dists:
        return
    from .guard import pip_packages_warning

    message = pip_packages_warning(str(prefix), command, dists, strict=mode == "strict")
    if mode == "strict":
        from ..base.exceptions import CondaTunaError

        raise CondaTunaError(message)
    print(message, file=sys.stderr)


def post_command(command: str) -> None:
    """Keep the PEP 668 marker in step with the policy for the environment just changed."""
    if command not in MARKED or context.dry_run:
        return
    prefix = _target(command)
    if prefix is None:
        return
    from . import marker as pip_marker

    if _policy() == "strict":
        pip_marker.ensure(prefix)
    elif not os.environ.get(POLICY_ENV):
        # relaxed in the config files (a one-command override by env var keeps the marker)
        pip_marker.remove(prefix)


def after_config() -> None:
    """After `conda config` changed tuna_pip_policy away from strict: drop our markers."""
    args = context._argparse_args
    if "tuna_pip_policy" not in repr(vars(args) if args is not None else {}):
        return
    from conda.base.context import reset_context

    reset_context()
    if _policy() == "strict":
        return
    remove_all_markers()


def remove_all_markers(dry_run: bool = False) -> list[str]:
    """Remove conda-tuna's marker from every environment conda knows (disable, relax)."""
    from . import marker as pip_marker

    removed: list[str] = []
    for prefix in known_prefixes():
        if dry_run:
            removed += [str(p) for p, ours in pip_marker.markers(Path(prefix)) if ours]
        else:
            removed += [str(p) for p in pip_marker.remove(Path(prefix))]
    return removed


def known_prefixes() -> list[str]:
    """Every environment conda knows for this user.

    conda's list_all_known_prefixes reads the environments.txt of every account's home when
    run as root, but not the one under a changed $HOME; add that and the envs dirs.
    """
    from conda.core.envs_manager import get_user_environments_txt_file, list_all_known_prefixes

    prefixes = set(list_all_known_prefixes())
    try:
        # surrogateescape: a path with bytes that are not UTF-8 is still that path (POSIX)
        with open(get_user_environments_txt_file(), encoding="utf-8",
                  errors="surrogateescape") as handle:
            prefixes.update(line.strip() for line in handle if line.strip())
    except OSError:
        pass
    for envs_dir in context.envs_dirs:
        try:
            prefixes.update(str(p) for p in Path(envs_dir).iterdir()
                            if (p / "conda-meta").is_dir())
        except OSError:
            continue
    prefixes.add(context.root_prefix)
    return sorted(p for p in prefixes if (Path(p) / "conda-meta").is_dir())


# --------------------------------------------------------------------------- pip's config
def _trusted_host(url: str) -> str | None:
    """pip refuses plain http except from hosts it is told to trust (loopback is trusted)."""
    from ..mirrors.catalog import is_loopback

    parts = urlsplit(url)
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        return parts.hostname
    return None


def path_for_scope(scope: str) -> Path:
    """The pip config file conda-tuna manages at `scope` (user, env or system)."""
    from .pipconf import prefix_config_path, user_config_path

    if scope == "user":
        return user_config_path()
    if scope == "env":
        prefix = env_prefix(required=True)
        if prefix is None:
            raise TunaError(_("--scope env needs an active environment (or -n/-p)."))
        return prefix_config_path(prefix)
    if scope == "system":
        return prefix_config_path(Path(context.root_prefix))
    raise TunaError(_("Unknown scope {scope}.").format(scope=repr(scope)))


def _pip_prefixes(scope: str) -> list[Path]:
    """The environments whose pip reads the config file conda-tuna edits at `scope`."""
    if scope == "env":
        return [path_for_scope("env").parent]
    active = env_prefix()
    return [Path(context.root_prefix), *([active] if active is not None else [])]


def pip_change(mirror: Mirror, scope: str, journal: Journal, *,
               dry_run: bool = False) -> tuple[Change, dict[str, object]]:
    """The journal change that points pip (at `scope`) at the mirror's PyPI index.

    Refuses, before anything is written, when the change would not change the index pip
    uses ($PIP_INDEX_URL, an [install] index-url, a file pip reads later): silently writing
    a setting that has no effect would leave the user believing pip uses the mirror.
    `dry_run`: nothing is changed (conda-tuna 0.1's edit is not undone first).
    """
    from ..base.journal import Change, read_bytes, real_path
    from .pipconf import blockers, edit, read_legacy_state, restore_legacy

    url = mirror.pypi_url
    if not url:
        raise TunaError(_("The {mirror} mirror has no PyPI index in conda-tuna's catalog; pip "
                          "was left unchanged.").format(mirror=mirror.name))
    path = path_for_scope(scope)
    legacy = read_legacy_state(path) is not None
    ours = legacy or journal.entry(path) is not None
    new = edit(read_bytes(real_path(path)), url, _trusted_host(url), ours=ours)
    found = blockers(path, new, _pip_prefixes(scope))
    if found:
        reasons = "\n".join(f"  - {reason}" for reason in found)
        raise TunaError(
            _("`conda tuna enable --pip` would not change the index pip uses, so nothing was "
              "written:\n{reasons}").format(reasons=reasons),
            hint=_("Remove those settings (or unset the variables) and run the command again, "
                   "or leave pip as it is: run `conda tuna enable` without --pip."))
    if legacy and not dry_run:  # 0.1's edit is undone first; the journal records the original
        restore_legacy(path)
        new = edit(read_bytes(real_path(path)), url, _trusted_host(url),
                   ours=journal.entry(path) is not None)
    change = Change(path, new, feature=PIP_FEATURE, strip="pipconf")
    return change, {"file": str(path), "index_url": url, "scope": scope}


# --------------------------------------------------------------------------- uv's config
def uv_change(mirror: Mirror, scope: str,
              journal: Journal) -> tuple[Change | None, dict[str, object]]:
    """The journal change that points uv at the mirror's PyPI index (pypi/uvtoml.py), or
    None with a note when there is nothing to write at `scope`.

    uv reads no settings from a conda environment or installation, only the user's uv.toml
    (and a machine-wide file), so only ``--scope user`` changes it; the other scopes leave
    uv alone and say so. Like pip, refuses before anything is written when uv would not use
    the result ($UV_INDEX_URL, a default [[index]], ...), naming each reason.
    """
    from ..base.journal import Change, read_bytes, real_path
    from ..base.urls import redact
    from . import uvtoml

    url = mirror.pypi_url or ""  # pip_change has refused a mirror without one
    if scope != "user":
        note = _("uv has no settings per conda environment or installation, so uv was left "
                 "unchanged at {scope} scope; `conda tuna enable --pip --scope user` points "
                 "uv at the mirror for your user.").format(scope=scope)
        return None, {"file": None, "index_url": None, "scope": scope, "changed": False,
                      "skipped": "scope", "note": note}
    path = uvtoml.user_config_path()
    current = read_bytes(real_path(path))
    ours = journal.entry(path) is not None
    new = uvtoml.edit(current, url, ours=ours)
    found = uvtoml.blockers(path, current, new, url, system_file=uvtoml.system_config_path())
    if found:
        reasons = "\n".join(f"  - {reason}" for reason in found)
        raise TunaError(
            _("`conda tuna enable --pip` would not change the index uv uses, so nothing was "
              "written:\n{reasons}").format(reasons=reasons),
            hint=_("Remove those settings (or unset the variables) and run the command again, "
                   "or leave uv as it is: add --no-uv."))
    before = uvtoml.load(uvtoml.strip_bytes(current) if ours and current else current)
    previous = before.get(uvtoml.KEY) if isinstance(before, dict) else None
    change = Change(path, new, feature=UV_FEATURE, strip="uvtoml")
    return change, {"file": str(path), "index_url": url, "scope": scope,
                    "replaced": redact(previous) if previous not in (None, url) else None}


def pypi_status(mirror: Mirror | None) -> dict[str, object]:
    """uv's and conda-pypi's view of PyPI, for `conda tuna status` (JSON-ready); `mirror`:
    the mirror conda-tuna routes to, if it is enabled."""
    import shutil

    from . import uvtoml

    uv = uvtoml.describe()
    uv["installed"] = shutil.which("uv")
    url = mirror.pypi_url if mirror is not None else None
    uv["uses_mirror"] = bool(url) and uv["default_index"] == url
    return {"uv": uv, "conda_pypi": conda_pypi_status(url)}


def conda_pypi_status(url: str | None) -> dict[str, object]:
    """What conda-pypi (`conda pypi install`) does about the index, and the command that
    makes it use the mirror.

    conda-pypi 0.13 has no index setting: without ``-i/--index-url`` its finder uses the
    hard-coded ``DEFAULT_INDEX_URLS = ("https://pypi.org/simple/",)``
    (conda_pypi/downloader.py) and reads neither pip's nor uv's config nor any conda
    setting; the index page is fetched by unearth's own HTTP client, outside conda's session.
    Making it use the mirror would mean patching it, so conda-tuna tells the user the
    command instead (tests/integration/test_uv.py checks the fact when conda-pypi is
    installed).
    """
    import importlib.metadata

    try:
        version: str | None = importlib.metadata.version("conda-pypi")
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"installed": version is not None, "version": version,
            "default_index": CONDA_PYPI_DEFAULT_INDEX, "uses_mirror": False,
            "command": f"conda pypi install -i {url} PACKAGE" if url else None}


#: conda-pypi's hard-coded index (conda_pypi.downloader.DEFAULT_INDEX_URLS in 0.13.1)
CONDA_PYPI_DEFAULT_INDEX = "https://pypi.org/simple/"


def legacy_pip_restore(scope: str | None, *, dry_run: bool = False) -> list[dict[str, object]]:
    """Undo what conda-tuna 0.1 did to pip's config (its own state file, no journal)."""
    from .pipconf import restore_legacy

    results = []
    seen: set[Path] = set()
    for each in ((scope,) if scope else ("user", "system", "env")):
        try:
            path = path_for_scope(each)
        except TunaError:
            continue
        if path in seen:
            continue
        seen.add(path)
        result = restore_legacy(path, dry_run=dry_run)
        if result is not None:
            results.append({**result, "scope": each})
    return results
