"""What is installed in an environment, and by whom: conda records and Python dist-info.

conda keeps one ``conda-meta/<name>-<version>-<build>.json`` per package (with its channel
and the files it linked); pip leaves ``<name>-<version>.dist-info`` directories whose
``INSTALLER`` file names the installer. A dist-info counts as pip's when its INSTALLER is not
``conda`` AND no conda record lists it among its files (conda-built packages sometimes carry
INSTALLER=pip from their build, yet belong to conda).

Pure Python, no conda import: this runs in the pre-command hook of every ``conda install``,
so it reads only directory listings and a few tiny files, and parses conda-meta JSON only
when a pip-looking dist-info was found.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..i18n import _

# architecture: pure

_NORMALIZE = re.compile(r"[-_.]+")
_DIST_INFO_IN_FILES = re.compile(rb'site-packages/([^/"\\]+?\.dist-info)/')


def normalize(name: str) -> str:
    """PEP 503 name normalisation (`Foo_Bar.baz` -> `foo-bar-baz`)."""
    return _NORMALIZE.sub("-", name).lower()


@dataclass(frozen=True)
class CondaRecord:
    """One package conda installed, with the Python distributions it owns."""

    name: str
    version: str
    build: str
    channel: str
    dists: frozenset[str] = frozenset()  # normalized names of dist-info dirs it linked

    @property
    def label(self) -> str:
        if not self.channel:
            return _("{name} {version} (unknown channel)").format(name=self.name,
                                                                  version=self.version)
        return f"{self.name} {self.version} ({self.channel})"


@dataclass(frozen=True)
class PythonDist:
    """One Python distribution found in site-packages."""

    name: str  # as spelled in the dist-info directory name
    version: str
    installer: str  # contents of INSTALLER ('' when missing)
    path: Path | None
    mtime: float | None = None  # install time; None: read lazily by installed_at()

    def installed_at(self) -> float:
        """When it was installed (RECORD's mtime, else the directory's); 0 when unknown."""
        if self.mtime is not None:
            return self.mtime
        return _mtime(self.path) if self.path is not None else 0.0

    @property
    def key(self) -> str:
        return normalize(self.name)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def site_packages_dirs(prefix: Path) -> list[Path]:
    """Every site-packages directory of the environment (lib/pythonX.Y or Windows Lib)."""
    prefix = Path(prefix)
    found = [prefix / "Lib" / "site-packages"] if os.name == "nt" else []
    lib = prefix / "lib"
    try:
        entries = sorted(os.listdir(lib))
    except OSError:
        entries = []
    found += [lib / e / "site-packages" for e in entries if e.startswith("python")]
    return [p for p in found if p.is_dir()]


def _dist_name_version(dirname: str) -> tuple[str, str] | None:
    stem = dirname.rsplit(".", 1)[0]
    name, sep, version = stem.partition("-")
    return (name, version) if sep and name else None


def _read_small(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(200).strip()
    except OSError:
        return ""


def _mtime(directory: Path) -> float:
    for candidate in (directory / "RECORD", directory):
        try:
            return candidate.stat().st_mtime
        except OSError:
            continue
    return 0.0


def python_dists(prefix: Path) -> list[PythonDist]:
    """Every *.dist-info in the environment's site-packages, with its installer."""
    dists: list[PythonDist] = []
    for site in site_packages_dirs(prefix):
        try:
            entries = os.listdir(site)
        except OSError:
            continue
        for entry in sorted(entries):
            if not entry.endswith(".dist-info"):
                continue
            parsed = _dist_name_version(entry)
            if parsed is None:
                continue
            path = site / entry
            installer = _read_small(path / "INSTALLER")
            dists.append(PythonDist(parsed[0], parsed[1], installer, path))
    return dists


def _owned_dists(files: list[str]) -> frozenset[str]:
    owned = set()
    for item in files:
        if "site-packages/" not in item:
            continue
        head = item.split("site-packages/", 1)[1].split("/", 1)[0]
        if head.endswith((".dist-info", ".egg-info")):
            parsed = _dist_name_version(head)
            if parsed:
                owned.add(normalize(parsed[0]))
    return frozenset(owned)


def conda_records(prefix: Path) -> list[CondaRecord]:
    """Every package conda installed (from conda-meta/*.json)."""
    meta = Path(prefix) / "conda-meta"
    records: list[CondaRecord] = []
    try:
        entries = sorted(os.listdir(meta))
    except OSError:
        return records
    for entry in entries:
        if not entry.endswith(".json"):
            continue
        try:
            with open(meta / entry, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or "name" not in data:
            continue
        channel = str(data.get("channel") or data.get("schannel") or "")
        records.append(CondaRecord(
            str(data["name"]), str(data.get("version", "")), str(data.get("build", "")),
            channel, _owned_dists([str(f) for f in data.get("files") or ()]),
        ))
    return records


def owners(records: list[CondaRecord]) -> dict[str, CondaRecord]:
    """Normalized Python distribution name -> the conda package that owns it.

    A record owns the dist-info directories among its files, and (for records whose files
    are not listed) the distribution spelled like its own name.
    """
    owned: dict[str, CondaRecord] = {}
    for record in records:
        owned.setdefault(normalize(record.name), record)
    for record in records:
        for dist in record.dists:
            owned[dist] = record
    return owned


def looks_pip_installed(dist: PythonDist) -> bool:
    return dist.installer.lower() != "conda"


def pip_installed(prefix: Path, records: list[CondaRecord] | None = None) -> list[PythonDist]:
    """Distributions pip (or another non-conda installer) put into the environment."""
    candidates = [d for d in python_dists(prefix) if looks_pip_installed(d)]
    if not candidates:
        return []
    if records is not None:
        claimed = {d for r in records for d in r.dists}
        return [d for d in candidates if d.key not in claimed]
    dirs = claimed_dirs(prefix, [d.path.name for d in candidates if d.path is not None])
    return [d for d in candidates if d.path is None or d.path.name not in dirs]


def claimed_dirs(prefix: Path, dirnames: list[str]) -> set[str]:
    """Which of these dist-info directory names a conda record lists among its files.

    A byte search of each conda-meta JSON instead of parsing it: this runs before every
    `conda install` into an environment with pip packages, and conda-meta files are big.
    """
    wanted = set(dirnames)
    found: set[str] = set()
    meta = Path(prefix) / "conda-meta"
    try:
        entries = os.listdir(meta)
    except OSError:
        return found
    for entry in entries:
        if not entry.endswith(".json") or found == wanted:
            continue
        try:
            with open(meta / entry, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if b".dist-info/" in data:
            found.update(wanted.intersection(
                m.decode("utf-8", "replace") for m in _DIST_INFO_IN_FILES.findall(data)))
    return found
