"""`conda tuna enable --pip`: point pip at the mirror's PyPI index, and undo it exactly.

Which file: at user scope the file pip reads for this user (``$PIP_CONFIG_FILE`` when it
names an existing file, since pip then skips the user files; else ``%APPDATA%\\pip\\pip.ini``
on Windows, ``~/Library/Application Support/pip/pip.conf`` on macOS when that directory
exists, else ``$XDG_CONFIG_HOME/pip/pip.conf`` or ``~/.config/pip/pip.conf``); at env scope
the environment's own ``<prefix>/pip.conf`` (pip reads ``sys.prefix/pip.conf``); at system
scope the base installation's ``<root_prefix>/pip.conf`` (read by base's pip only).

How: ``index-url`` is set in ``[global]`` by editing lines, so every other setting, comment
and blank line stays as the user wrote it; a line we replace is kept, commented out, with
its continuation lines (read the way configparser reads them). The file is edited as bytes
(any encoding survives). ``strip_ours(set_index(text)) == text`` for every text: a user's
line that looks like one of ours is escaped. Before ``enable --pip`` writes anything,
:func:`blockers` says whether the change would have any effect ($PIP_INDEX_URL, an
``[install]`` index-url, a file pip reads later); if not, nothing is written.

Where the original goes: the scope's change journal (``base/journal.py``) records the file
(a symlink's target: the link stays a link), its bytes, mode and owner before the change, so
``disable`` restores it byte for byte (or deletes it, and any directory enable created, when
there was none), wherever $PIP_CONFIG_FILE points by then; if the user edited the file after
enable, only our lines are taken out and their edits stay.

Pure Python, no conda import: ``pip_change`` / ``legacy_pip_restore`` in ``pypi/adapter.py`` ask
conda where the environment is.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import json
import os
import re
import sys
from pathlib import Path

from ..base.files import atomic_write_bytes
from ..base.urls import redact
from ..i18n import _

# architecture: pure

TAG = "# conda-tuna: set by `conda tuna enable --pip`; `conda tuna disable` restores this file"
REPLACED = "# conda-tuna-replaced: "
ADDED_SECTION = "# conda-tuna-added-section"
NO_FINAL_NEWLINE = " (the line above had no final newline)"
NO_FINAL_NEWLINE_LINE = "# conda-tuna-no-final-newline: the line above had none"
ESCAPED = "# conda-tuna-escaped: "
_KEYS = ("index-url", "trusted-host")  # pip's names (_normalize_key)


# --------------------------------------------------------------------------- where
def user_config_path(environ: dict[str, str] | None = None, home: Path | None = None,
                     platform: str | None = None) -> Path:
    """The per-user pip config file pip will actually read."""
    environ = dict(os.environ if environ is None else environ)
    home = Path(home or os.path.expanduser("~"))
    platform = platform or sys.platform
    explicit = environ.get("PIP_CONFIG_FILE")
    if explicit and explicit != os.devnull and Path(explicit).is_file():
        return Path(explicit)
    if platform.startswith("win"):
        base = Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
        return base / "pip" / "pip.ini"
    if platform == "darwin":
        mac = home / "Library" / "Application Support" / "pip"
        if mac.is_dir():
            return mac / "pip.conf"
    base = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    return base / "pip" / "pip.conf"


def prefix_config_path(prefix: Path) -> Path:
    """The environment's own pip config (pip reads <sys.prefix>/pip.conf)."""
    return Path(prefix) / ("pip.ini" if os.name == "nt" else "pip.conf")


def config_files(prefix: Path | None, environ: dict[str, str] | None = None,
                 home: Path | None = None) -> list[Path]:
    """Every pip config file pip would read for `prefix`'s pip, in pip's order."""
    environ = dict(os.environ if environ is None else environ)
    home = Path(home or os.path.expanduser("~"))
    files = [Path("/etc/xdg/pip/pip.conf"), Path("/etc/pip.conf")]
    explicit = environ.get("PIP_CONFIG_FILE")
    if explicit == os.devnull:
        return []
    if not (explicit and Path(explicit).is_file()):
        files += [home / ".pip" / "pip.conf", user_config_path(environ, home)]
    if prefix is not None:
        files.append(prefix_config_path(prefix))
    if explicit and Path(explicit).is_file():
        files.append(Path(explicit))
    return files


def configured_index(prefix: Path | None, environ: dict[str, str] | None = None,
                     home: Path | None = None) -> str | None:
    """The index pip is configured to use (env var or config file), else None."""
    environ = dict(os.environ if environ is None else environ)
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        if environ.get(var):
            return environ[var] if var != "PIP_NO_INDEX" else "(no index)"
    found = None
    for path in config_files(prefix, environ, home):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            for key in ("index-url", "index_url", "extra-index-url", "extra_index_url"):
                if parser.has_option(section, key):
                    found = parser.get(section, key).strip() or found
    return found


# --------------------------------------------------------------------------- editing
_OURS = "# conda-tuna"  # every line conda-tuna adds starts with this
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SECTION = re.compile(r"\[(?P<header>.+)\]")  # configparser's SECTCRE
_NONSPACE = re.compile(r"\S")


def _lines(text: str) -> list[str]:
    """Lines with their endings, split where pip's reader splits (\\r\\n, \\r, \\n only)."""
    return _LINE.findall(text)


def _newline(text: str) -> str:
    if "\r\n" in text:
        return "\r\n"
    return "\r" if "\r" in text and "\n" not in text else "\n"


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def _normalize_key(name: str) -> str:
    """pip's name for a key: lower case, `_` as `-`, no leading dashes."""
    return name.strip().lower().replace("_", "-").lstrip("-")


def _classify(lines: list[str]) -> list[tuple[str, str]]:
    """(kind, key) per line, the way configparser reads it: kind is blank, comment,
    header (key: the section), option (key: pip's name) or continuation (key: its option)."""
    kinds: list[tuple[str, str]] = []
    indent, option = -1, ""
    for line in lines:
        value = line.strip()
        if not value or value.startswith(("#", ";")):
            kinds.append(("comment" if value else "blank", ""))
            continue
        first = _NONSPACE.search(line)
        level = first.start() if first else 0
        if option and level > indent:
            kinds.append(("continuation", option))
            continue
        indent = level
        header = _SECTION.match(value)
        if header:
            option = ""
            kinds.append(("header", header.group("header")))
            continue
        key = re.split(r"[=:]", value, maxsplit=1)[0] if re.search(r"[=:]", value) else ""
        option = _normalize_key(key) if key else ""
        kinds.append(("option", option))
    return kinds


def _escape(line: str) -> str:
    """A user's line that looks like one of conda-tuna's is escaped, so that stripping
    conda-tuna's lines later gives exactly the user's text back."""
    return ESCAPED + line if line.startswith(_OURS) else line


def set_index(text: str, url: str, trusted_host: str | None = None) -> str:
    """`text` with [global] index-url (and trusted-host for plain-http mirrors) set to ours.

    Lines that set those keys in [global], with their continuation lines, are kept,
    commented out with a marker, so :func:`strip_ours` brings them back;
    ``strip_ours(set_index(t)) == t`` for every text (tests/unit/pypi/test_pipconf.py).
    Our lines go right after the ``[global]`` header, indented like the next line that
    configparser reads: that line then keeps its role (an indented first setting would
    otherwise become a continuation of our index-url), and so does everything after it.
    """
    nl = _newline(text)
    lines = [_escape(line) for line in _lines(text)]
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
        lines.append(NO_FINAL_NEWLINE_LINE + nl)
    kinds = _classify(lines)
    start = next((i for i, (kind, key) in enumerate(kinds)
                  if kind == "header" and key == "global"), None)
    if start is None:
        return "".join([*lines, ADDED_SECTION + nl, "[global]" + nl,
                        *_our_lines(url, trusted_host, nl, "")])
    end = next((i for i in range(start + 1, len(lines)) if kinds[i][0] == "header"),
               len(lines))
    body = [REPLACED + line if kind in ("option", "continuation") and key in _KEYS else line
            for line, (kind, key) in zip(lines[start + 1:end], kinds[start + 1:end],
                                         strict=True)]
    following = next((lines[i] for i in range(start + 1, len(lines))
                      if kinds[i][0] not in ("blank", "comment")), "")
    first = _NONSPACE.search(following)
    indent = following[: first.start()] if first else ""
    ours = _our_lines(url, trusted_host, nl, indent)
    return "".join([*lines[: start + 1], *ours, *body, *lines[end:]])


def _our_lines(url: str, trusted_host: str | None, nl: str, indent: str) -> list[str]:
    ours = [TAG + nl, f"{indent}index-url = {url}{nl}"]
    if trusted_host:
        ours += [TAG + nl, f"{indent}trusted-host = {trusted_host}{nl}"]
    return ours


def strip_ours(text: str) -> str:
    """`text` without conda-tuna's lines, with the lines it replaced or escaped put back.

    Also reads files written by conda-tuna 0.1 (its added-section marker).
    """
    out: list[str] = []
    skip_next = drop_header = False
    for line in _lines(text):
        bare = _bare(line)
        if skip_next:
            skip_next = False
        elif bare == TAG:
            skip_next = True
        elif bare.startswith(ADDED_SECTION):
            drop_header = True
            if bare.endswith(NO_FINAL_NEWLINE) and out:  # 0.1's form of the marker
                out[-1] = _bare(out[-1])
        elif drop_header and bare.strip().lower() == "[global]":
            drop_header = False
        elif bare == NO_FINAL_NEWLINE_LINE:
            if out:
                out[-1] = _bare(out[-1])
        else:
            if line.startswith(REPLACED):
                line = line[len(REPLACED):]
            if line.startswith(ESCAPED):
                line = line[len(ESCAPED):]
            out.append(line)
    return "".join(out)


def _text(data: bytes) -> str:
    """pip.conf bytes as text, any bytes kept (surrogateescape): a Latin-1 file is edited
    as bytes and comes back byte for byte."""
    return data.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def edit(current: bytes | None, url: str, trusted_host: str | None = None, *,
         ours: bool = False) -> bytes:
    """The new bytes of a pip config file: `current` (None: no file) pointed at `url`.
    `ours`: `current` already has conda-tuna's lines (they are replaced, not added twice)."""
    text = _text(current or b"")
    return _bytes(set_index(strip_ours(text) if ours else text, url, trusted_host))


def strip_bytes(data: bytes) -> bytes:
    """conda-tuna's lines taken out of a pip config file (the journal's strip function)."""
    return _bytes(strip_ours(_text(data)))


# --------------------------------------------------------------------------- effective?
def _parse(data: bytes) -> configparser.RawConfigParser | str:
    """pip's view of a config file, or why pip cannot read it."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(_text(data))
    except configparser.Error as exc:
        return str(exc).splitlines()[0]
    return parser


def _sets_index(parser: configparser.RawConfigParser, section: str) -> bool:
    return parser.has_section(section) and any(
        _normalize_key(k) == "index-url" for k in parser.options(section))


def blockers(target: Path, new: bytes, prefixes: list[Path],
             environ: dict[str, str] | None = None, home: Path | None = None) -> list[str]:
    """Why writing `new` to `target` would not change the index pip uses, one sentence each.

    pip reads (later wins): /etc files, the user files (skipped when $PIP_CONFIG_FILE names
    a file), each environment's ``<prefix>/pip.conf``, then $PIP_CONFIG_FILE; in each file
    the ``[install]`` section wins over ``[global]`` for ``pip install``; and PIP_INDEX_URL
    wins over every file. Any of those that sets the index makes ``enable --pip`` pointless.
    """
    environ = dict(os.environ if environ is None else environ)
    found: list[str] = []
    if environ.get("PIP_INDEX_URL"):
        found.append(_("$PIP_INDEX_URL is set ({value}); pip uses it instead of any "
                       "pip.conf.").format(value=redact(environ["PIP_INDEX_URL"])))
    if environ.get("PIP_CONFIG_FILE") == os.devnull:
        found.append(_("$PIP_CONFIG_FILE is {devnull}: pip reads no configuration file at "
                       "all.").format(devnull=os.devnull))
    if environ.get("PIP_NO_INDEX"):
        found.append(_("$PIP_NO_INDEX is set: pip uses no index."))
    parsed = _parse(new)
    if isinstance(parsed, str):
        found.append(_("pip cannot read {path} ({error}); fix the file first.").format(
            path=target, error=parsed))
    target_real = os.path.realpath(target)
    files = _read_after(target_real, prefixes, environ, home)
    for path, data in files:
        other = parsed if path == target_real else _parse(data)
        if isinstance(other, str):
            continue
        if _sets_index(other, "install"):
            found.append(_("{path} sets index-url in its [install] section, which wins over "
                           "[global] for `pip install`.").format(path=path))
        if path != target_real and _sets_index(other, "global"):
            found.append(_("{path} sets index-url and pip reads it after {target}.").format(
                path=path, target=target))
    return found


def _read_after(target: str, prefixes: list[Path], environ: dict[str, str],
                home: Path | None) -> list[tuple[str, bytes]]:
    """The config files pip reads from `target` on (target included), with their bytes."""
    order: list[str] = []
    for prefix in prefixes:
        for path in config_files(prefix, environ, home):
            real = os.path.realpath(path)
            if real not in order:
                order.append(real)
    if target not in order:
        order.insert(0, target)
    found = []
    for path in order[order.index(target):]:
        try:
            with open(path, "rb") as handle:
                found.append((path, handle.read()))
        except OSError:
            continue
    return found


# --------------------------------------------------------------------------- 0.1's state
# conda-tuna 0.1 kept a state file and a backup next to pip.conf; 0.2 keeps them in the
# scope's change journal (base/journal.py). A pip.conf changed by 0.1 is put back with
# these before 0.2 changes it again, and by `disable`.
def _state_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.conda-tuna.json")


def read_legacy_state(path: Path) -> dict[str, object] | None:
    """0.1's record of its change to `path`, None when there is none (or it is unreadable)."""
    try:
        data = json.loads(_state_path(path).read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def restore_legacy(path: Path, *, dry_run: bool = False) -> dict[str, object] | None:
    """Undo a change conda-tuna 0.1 made at `path`; None when it made none.

    `how`: "restored" (the backup put back byte for byte), "deleted" (there was no file
    before), or "kept-edits" (the file changed since, or its backup is gone: conda-tuna's
    lines are taken out, everything else stays; a backup still there is left for the user).
    """
    state = read_legacy_state(path)
    if state is None:
        return None
    current = _read(path)
    untouched = current is not None and hashlib.sha256(current).hexdigest() == state.get(
        "written_sha256")
    backup = Path(str(state["backup"])) if state.get("backup") else None
    original = _read(backup) if backup is not None else None
    if (untouched or current is None) and not state.get("existed"):
        how = "deleted"
    elif (untouched or current is None) and original is not None:
        how = "restored"
    else:
        how = "kept-edits"
    result = {"file": str(path), "how": how, "backup": str(backup) if backup else None}
    if dry_run:
        return result
    mode = int(state.get("mode") or 0o644)  # type: ignore[call-overload]
    if how == "restored":
        atomic_write_bytes(path, original, mode)  # type: ignore[arg-type]
        backup.unlink()  # type: ignore[union-attr]
    elif how == "deleted":
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for directory in state.get("created_dirs") or []:  # type: ignore[union-attr]
            with contextlib.suppress(OSError):
                Path(directory).rmdir()  # only when empty
    elif current is not None:
        atomic_write_bytes(path, strip_bytes(current), os.stat(path).st_mode & 0o777)
    with contextlib.suppress(FileNotFoundError):
        _state_path(path).unlink()
    return result


def _read(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None
