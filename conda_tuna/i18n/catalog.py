"""Find and load a compiled catalog, for every way conda-tuna can be installed.

* **wheel** (PyPI, ``pip install .``, the conda recipe, which runs pip on the source):
  ``hatch_build.py`` compiles each ``.po`` into a ``.mo`` inside the wheel, and the wheel
  carries no ``.po`` (``[tool.hatch.build.targets.wheel] exclude``), so the ``.mo`` is all
  there is and gettext reads it.
* **editable install / source checkout**: the ``.mo`` files are git-ignored. ``pip install
  -e`` writes them into the tree, but a translator's later edit of the ``.po`` (or a
  checkout that was never installed) leaves them stale or missing. Then the ``.po`` itself is
  read here, with the standard library only: conda-tuna has no runtime dependencies (it is
  installed into conda's base environment, where every extra package is one more thing that
  can conflict), so Babel stays a build-time and test-time tool. ``tests/unit/i18n`` checks
  that this reader and Babel's compiler give the same translations for the real catalog.

Rule: the ``.po`` wins when it exists and is newer than the ``.mo`` (or there is no ``.mo``);
fuzzy entries are left out, as msgfmt and ``hatch_build.py`` do.
"""

# architecture: pure

from __future__ import annotations

import ast
import gettext
import io
import struct
from array import array
from pathlib import Path


def catalog_paths(locale_dir: Path, language: str, domain: str) -> tuple[Path, Path]:
    """The ``.po`` and ``.mo`` of `domain` for `language` under `locale_dir`."""
    po = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
    return po, po.with_suffix(".mo")


def source_is_newer(po: Path, mo: Path) -> bool:
    """True when the .po must be read: it exists and the .mo is missing or older."""
    try:
        po_time = po.stat().st_mtime_ns
    except OSError:
        return False
    try:
        return mo.stat().st_mtime_ns < po_time
    except OSError:
        return True


def load(locale_dir: Path, language: str, domain: str) -> gettext.NullTranslations:
    """The translations of `domain` for `language`; English (no catalog) when none is found."""
    po, mo = catalog_paths(locale_dir, language, domain)
    try:
        if source_is_newer(po, mo):
            return gettext.GNUTranslations(io.BytesIO(compile_po(po.read_text("utf-8"))))
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except (OSError, ValueError, SyntaxError, UnicodeError, struct.error):
        # a broken or unreadable catalog must never stop a conda command: speak English
        return gettext.NullTranslations()


def parse_po(text: str) -> list[dict[str, object]]:
    """The entries of a .po file: dicts with msgctxt/msgid/msgid_plural (str), msgstr
    (list of str, one per plural form) and fuzzy (bool). Obsolete (``#~``) entries are
    skipped. Strings are C-escaped like Python literals, so ``ast.literal_eval`` decodes them.
    """
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    fuzzy = False
    key: str | None = None

    def flush() -> None:
        nonlocal entry, fuzzy, key
        if "msgid" in entry:
            entry["fuzzy"] = fuzzy
            entries.append(entry)
        entry, fuzzy, key = {}, False, None

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if "msgstr" in entry:
                flush()
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                fuzzy = True
            continue
        if line.startswith('"'):
            if key is None:
                raise ValueError(f"a string outside an entry: {line[:40]!r}")
            _append(entry, key, ast.literal_eval(line))
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and "msgstr" in entry:
            flush()
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            forms = entry.setdefault("msgstr", [])
            assert isinstance(forms, list)
            forms.extend([""] * (index + 1 - len(forms)))
            key = f"msgstr[{index}]"
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            key = keyword
            entry[key] = ""
        else:
            raise ValueError(f"unknown keyword {keyword!r}")
        _append(entry, key, ast.literal_eval(rest.strip()))
    flush()
    return entries


def _append(entry: dict[str, object], key: str, value: str) -> None:
    if key.startswith("msgstr["):
        forms = entry["msgstr"]
        assert isinstance(forms, list)
        forms[int(key[7:-1])] += value
    else:
        entry[key] = str(entry[key]) + value


def compile_po(text: str) -> bytes:
    """The .mo bytes for a .po text (what msgfmt writes, without the hash table): the header
    and every translated, non-fuzzy entry."""
    messages: dict[bytes, bytes] = {}
    for entry in parse_po(text):
        msgid = str(entry["msgid"])
        forms = [str(s) for s in entry.get("msgstr", [])]  # type: ignore[union-attr]
        if msgid and (entry["fuzzy"] or not any(forms)):
            continue
        if "msgid_plural" in entry:
            msgid = f"{msgid}\0{entry['msgid_plural']}"
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        messages[msgid.encode()] = "\0".join(forms).encode()
    return _mo_bytes(messages)


def _mo_bytes(messages: dict[bytes, bytes]) -> bytes:
    """GNU .mo layout: header, original and translation tables, then the strings."""
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(messages[k])))
        ids += k + b"\0"
        strs += messages[k] + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    key_offsets: list[int] = []
    value_offsets: list[int] = []
    for id_at, id_len, str_at, str_len in offsets:
        key_offsets += [id_len, id_at + key_start]
        value_offsets += [str_len, str_at + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8,
                         0, 0)
    return header + array("i", key_offsets).tobytes() + array("i", value_offsets).tobytes() \
        + ids + strs
