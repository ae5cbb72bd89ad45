"""Machines and conda subdirs: which subdir a machine uses, and what to call it for a person.

conda names platforms by subdir (``linux-aarch64``), people name them by what
``platform.machine()`` or ``uname -m`` prints (``aarch64``, ``arm64``, ``AMD64``). The two
disagree in confusing ways: Apple silicon says ``arm64`` and needs ``osx-arm64``, a Linux
ARM64 machine usually says ``aarch64`` but some kernels and containers say ``arm64``, Windows
says ``AMD64`` for x86_64. Every message conda-tuna prints about architectures goes through
this module so the words stay consistent.

Pure Python, no conda import (conda's own mapping lives in ``conda.base.context``; this one
adds the cases conda leaves unnamed, e.g. ``arm64`` on Linux).
"""

from __future__ import annotations

import platform as _platform

from ..base.errors import TunaError
from ..i18n import N_, _

# architecture: pure

#: platform.system() (lower-cased) -> conda's OS prefix.
_SYSTEMS = {"linux": "linux", "darwin": "osx", "windows": "win", "freebsd": "freebsd"}

#: (os, lower-cased machine) -> subdir; machines not listed fall back to _MACHINES.
_SPECIAL = {
    ("osx", "arm64"): "osx-arm64",
    ("osx", "aarch64"): "osx-arm64",
    ("win", "arm64"): "win-arm64",
    ("win", "aarch64"): "win-arm64",
    ("linux", "arm64"): "linux-aarch64",  # some kernels/containers report arm64
}

#: lower-cased machine -> subdir arch part (conda's names).
_MACHINES = {
    "x86_64": "64",
    "amd64": "64",
    "x64": "64",
    "i386": "32",
    "i686": "32",
    "x86": "32",
    "aarch64": "aarch64",
    "armv6l": "armv6l",
    "armv7l": "armv7l",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
}

#: subdir -> the machine name people know it by (`uname -m` style).
_MACHINE_OF_SUBDIR = {
    "linux-64": "x86_64",
    "linux-32": "i686",
    "linux-aarch64": "aarch64",
    "linux-armv6l": "armv6l",
    "linux-armv7l": "armv7l",
    "linux-ppc64le": "ppc64le",
    "linux-ppc64": "ppc64",
    "linux-s390x": "s390x",
    "linux-riscv64": "riscv64",
    "osx-64": "x86_64",
    "osx-arm64": "arm64",
    "win-64": "x86_64",
    "win-32": "x86",
    "win-arm64": "ARM64",
    "freebsd-64": "x86_64",
    "noarch": "any",
}

_DESCRIPTIONS = {
    "linux-64": N_("Linux on x86_64 (Intel/AMD servers and PCs)"),
    "linux-aarch64": N_("Linux on ARM64 (Kunpeng, Phytium, Graviton, Ampere, Raspberry Pi 4/5)"),
    "linux-ppc64le": N_("Linux on POWER (ppc64le)"),
    "linux-s390x": N_("Linux on IBM Z (s390x)"),
    "osx-64": N_("macOS on Intel"),
    "osx-arm64": N_("macOS on Apple silicon (M1/M2/M3/M4)"),
    "win-64": N_("Windows on x86_64"),
    "win-arm64": N_("Windows on ARM64"),
    "noarch": N_("any platform (noarch)"),
}


def conda_subdir(system: str, machine: str) -> str:
    """The conda subdir for `platform.system()` and `platform.machine()` values.

    Raises TunaError for a combination conda has no subdir for, naming what was seen, so a
    user on an exotic machine gets a sentence instead of a KeyError.
    """
    os_name = _SYSTEMS.get(system.strip().lower())
    arch = machine.strip().lower()
    if os_name is None:
        raise TunaError(_("conda has no platform for the operating system {system}.").format(
            system=repr(system)))
    special = _SPECIAL.get((os_name, arch))
    if special:
        return special
    part = _MACHINES.get(arch)
    if part is None:
        raise TunaError(_("conda has no platform for the machine {machine} on {system}."
                          ).format(machine=repr(machine), system=system))
    return f"{os_name}-{part}"


def native_subdir() -> str:
    """This machine's subdir, from platform.system() and platform.machine()."""
    return conda_subdir(_platform.system(), _platform.machine())


def machine_name(subdir: str) -> str:
    """What `uname -m` says on a `subdir` machine: "linux-aarch64" -> "aarch64"."""
    if subdir in _MACHINE_OF_SUBDIR:
        return _MACHINE_OF_SUBDIR[subdir]
    return subdir.partition("-")[2] or subdir


def describe(subdir: str) -> str:
    """A human description: "linux-aarch64" -> "Linux on ARM64 (Kunpeng, ...)"."""
    return _(_DESCRIPTIONS[subdir]) if subdir in _DESCRIPTIONS else subdir


def os_of(subdir: str) -> str:
    """The OS part of a subdir ("linux", "osx", "win"); "noarch" for noarch."""
    return subdir.partition("-")[0]


def siblings(subdir: str, among: frozenset[str] | set[str] | tuple[str, ...]) -> list[str]:
    """The other subdirs of the same OS in `among`, sorted: where a missing build most
    likely exists (a linux-aarch64 user's package usually exists for linux-64)."""
    os_name = os_of(subdir)
    return sorted(s for s in among if s != subdir and s != "noarch" and os_of(s) == os_name)
