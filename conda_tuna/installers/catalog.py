"""Which Miniconda/Miniforge installer a machine needs, and where a mirror keeps it.

Pure Python, no conda import: `conda tuna installer` uses it, and so do unit tests and (as a
cross-check) the tests of scripts/bootstrap.sh, which carries the same table in sh.

Why the table lives here and not in mirrors/catalog.py: which installers exist for which
flavor/os/arch is decided by the publishers (Anaconda for Miniconda, conda-forge for
Miniforge), not by a mirror. Every mirror in the catalog copies the same files into TUNA's
layout (anaconda/miniconda/ and github-release/conda-forge/miniforge/LatestRelease/), so
nothing here varies per mirror; the mirror contributes only its root. Should a mirror ever
lay installers out differently, that fact belongs in mirrors/catalog.py's Mirror, and this module
would read it from there.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from ..base.errors import TunaError
from ..i18n import N_, _

# architecture: pure

FLAVORS = ("miniforge", "miniconda")
OSES = ("linux", "macos", "windows")
#: The --arch choices; `arm64` and `aarch64` name the same architecture.
ARCHES = ("x86_64", "aarch64", "arm64", "ppc64le")

#: Where each flavor's installers live below a mirror root (TUNA's layout).
DIRECTORIES = {
    "miniconda": "anaconda/miniconda",
    # TUNA's github-release job keeps only the latest Miniforge release, with its .sha256 files
    "miniforge": "github-release/conda-forge/miniforge/LatestRelease",
}

# (flavor, os, canonical arch) -> file name, as published upstream (late 2026). Miniconda
# dropped linux-ppc64le and never had Windows on ARM; Miniforge has ppc64le but no s390x here.
_FILES: dict[str, dict[tuple[str, str], str]] = {
    "miniconda": {
        ("linux", "x86_64"): "Miniconda3-latest-Linux-x86_64.sh",
        ("linux", "aarch64"): "Miniconda3-latest-Linux-aarch64.sh",
        ("macos", "aarch64"): "Miniconda3-latest-MacOSX-arm64.sh",
        ("macos", "x86_64"): "Miniconda3-latest-MacOSX-x86_64.sh",
        ("windows", "x86_64"): "Miniconda3-latest-Windows-x86_64.exe",
    },
    "miniforge": {
        ("linux", "x86_64"): "Miniforge3-Linux-x86_64.sh",
        ("linux", "aarch64"): "Miniforge3-Linux-aarch64.sh",
        ("linux", "ppc64le"): "Miniforge3-Linux-ppc64le.sh",
        ("macos", "aarch64"): "Miniforge3-MacOSX-arm64.sh",
        ("macos", "x86_64"): "Miniforge3-MacOSX-x86_64.sh",
        ("windows", "x86_64"): "Miniforge3-Windows-x86_64.exe",
    },
}

#: What each flavor publishes to check a download against.
CHECKSUMS = {  # texts for users: translate with _() where shown
    "miniforge": N_("a <file>.sha256 next to each installer (conda-forge's release assets)"),
    "miniconda": N_("none on the mirrors: Anaconda lists SHA-256 sums only on "
                    "https://repo.anaconda.com/miniconda/ (its index page)"),
}

_OS_ALIASES = {
    "linux": "linux", "darwin": "macos", "macos": "macos", "osx": "macos", "mac": "macos",
    "macosx": "macos", "windows": "windows", "win": "windows", "win32": "windows",
    "win64": "windows",
}
_ARCH_ALIASES = {
    "x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64",
    "aarch64": "aarch64", "arm64": "aarch64", "armv8": "aarch64", "armv8l": "aarch64",
    "ppc64le": "ppc64le", "powerpc64le": "ppc64le",
}


def normalize_os(value: str) -> str:
    """`linux`, `macos` or `windows` for what platform.system() or a user may say."""
    found = _OS_ALIASES.get(value.strip().lower())
    if found is None:
        raise TunaError(_("Unknown operating system {value}; installers exist for {known}."
                          ).format(value=repr(value), known=", ".join(OSES)))
    return found


def normalize_arch(value: str) -> str:
    """`x86_64`, `aarch64` or `ppc64le` for what `uname -m` or a user may say.

    32-bit and exotic machines (i686, armv7l, s390x, riscv64) fail here, loudly, instead of
    silently getting an installer that cannot run.
    """
    found = _ARCH_ALIASES.get(value.strip().lower())
    if found is None:
        raise TunaError(
            _("Unknown or unsupported architecture {value}; Miniconda/Miniforge installers "
              "exist for x86_64, aarch64 (arm64) and ppc64le (Miniforge only).").format(
                  value=repr(value))
        )
    return found


def arch_label(os_name: str, arch: str) -> str:
    """The architecture as the installer names it: Apple says arm64, Linux says aarch64."""
    return "arm64" if (os_name, arch) == ("macos", "aarch64") else arch


def this_machine() -> tuple[str, str]:
    """(os, canonical arch) of the running machine."""
    return normalize_os(platform.system()), normalize_arch(platform.machine())


@dataclass(frozen=True)
class Installer:
    """One installer file on one mirror."""

    flavor: str
    os_name: str
    arch: str  # canonical: x86_64, aarch64, ppc64le
    filename: str
    url: str
    mirror_root: str

    @property
    def checksum_url(self) -> str:
        """Where a published SHA-256 would be: `<url>.sha256` (Miniforge publishes one)."""
        return self.url + ".sha256"

    @property
    def checksum_expected(self) -> bool:
        """True when the publisher ships a .sha256, so its absence is a mirror problem."""
        return self.flavor == "miniforge"

    @property
    def platform(self) -> str:
        return f"{self.os_name}-{arch_label(self.os_name, self.arch)}"

    def install_command(self, path: str | None = None) -> str:
        """How to run this installer (at `path`) unattended; conda-tuna never runs it."""
        path = path or self.filename
        home = "%USERPROFILE%\\" if self.os_name == "windows" else "~/"
        prefix = home + ("miniforge3" if self.flavor == "miniforge" else "miniconda3")
        if self.filename.endswith(".exe"):
            return f'start /wait "" {path} /InstallationType=JustMe /S /D={prefix}'
        return f"bash {path} -b -p {prefix}"

    def to_json(self) -> dict[str, object]:
        return {
            "flavor": self.flavor, "os": self.os_name,
            "arch": arch_label(self.os_name, self.arch), "platform": self.platform,
            "filename": self.filename, "url": self.url, "checksum_url": self.checksum_url,
            "checksum_published": _(CHECKSUMS[self.flavor]), "mirror": self.mirror_root,
            "install_command": self.install_command(),
        }


def available(flavor: str | None = None) -> dict[str, list[str]]:
    """flavor -> the platforms (os-arch) it has installers for (errors, docs, --json)."""
    return {f: [f"{os_name}-{arch_label(os_name, arch)}" for (os_name, arch) in _FILES[f]]
            for f in ((flavor,) if flavor else FLAVORS)}


def describe_available() -> str:
    """One line: `miniforge: linux-x86_64, ...; miniconda: ...`."""
    return "; ".join(f"{f}: {', '.join(p)}" for f, p in available().items())


def installer_for(root: str, flavor: str = "miniforge", os_name: str | None = None,
                  arch: str | None = None) -> Installer:
    """The installer of `flavor` for os/arch (default: this machine) below mirror `root`."""
    if flavor not in _FILES:
        raise TunaError(_("Unknown installer flavor {flavor}; choose from {known}.").format(
            flavor=repr(flavor), known=", ".join(FLAVORS)))
    os_name = normalize_os(os_name or _detected("OS", platform.system()))
    arch = normalize_arch(arch or _detected("architecture", platform.machine()))
    filename = _FILES[flavor].get((os_name, arch))
    if filename is None:
        others = [f for f in FLAVORS if f != flavor and (os_name, arch) in _FILES[f]]
        platform_name = f"{os_name}-{arch_label(os_name, arch)}"
        if others:
            message = _("There is no {flavor} installer for {platform}. Try --flavor {other}. "
                        "Installers that exist: {available}.")
        else:
            message = _("There is no {flavor} installer for {platform}. Installers that "
                        "exist: {available}.")
        raise TunaError(message.format(flavor=flavor.capitalize(), platform=platform_name,
                                       other=others[0] if others else "",
                                       available=describe_available()))
    base = root.rstrip("/")
    return Installer(flavor, os_name, arch, filename,
                     f"{base}/{DIRECTORIES[flavor]}/{filename}", base)


def _detected(what: str, value: str) -> str:
    """This machine's `value`, or an error asking for it when Python cannot tell."""
    if not value:
        if what == "OS":
            raise TunaError(_("Cannot tell this machine's operating system; give it with --os."))
        raise TunaError(_("Cannot tell this machine's architecture; give it with --arch."))
    return value
