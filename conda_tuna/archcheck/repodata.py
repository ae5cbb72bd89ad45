"""Records of one package name from a repodata.json file, without parsing the whole file.

The failure path of the architecture check (and its fresh-cache pre-check) needs the records
of a few dozen names out of files with hundreds of thousands of records (conda-forge's
linux-64 repodata.json is over 100 MB). Parsing such a file costs seconds and hundreds of MB;
the libmamba and rattler solvers never parse it in Python, so the check must not either.

conda stores the downloaded bytes as they came (``RepodataCache.save``), and channels index
their repodata with sorted keys (conda-index writes ``sort_keys``), so inside the
``"packages"`` (``.tar.bz2``) and ``"packages.conda"`` objects the records of one name sit
together under keys ``<name>-<version>-<build>.<ext>``. A binary search over byte offsets
finds them in O(log n) small reads; only those records are decoded.

Nothing here trusts that order for a "no": a name that no sorted-key search finds is confirmed
by a linear scan for its ``"name": "<name>"`` field (:meth:`RepodataFile.scan`), and a section
whose keys are found out of order is searched by scanning only. So an unusual file can cost
time, never a false "missing".

Pure Python, no conda import: records come back as the dicts of the JSON file.
"""

from __future__ import annotations

import json
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# architecture: pure

#: A package entry: `"<file name>": {` after `{` or `,` (file names hold no quote/backslash).
#: `"packages.conda": {` itself looks like one: searches resume at the `{` a match ends with,
#: which may open the first real entry.
_KEY_RE = re.compile(rb'[{,]\s*"([^"\\]+?(\.tar\.bz2|\.conda))"\s*:\s*\{')
_OPEN_RE = re.compile(rb"\s*:\s*\{")
#: What precedes a record's name value: `"name": ` (any JSON whitespace).
_NAME_FIELD_RE = re.compile(rb'"name"\s*:\s*\Z')
_SECTIONS = ((b"packages", b".tar.bz2"), (b"packages.conda", b".conda"))
_DECODER = json.JSONDecoder()

#: Below this many bytes a binary search reads on linearly.
_LINEAR = 4096
#: How far after one section the other is looked for before searching the whole file.
_NEAR = 1 << 16
#: First window searched backwards for the key of a record found by its name.
_WINDOW = 1 << 14
#: Keys sampled per section to tell a sorted file from an unsorted one; sections up to
#: _SMALL bytes have all their keys checked.
_SAMPLES = 16
_SMALL = 1 << 16
#: Give up decoding a record after this many closing braces (nested objects, braces in text).
_MAX_BRACES = 256


@dataclass(frozen=True)
class _Key:
    key: bytes  # the file name, e.g. b"numpy-1.26.4-py312h0_0.conda"
    start: int  # offset of the `{` or `,` before it
    value: int  # offset of the `{` that opens its record


@dataclass
class _Section:
    lo: int  # offset of the section's `{`
    hi: int  # every key of the section (up to its record's `{`) lies before this offset
    end: int  # ... and every record before this one
    ext: bytes
    ordered: bool = True


def key_name(key: bytes) -> bytes:
    """The package name in a repodata key: b"foo-bar-1.0-h0_0.conda" -> b"foo-bar" (versions
    and builds hold no "-")."""
    stem = key[: -len(".tar.bz2")] if key.endswith(b".tar.bz2") else key.rpartition(b".")[0]
    return stem.rsplit(b"-", 2)[0]


class RepodataFile:
    """One repodata.json, mapped once; records by package name.

    `data` is anything bytes-like (an mmap for files, bytes in tests). :meth:`records` is the
    lookup callers want: the sorted-key search, confirmed by a scan when it finds nothing.
    """

    def __init__(self, data: Any) -> None:
        self._buf = data
        self._sections: list[_Section] | None = None
        self.scans = 0  # linear passes made (names the sorted search did not find)

    @classmethod
    def open(cls, path: str | Path) -> RepodataFile:
        """Map the file at `path` (read only; the OS pages in only what is read)."""
        with open(path, "rb") as fh:
            try:
                data: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                data = b""
        return cls(data)

    def close(self) -> None:
        if isinstance(self._buf, mmap.mmap):
            self._buf.close()

    def __enter__(self) -> RepodataFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ what callers use
    @property
    def valid(self) -> bool:
        """Whether this is repodata: it has a packages section, or it is the empty object
        conda caches for a channel that has no such subdir (a 404: nothing to install from
        there, truly). Anything else (a truncated download, an HTML error page) must not be
        taken as evidence that a package is missing."""
        return bool(self.sections()) or self.empty

    @property
    def empty(self) -> bool:
        """The file is `{}` (conda's record of a subdir the channel does not have)."""
        return len(self._buf) < 64 and bytes(self._buf[:]).strip() == b"{}"

    def records(self, name: str) -> list[tuple[str, dict]]:
        """(file name, record) for every record called `name`: the sorted-key search, and a
        linear scan when that finds nothing (so absence is never inferred from key order)."""
        found = self.lookup(name)
        return found if found else self.scan(name)

    def lookup(self, name: str) -> list[tuple[str, dict]]:
        """The records of `name` found by binary search on the sorted keys (sections found to
        be unsorted are scanned instead). May miss records whose key does not follow
        ``<name>-<version>-<build>``; :meth:`records` covers that for absent names."""
        wanted = name.encode()
        found: list[tuple[str, dict]] = []
        for section in self.sections():
            if section.ordered:
                hits = self._bisect(section, wanted)
                if hits is not None:
                    found += hits
                    continue
            found += self._scan_range(wanted, section.lo, section.end)
        return found

    def scan(self, name: str) -> list[tuple[str, dict]]:
        """Every record whose ``"name"`` is `name`, by one pass over the file (no assumption
        about order or formatting)."""
        self.scans += 1
        return self._scan_range(name.encode(), 0, len(self._buf))

    # ------------------------------------------------------------------ layout
    def sections(self) -> list[_Section]:
        """The byte ranges of the "packages" and "packages.conda" objects.

        Found from the top of the file: the first section's start is a few hundred bytes in
        (after "info"), its end by binary search, and the other section's start just after
        that end; a full search only when the file is laid out otherwise.
        """
        if self._sections is None:
            sections: list[_Section] = []
            first = self._first_section()
            for label, ext in sorted(_SECTIONS, key=lambda le: le[0] != first):
                lo = self._section_start(label, sections[-1].hi if sections else 0)
                if lo is None:
                    continue
                hi = min([s.lo for s in sections if s.lo > lo], default=len(self._buf))
                section = _Section(lo, *self._section_end(lo, hi, ext), ext)
                section.ordered = self._looks_sorted(section)
                sections.append(section)
            self._sections = sorted(sections, key=lambda s: s.lo)
        return self._sections

    def _first_section(self) -> bytes | None:
        """Which section comes first (both names start with `"packages`)."""
        pos = self._buf.find(b'"packages')
        while pos >= 0:
            for label in (b"packages", b"packages.conda"):
                needle = b'"' + label + b'"'
                if self._buf[pos:pos + len(needle)] == needle \
                        and _OPEN_RE.match(self._buf, pos + len(needle)):
                    return label
            pos = self._buf.find(b'"packages', pos + 1)
        return None

    def _section_start(self, label: bytes, near: int = 0) -> int | None:
        """Offset of the `{` of the top-level object `label`, looked for right after `near`
        first (`"packages"` in a record's depends would be followed by `,` or `]`, never by
        `: {`)."""
        needle = b'"' + label + b'"'
        for lo, hi in ((near, near + _NEAR), (0, len(self._buf))):
            pos = self._buf.find(needle, lo, hi)
            while pos >= 0:
                match = _OPEN_RE.match(self._buf, pos + len(needle))
                if match:
                    return match.end() - 1
                pos = self._buf.find(needle, pos + 1, hi)
        return None

    def _section_end(self, lo: int, hi: int, ext: bytes) -> tuple[int, int]:
        """Where the section's last key ends, and its last record: a binary search for the
        last offset followed by a package record of this section (what follows, "removed",
        "signatures" or the other section, is not one)."""
        a, b = lo, hi
        if self._member(self._next_key(a, hi), ext) is None:
            return lo, lo
        while b - a > _LINEAR:
            mid = (a + b) // 2
            if self._member(self._next_key(mid, hi), ext) is not None:
                a = mid
            else:
                b = mid
        key_end = record_end = a
        for key in self._keys(a, hi):
            end = self._member(key, ext)
            if end is None:
                break
            key_end, record_end = key.value + 1, end
        return key_end, record_end

    def _member(self, key: _Key | None, ext: bytes) -> int | None:
        """The end of `key`'s record when it is a package record of this section."""
        if key is None or not key.key.endswith(ext):
            return None
        decoded = self._decode_with_end(key.value)
        if decoded is None or not isinstance(decoded[0], dict) or "name" not in decoded[0]:
            return None
        return decoded[1]

    def _looks_sorted(self, section: _Section) -> bool:
        """Keys in order: all of them in a small section; at evenly spaced offsets in a large
        one (a shuffled file fails this at once; a file with a few keys out of place is
        caught by :meth:`_bisect`'s own checks or, for absent names, by the confirming
        scan)."""
        span = section.hi - section.lo
        if span <= 0:
            return True
        if span <= _SMALL:
            keys = [key.key for key in self._keys(section.lo, section.hi)]
            return keys == sorted(keys)
        previous = b""
        for i in range(_SAMPLES):
            key = self._next_key(section.lo + span * i // _SAMPLES, section.hi)
            if key is None:
                break
            if key.key < previous:
                return False
            previous = key.key
        return True

    # ------------------------------------------------------------------ searching
    def _next_key(self, pos: int, hi: int) -> _Key | None:
        match = _KEY_RE.search(self._buf, pos, hi)
        return _Key(match.group(1), match.start(), match.end() - 1) if match else None

    def _keys(self, pos: int, hi: int) -> Iterator[_Key]:
        while True:
            match = _KEY_RE.search(self._buf, pos, hi)
            if match is None:
                return
            yield _Key(match.group(1), match.start(), match.end() - 1)
            pos = match.end() - 1

    def _bisect(self, section: _Section, name: bytes) -> list[tuple[str, dict]] | None:
        """Records of `name` in a sorted section; None when the keys turn out not to be in
        order around it (the caller then scans)."""
        prefix = name + b"-"
        a, b = section.lo, section.hi
        while b - a > _LINEAR:
            mid = (a + b) // 2
            key = self._next_key(mid, section.hi)
            if key is None or key.key >= prefix:
                b = mid
            else:
                a = mid
        found: list[tuple[str, dict]] = []
        previous = b""
        for key in self._keys(a, section.hi):
            if key.key < previous:
                return None
            previous = key.key
            if key.key < prefix:
                continue
            if not key.key.startswith(prefix):
                break
            if key_name(key.key) == name:
                record = self._decode(key.value)
                if isinstance(record, dict) and record.get("name") == name.decode():
                    found.append((key.key.decode(), record))
        return found

    def _scan_range(self, name: bytes, lo: int, hi: int) -> list[tuple[str, dict]]:
        """Records in [lo, hi) whose "name" field is `name`: find the quoted name, keep hits
        preceded by `"name":`, decode the record around each."""
        needle = b'"' + name + b'"'
        text = name.decode()
        found: list[tuple[str, dict]] = []
        seen: set[int] = set()
        pos = self._buf.find(needle, lo, hi)
        while pos >= 0:
            before = self._buf[max(0, pos - 64):pos]
            if _NAME_FIELD_RE.search(before):
                located = self._record_around(pos)
                if located is not None and located[2] not in seen:
                    key, record, start = located
                    if record.get("name") == text:
                        seen.add(start)
                        found.append((key, record))
            pos = self._buf.find(needle, pos + len(needle), hi)
        return found

    def _record_around(self, pos: int) -> tuple[str, dict, int] | None:
        """The package entry whose record contains offset `pos`: the last
        `"<file>.<ext>": {` before it (looked for in a growing window) whose record extends
        past `pos`."""
        window = _WINDOW
        while True:
            lo = max(0, pos - window)
            last = None
            for key in self._keys(lo, pos):
                last = key
            if last is not None:
                decoded = self._decode_with_end(last.value)
                if decoded is not None and decoded[1] > pos and isinstance(decoded[0], dict):
                    return last.key.decode("utf-8", "replace"), decoded[0], last.value
                return None
            if lo == 0:
                return None
            window *= 4

    def _decode(self, start: int) -> Any:
        decoded = self._decode_with_end(start)
        return decoded[0] if decoded is not None else None

    def _decode_with_end(self, start: int) -> tuple[Any, int] | None:
        """The JSON object opening at `start` and the offset after it. Tries the text up to
        each following `}` in turn: a `}` inside a string or closing a nested object leaves
        the text invalid, so the first that decodes is the object's own end."""
        end = self._buf.find(b"}", start)
        for _ in range(_MAX_BRACES):
            if end < 0:
                return None
            try:
                text = bytes(self._buf[start:end + 1]).decode("utf-8")
                value, _ = _DECODER.raw_decode(text)
                return value, end + 1
            except ValueError:  # JSONDecodeError and UnicodeDecodeError
                end = self._buf.find(b"}", end + 1)
        return None


def records_in(path: str | Path, names: list[str]) -> dict[str, list[dict]]:
    """Convenience for one-off reads: every record of each name in the file at `path`."""
    with RepodataFile.open(path) as repodata:
        return {name: [r for _, r in repodata.records(name)] for name in names}
