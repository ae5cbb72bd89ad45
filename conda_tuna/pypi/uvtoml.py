"""`conda tuna enable --pip` for uv: point uv at the mirror's PyPI index, and undo it exactly.

Which file: uv reads one per-user file, ``$XDG_CONFIG_HOME/uv/uv.toml`` (an absolute
XDG_CONFIG_HOME only) or ``~/.config/uv/uv.toml`` -- on macOS too -- and
``%APPDATA%\\uv\\uv.toml`` on Windows (uv's ``uv-dirs`` crate, ``user_config_dir``). uv has no
per-environment or per-installation file: it reads nothing from a conda environment or the
base installation, so conda-tuna changes uv only at user scope.

Which key: the top-level ``index-url`` (uv's legacy spelling of the default index, read by
every uv that has a user file). It still lets a project's own index win, in either spelling;
a user-level ``[[index]] default = true`` would override a project's ``index-url`` too
(/opt/ct/research/i18n-uv-pypi.md, tests E2/E3). Things that would make our key pointless are
reported by :func:`blockers` and nothing is written: $UV_INDEX_URL/$UV_DEFAULT_INDEX (they
beat every file), $UV_CONFIG_FILE/$UV_NO_CONFIG (uv skips the user file), a default
``[[index]]`` in the user or the system file (it beats any ``index-url``), ``[pip]``'s own
index (it wins for ``uv pip``), ``no-index``.

How: the file is edited as lines, as bytes (any encoding survives, like pip.conf in
``pipconf.py``). TOML has no place for a marker key (uv rejects unknown keys, so markers are
comments) and top-level keys must come before the first table, so conda-tuna's two lines go
first: its tag comment and ``index-url = "<mirror>"``. A top-level ``index-url`` line of the
user's is kept, commented out with a marker. A user's line that looks like one of ours is
escaped. So ``strip_ours(set_index(t)) == t`` for every text. Before anything is written the
result is parsed (tomllib) and must equal the original plus our ``index-url``; otherwise
nothing is written (:func:`edit_is_exact`).

Undo: the scope's change journal (``base/journal.py``) keeps the original bytes, mode and
owner (a symlink stays a link); ``disable`` puts them back, or takes only our lines out when
the user edited the file since (:func:`strip_bytes` is the journal's strip function).

Pure Python, no conda import: ``pypi/adapter.py`` decides the scope.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from ..base.urls import redact
from ..i18n import _
from .pipconf import _lines, _newline  # one line splitter for both byte-level editors

try:  # Python 3.11+
    import tomllib as _toml
except ModuleNotFoundError:  # Python 3.10: tomli when it is there (conda-forge has it)
    try:
        import tomli as _toml  # type: ignore[no-redef]
    except ModuleNotFoundError:
        _toml = None  # type: ignore[assignment]

# architecture: pure

TAG = "# conda-tuna: set by `conda tuna enable --pip`; `conda tuna disable` restores this file"
REPLACED = "# conda-tuna-replaced: "
ESCAPED = "# conda-tuna-escaped: "
FILE_NAME = "uv.toml"
KEY = "index-url"
#: uv's name for PyPI when nothing else is configured
PYPI = "https://pypi.org/simple"
BOM = "\ufeff"
_OURS = "# conda-tuna"  # every line conda-tuna adds or marks starts with this
_ROOT_KEY = re.compile(r"""[ \t]*(?:index-url|"index-url"|'index-url')[ \t]*=""")
_HEADER = re.compile(r"[ \t]*\[")
#: how far a multi-line value is followed (a broken file is not scanned quadratically)
_MAX_STATEMENT_LINES = 200
_TRUE = frozenset({"1", "true", "yes", "y", "on", "t"})


# --------------------------------------------------------------------------- where
def user_config_path(environ: dict[str, str] | None = None, home: Path | None = None,
                     platform: str | None = None) -> Path:
    """The per-user uv.toml uv reads (whether or not it exists yet)."""
    environ = dict(os.environ if environ is None else environ)
    home = Path(home or os.path.expanduser("~"))
    platform = platform or sys.platform
    if platform.startswith("win"):
        return Path(environ.get("APPDATA") or home / "AppData" / "Roaming") / "uv" / FILE_NAME
    xdg = environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".config"  # relative: ignored
    return base / "uv" / FILE_NAME


def system_config_path(environ: dict[str, str] | None = None,
                       platform: str | None = None) -> Path | None:
    """The system uv.toml uv reads, None when there is none (or $UV_NO_SYSTEM_CONFIG)."""
    environ = dict(os.environ if environ is None else environ)
    platform = platform or sys.platform
    if truthy(environ.get("UV_NO_SYSTEM_CONFIG")):
        return None
    if platform.startswith("win"):
        drive = environ.get("SYSTEMDRIVE")
        found = Path(f"{drive}\\") / "ProgramData" / "uv" / FILE_NAME if drive else None
        return found if found is not None and found.is_file() else None
    dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    for directory in dirs.split(":"):
        if not directory:
            break  # uv stops at the first empty entry
        candidate = Path(directory) / "uv" / FILE_NAME
        if candidate.is_file():
            return candidate
    fallback = Path("/etc/uv") / FILE_NAME
    return fallback if fallback.exists() else None


def truthy(value: str | None) -> bool:
    """uv's reading of a boolean environment variable (``1``, ``true``, ``yes``, ``on``)."""
    return (value or "").strip().lower() in _TRUE


# --------------------------------------------------------------------------- editing
def _escape(line: str) -> str:
    """A user's line that looks like one of conda-tuna's is escaped, so that stripping
    conda-tuna's lines later gives exactly the user's text back."""
    return ESCAPED + line if line.startswith(_OURS) else line


def toml_string(value: str) -> str:
    """`value` as a TOML basic string (quotes, backslashes and controls escaped)."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def set_index(text: str, url: str) -> str:
    """`text` with conda-tuna's ``index-url`` first, the user's top-level one commented out.

    The root table is everything before the first table header. Each top-level key/value
    is taken whole, continuation lines of a multi-line array or string included (the
    shortest run of lines that TOML reads on its own), so neither a header-like line inside
    a value nor a multi-line ``index-url`` is misread. Whatever is left over is caught by
    :func:`edit_is_exact`, which compares what TOML reads before and after.
    """
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom):]
    nl = _newline(body)
    lines = _lines(body)
    out = [_escape(line) for line in lines]
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if _HEADER.match(line):
            break  # the root table ends at the first table header
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        end = _statement_end(lines, i)
        if _ROOT_KEY.match(line):
            for j in range(i, end):
                out[j] = REPLACED + out[j]
        i = end
    return "".join([bom, TAG, nl, f"{KEY} = {toml_string(url)}", nl, *out])


def _statement_end(lines: list[str], start: int) -> int:
    """The index after the last line of the key/value that starts at `start`: the first run
    of lines TOML reads on its own (one line when TOML cannot tell, or cannot be asked)."""
    if _toml is None:
        return start + 1
    chunk = ""
    for end in range(start, min(len(lines), start + _MAX_STATEMENT_LINES)):
        chunk += lines[end]
        try:
            _toml.loads(chunk)
        except ValueError:
            continue
        return end + 1
    return start + 1


def strip_ours(text: str) -> str:
    """`text` without conda-tuna's lines, with the lines it commented out or escaped back."""
    bom = BOM if text.startswith(BOM) else ""
    out: list[str] = []
    skip_next = False
    for line in _lines(text[len(bom):]):
        if skip_next:
            skip_next = False
        elif line.rstrip("\r\n") == TAG:
            skip_next = True
        else:
            line = line.removeprefix(REPLACED)  # a replaced line may also be escaped
            out.append(line.removeprefix(ESCAPED))
    return bom + "".join(out)


def _text(data: bytes) -> str:
    """The file's bytes as text, every byte kept (surrogateescape)."""
    return data.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def edit(current: bytes | None, url: str, *, ours: bool = False) -> bytes:
    """The new bytes of uv.toml: `current` (None: no file) pointed at `url`.
    `ours`: `current` already has conda-tuna's lines (replaced, not added twice)."""
    text = _text(current or b"")
    return _bytes(set_index(strip_ours(text) if ours else text, url))


def strip_bytes(data: bytes) -> bytes:
    """conda-tuna's lines taken out of a uv.toml (the journal's strip function)."""
    return _bytes(strip_ours(_text(data)))


def has_our_lines(data: bytes | None) -> bool:
    return data is not None and any(
        line.rstrip("\r\n") == TAG for line in _lines(_text(data).removeprefix(BOM)))


# --------------------------------------------------------------------------- reading
def can_parse() -> bool:
    """Whether this Python can read TOML (3.11+, or tomli installed on 3.10)."""
    return _toml is not None


def load(data: bytes | None) -> dict[str, object] | str:
    """What uv reads from a uv.toml's bytes (None: no file), or why it cannot read it."""
    if data is None:
        return {}
    if _toml is None:
        return _("Python {version} cannot read TOML (conda-tuna needs Python 3.11+ or the tomli "
                 "package for that)").format(version=sys.version.split()[0])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _("it is not UTF-8 text")
    try:
        return _toml.loads(text.removeprefix(BOM))
    except ValueError as exc:  # tomllib.TOMLDecodeError
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def edit_is_exact(old: bytes | None, new: bytes, url: str) -> bool:
    """Whether TOML reads `new` as `old` plus ``index-url = url`` and nothing else changed
    (otherwise nothing may be written)."""
    before, after = load(old), load(new)
    return isinstance(before, dict) and isinstance(after, dict) and after == {**before,
                                                                               KEY: url}


def _table(data: dict[str, object], key: str) -> dict[str, object]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _default_index(data: dict[str, object]) -> str | None:
    """The url of the first ``[[index]]`` with ``default = true`` in `data`, else None."""
    entries = data.get("index")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("default") is True:
            return str(entry.get("url", ""))
    return None


def file_shadows(path: Path, data: dict[str, object], *, user_file: bool) -> list[str]:
    """Settings in one uv.toml that make uv ignore the user file's top-level index-url."""
    found: list[str] = []
    default = _default_index(data)
    if default is not None:
        found.append(_("{path} sets a default index in [[index]] ({url}), which uv uses "
                       "instead of any index-url.").format(path=path, url=redact(default)))
    if not user_file:
        return found  # a system file's other settings lose to the user file
    pip = _table(data, "pip")
    if KEY in pip:
        found.append(_("{path} sets index-url in its [pip] section, which wins for `uv pip` "
                       "commands.").format(path=path))
    pip_default = _default_index(pip)
    if pip_default is not None:
        found.append(_("{path} sets a default index in [[pip.index]] ({url}), which wins for "
                       "`uv pip` commands.").format(path=path, url=redact(pip_default)))
    if data.get("no-index") is True or pip.get("no-index") is True:
        found.append(_("{path} sets no-index = true: uv uses no index at all.").format(
            path=path))
    return found


def env_shadows(environ: dict[str, str], target: Path) -> list[str]:
    """Environment variables that make uv ignore the user uv.toml's index-url."""
    found: list[str] = []
    for var in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        if environ.get(var, "").strip():
            found.append(_("${var} is set ({value}); uv uses it instead of any uv.toml.").format(
                var=var, value=redact(environ[var])))
    if environ.get("UV_CONFIG_FILE", "").strip():
        found.append(_("$UV_CONFIG_FILE is set ({value}): uv reads that file instead of "
                       "{path}.").format(value=redact(environ["UV_CONFIG_FILE"]), path=target))
    if truthy(environ.get("UV_NO_CONFIG")):
        found.append(_("$UV_NO_CONFIG is set: uv reads no configuration file at all."))
    return found


def blockers(target: Path, old: bytes | None, new: bytes, url: str,
             environ: dict[str, str] | None = None,
             system_file: Path | None = None) -> list[str]:
    """Why writing `new` (our edit of `old`) to `target` would not make uv use `url`, one
    sentence each; [] when it would. `system_file`: uv's system uv.toml, if any."""
    environ = dict(os.environ if environ is None else environ)
    found = env_shadows(environ, target)
    if not can_parse():  # Python 3.10 without tomli: only a file that is not there is known
        for path, data in ((target, old), (system_file, _read(system_file))):
            if data is not None:
                found.append(_("conda-tuna cannot read {path} on Python {version} (it needs "
                               "Python 3.11+ or the tomli package); set index-url = {value} "
                               "there by hand.").format(path=path, value=toml_string(url),
                                                        version=sys.version.split()[0]))
        return found
    parsed = load(old)
    if isinstance(parsed, str):
        found.append(_("uv cannot read {path} ({error}); fix the file first.").format(
            path=target, error=parsed))
        return found
    if not edit_is_exact(old, new, url):
        found.append(_("conda-tuna could not add its index-url to {path} without changing your "
                       "other settings; set index-url = {value} there by hand.").format(
                           path=target, value=toml_string(url)))
    found += file_shadows(target, parsed, user_file=True)
    if system_file is not None:
        system = load(_read(system_file))
        if isinstance(system, str):
            found.append(_("uv cannot read {path} ({error}); fix the file first.").format(
                path=system_file, error=system))
        else:
            found += file_shadows(system_file, system, user_file=False)
    return found


def describe(environ: dict[str, str] | None = None, home: Path | None = None,
             platform: str | None = None) -> dict[str, object]:
    """What uv is configured to use as its default index outside any project, and why
    (for `conda tuna status`); keys and values are language-neutral except `notes`, which
    say why conda-tuna's index-url does not count (only when conda-tuna set one)."""
    environ = dict(os.environ if environ is None else environ)
    path = user_config_path(environ, home, platform)
    system = system_config_path(environ, platform)
    data = _read(path)
    parsed = load(data)
    user = parsed if isinstance(parsed, dict) else {}
    system_parsed = _parsed(system)
    index, source = effective_index(environ, path, user, system, system_parsed)
    ours = has_our_lines(data)
    notes: list[str] = []
    if ours:
        notes += env_shadows(environ, path)
        if isinstance(parsed, str):
            notes.append(_("uv cannot read {path} ({error}); fix the file first.").format(
                path=path, error=parsed))
        notes += file_shadows(path, user, user_file=True)
        if system is not None:
            notes += file_shadows(system, system_parsed, user_file=False)
    top = user.get(KEY)
    return {"file": str(path), "exists": data is not None, "set_by_conda_tuna": ours,
            "index_url": redact(top) if isinstance(top, str) else None,
            "default_index": redact(index), "source": source,
            "system_file": str(system) if system is not None else None, "notes": notes}


def _parsed(path: Path | None) -> dict[str, object]:
    found = load(_read(path)) if path is not None else {}
    return found if isinstance(found, dict) else {}


def effective_index(environ: dict[str, str], path: Path, user: dict[str, object],
                    system: Path | None, system_data: dict[str, object]) -> tuple[str, str]:
    """uv's default index outside a project, and where it comes from (uv's
    `index_locations` order): the environment, then the first default ``[[index]]`` (user
    before system), then ``index-url`` (user beats system), else PyPI ("default")."""
    for var in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        if environ.get(var, "").strip():
            return environ[var].strip(), f"${var}"
    if truthy(environ.get("UV_NO_CONFIG")):
        files: list[tuple[str, dict[str, object]]] = []
    elif environ.get("UV_CONFIG_FILE", "").strip():  # replaces user and system files
        explicit = Path(environ["UV_CONFIG_FILE"].strip())
        files = [(str(explicit), _parsed(explicit))]
    else:
        files = [(str(path), user), *([(str(system), system_data)] if system else [])]
    for name, data in files:
        default = _default_index(data)
        if default is not None:
            return default, name
    for name, data in files:
        value = data.get(KEY)
        if isinstance(value, str):
            return value, name
    return PYPI, "default"


def _read(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None
