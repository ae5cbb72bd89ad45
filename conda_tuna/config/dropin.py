"""The config writer: conda-tuna's one drop-in file, written atomically and removed exactly.

conda reads every ``*.yml`` in a ``condarc.d/`` directory of its search path, so the plugin
never edits a user's ``.condarc``: it owns ``condarc.d/conda-tuna.yml`` at one scope and
``conda tuna disable`` deletes it (and any directory enable had to create), which restores
every other file byte for byte. The file is written through the scope's change journal
(``base/journal.py``): :func:`change` says what to write, the journal writes it.

Pure Python, no conda import. The YAML is emitted by hand (mappings, lists, scalars only),
because the plugin must not pull in ruamel at start-up and the output must be stable;
scalars and keys come from ``base/yamltext.py``, which conda's loader reads back exactly
for any string (the file is pure ASCII).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..base import yamltext
from ..base.errors import TunaError
from ..base.journal import Change
from ..i18n import _
from .names import FILE_NAME, OLD_ROUTING_KEYS

# architecture: pure

META_PREFIX = "# conda-tuna-meta: "
HEADER = (
    "# Written by conda-tuna: routes conda through a package mirror.\n"
    "# Do not edit; `conda tuna enable` rewrites it and `conda tuna disable` removes it.\n"
    "# Your own settings belong in your .condarc, which conda-tuna never touches.\n"
)
SCOPES = ("user", "system", "env")
FEATURE = "dropin"  # the journal's name for this file
# FILE_NAME and OLD_ROUTING_KEYS (what conda-tuna 0.1's drop-in set to re-point channels at
# the mirror; today's sets none of them) live in config/names.py, which every command reads.


@dataclass
class DropIn:
    """What conda-tuna wrote: the file, the metadata in its header, its text."""

    path: Path
    meta: dict[str, object] = field(default_factory=dict)
    text: str = ""


def drop_in_dir(scope: str, *, home: Path, root_prefix: Path, env_prefix: Path | None) -> Path:
    """The condarc.d directory for a scope.

    user: ``~/.conda/condarc.d`` (read before ``~/.condarc``, so a user's own ``.condarc``
    still wins, and ``status`` reports it); system: ``$CONDA_ROOT/condarc.d`` (the base
    installation, for shared servers); env: ``$CONDA_PREFIX/condarc.d`` (one environment).
    """
    if scope == "user":
        return home / ".conda" / "condarc.d"
    if scope == "system":
        return root_prefix / "condarc.d"
    if scope == "env":
        if env_prefix is None:
            raise TunaError(_("--scope env needs an active environment (or -n/-p)."))
        return env_prefix / "condarc.d"
    raise TunaError(_("Unknown scope {scope}; choose one of {scopes}.").format(
        scope=repr(scope), scopes=", ".join(SCOPES)))


def scope_root(scope: str, *, home: Path, root_prefix: Path, env_prefix: Path | None) -> Path:
    """Where the scope's change journal lives (``<root>/.conda-tuna``, see base/journal.py):
    the user's home, the base installation, or the environment."""
    directory = drop_in_dir(scope, home=home, root_prefix=root_prefix, env_prefix=env_prefix)
    return home if scope == "user" else directory.parent


def _scalar(value: object) -> str:
    return yamltext.scalar(value)


def _key(key: str) -> str:
    return yamltext.key(key)


def _emit(value: object, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_key(str(key))}:")
                lines.extend(_emit(item, indent + 1))
            elif isinstance(item, dict):
                lines.append(f"{pad}{_key(str(key))}: {{}}")
            elif isinstance(item, list):
                lines.append(f"{pad}{_key(str(key))}: []")
            else:
                lines.append(f"{pad}{_key(str(key))}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item and not any(
                    isinstance(v, (dict, list)) for v in item.values()):
                # a flat mapping per item (channel_settings entries)
                first, *rest = [f"{_key(str(k))}: {_scalar(v)}" for k, v in item.items()]
                lines.append(f"{pad}- {first}")
                lines.extend(f"{pad}  {line}" for line in rest)
                continue
            if isinstance(item, (dict, list)):
                raise TypeError("nested collections inside lists are not emitted")
            lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(f"{pad}{_scalar(value)}")
    return lines


def render(settings: dict[str, object], meta: dict[str, object]) -> str:
    """The drop-in's text: header, one metadata comment line, then the settings as YAML."""
    # ASCII JSON: a line separator or a lone surrogate in a path must not end the comment
    meta_line = META_PREFIX + json.dumps(meta, sort_keys=True, ensure_ascii=True)
    body = "\n".join(_emit(settings, 0))
    return f"{HEADER}{meta_line}\n{body}\n"


def is_old(text: str) -> bool:
    """True for a drop-in written by conda-tuna 0.1 (it sets channel-mapping keys)."""
    return any(line.startswith(f"{key}:") for key in OLD_ROUTING_KEYS
               for line in text.splitlines())


def parse_meta(text: str) -> dict[str, object] | None:
    """The metadata from a drop-in's header; None when the text is not conda-tuna's."""
    for line in text.splitlines()[:10]:
        if line.startswith(META_PREFIX):
            try:
                meta = json.loads(line[len(META_PREFIX):])
            except ValueError:
                return None
            return meta if isinstance(meta, dict) else None
    return None


def read(path: Path) -> DropIn | None:
    """The drop-in at `path`, None when absent; TunaError when present but not ours or broken."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):  # nothing can be there
        return None
    except OSError as exc:
        raise TunaError(_("Cannot read {path}: {error}.").format(
            path=path, error=exc.strerror or exc)) from exc
    except UnicodeDecodeError:
        text = ""  # not text conda-tuna wrote: reported as not ours just below
    meta = parse_meta(text)
    if meta is None:
        raise TunaError(
            _("{path} exists but is not a valid conda-tuna file (its header is missing or "
              "malformed).").format(path=path),
            hint=_("Move it aside (e.g. `mv {path} {path}.bak`) and run the command "
                   "again.").format(path=path),
        )
    return DropIn(path, meta, text)


def _permission_error(path: Path, exc: OSError) -> TunaError:
    return TunaError(
        _("Cannot write {path}: {error}.").format(path=path, error=exc.strerror or exc),
        hint=_("Run as the owner of that conda installation, or choose `--scope user`."),
    )


def check_writable(directory: Path) -> None:
    """Fail early, before anything is written, when `directory` cannot be created or written."""
    probe = directory
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise _permission_error(directory / FILE_NAME, NotADirectoryError(20, _("Not a directory")))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise _permission_error(directory / FILE_NAME, PermissionError(13, _("Permission denied")))


def change(path: Path, settings: dict[str, object], meta: dict[str, object],
           existing: DropIn | None, *, journaled: bool) -> tuple[Change | None, bool]:
    """The journal change that writes the drop-in, and whether its settings change.

    Same settings as the file already has: no change (its timestamp is not worth a write),
    unless no journal records the file yet (written by conda-tuna 0.1, or the journal was
    lost): then it is written once so that the journal knows it, and the directories 0.1
    created for it (its ``created_dirs``) are handed over to the journal.
    """
    text = render(settings, meta)
    same = existing is not None and _same_settings(existing.text, text)
    if same and journaled:
        return None, False
    legacy = existing is not None and not journaled
    dirs = tuple(str(d) for d in existing.meta.get("created_dirs", [])) if legacy else ()
    data = existing.text if same and existing is not None else text
    return Change(path, data.encode("utf-8"), feature=FEATURE, strip="whole",
                  own_file=legacy, legacy_dirs=dirs), not same


def _same_settings(old: str, new: str) -> bool:
    """Equal apart from the metadata line (whose timestamp changes on every run)."""
    def strip(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith(META_PREFIX)]

    return strip(old) == strip(new) and parse_meta(old) is not None


def remove(path: Path) -> DropIn | None:
    """Delete a drop-in that no journal records (conda-tuna 0.1, or a lost journal) and the
    directories its metadata says enable created (if now empty).

    Returns what was removed, or None when there was nothing (a no-op, not an error).
    """
    existing = read(path)
    if existing is None:
        return None
    try:
        path.unlink()
    except OSError as exc:
        raise _permission_error(path, exc) from exc
    for directory in reversed([Path(d) for d in existing.meta.get("created_dirs", [])]):
        with contextlib.suppress(OSError):  # not empty: the user put something there
            directory.rmdir()
    return existing
