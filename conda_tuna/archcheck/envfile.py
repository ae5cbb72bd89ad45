"""Read an environment.yml for `conda tuna check`, and flag what will not migrate as written.

A file made by `conda env export` on one machine pins that machine: exact build strings
(build hashes differ per platform), a ``prefix:`` path, the platform's runtime packages
(``libgcc-ng``, ``ld_impl_linux-64``, ``vc``...) and sometimes virtual packages (``__glibc``).
Moved to another architecture, such a file fails in conda's solver with little explanation.
This module splits the file into conda specs, channels and the ``pip:`` section, and lists
those pins with what to do about each.

Pure Python, no conda import: it works on the already-parsed YAML mapping.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ..base.errors import TunaError
from ..i18n import _
from .check import spec_name

# architecture: pure

#: Packages conda pulls in for one OS on its own; an exported file lists them explicitly.
_RUNTIME = {
    "linux": ("_libgcc_mutex", "libgcc-ng", "libstdcxx-ng", "libgomp", "libgcc", "libstdcxx",
              "libgfortran-ng"),
    "win": ("vc", "vs2015_runtime", "vc14_runtime", "ucrt", "pywin32", "winpty", "pywinpty"),
    "osx": ("cctools", "ld64", "tapi"),
}
_WIN_PREFIXES = ("m2w64-", "msys2-")
#: Package names ending in a subdir (ld_impl_linux-64, sysroot_linux-64, gcc_linux-aarch64).
_SUBDIR_SUFFIX = re.compile(r"_(linux-64|linux-aarch64|linux-ppc64le|osx-64|osx-arm64|win-64)$")
#: pip requirement strings that name a platform-specific wheel or a local path.
_PIP_PLATFORM = re.compile(r"(manylinux|musllinux|linux_|macosx_|win_amd64|win32|win_arm64)")


@dataclass(frozen=True)
class Flag:
    """One thing in the file that will not migrate as written."""

    kind: str  # exact_build | prefix | platform_package | virtual_package | pip_platform
    item: str
    message: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class EnvFile:
    """The parts of an environment file that `conda tuna check` looks at."""

    name: str | None = None
    channels: list[str] = field(default_factory=list)
    conda: list[str] = field(default_factory=list)
    pip: list[str] = field(default_factory=list)
    prefix: str | None = None
    nodefaults: bool = False
    notes: list[str] = field(default_factory=list)


def _as_list(data: dict, key: str, source: str, notes: list[str]) -> list[object]:
    """`data[key]` as a list: a single text value is one item (with a note), not letters.

    conda reads ``channels: conda-forge`` as the channel conda-forge; iterating the string
    would give c, o, n, ... A mapping or a number cannot be read at all: an error.
    """
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        notes.append(_("{source}: `{key}` is a single value, not a list; read as one entry "
                       "({value}). Write it as a list (`{key}:` then `  - {value}`).").format(
                           source=source, key=key, value=value))
        return [value]
    raise TunaError(
        _("{source}: `{key}` must be a list, not {kind}.").format(
            source=source, key=key, kind=type(value).__name__),
        hint=_("Write one entry per line: `{key}:` then `  - ENTRY` lines.").format(key=key))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def parse(data: object, source: str = "environment file") -> EnvFile:
    """Split a parsed environment.yml mapping into its parts; TunaError when malformed."""
    if not isinstance(data, dict):
        raise TunaError(_("{source} is not an environment file (expected a mapping with "
                          "`dependencies:`).").format(source=source))
    env = EnvFile(name=_text(data.get("name")), prefix=_text(data.get("prefix")))
    for channel in _as_list(data, "channels", source, env.notes):
        if not isinstance(channel, str) or not channel.strip():
            raise TunaError(_("{source}: cannot read the channel {channel}.").format(
                source=source, channel=repr(channel)))
        if channel.strip() == "nodefaults":
            env.nodefaults = True
        else:
            env.channels.append(channel.strip())
    for dep in _as_list(data, "dependencies", source, env.notes):
        if isinstance(dep, dict):
            if "pip" in dep:
                pip = _as_list(dep, "pip", _("{source} (pip)").format(source=source), env.notes)
                env.pip.extend(str(v) for v in pip)
        elif isinstance(dep, str) and dep.strip():
            env.conda.append(dep.strip())
        else:
            raise TunaError(_("{source}: cannot read the dependency {dep}.").format(
                source=source, dep=repr(dep)),
                hint=_("Each dependency is a spec such as `numpy>=1.26`, or a `pip:` list."))
    return env


def exact_build(spec: str) -> str | None:
    """The build string when `spec` pins one exactly (``name=1.0=h123_0``, ``name 1.0 h123``,
    ``name[build=h123]``), else None. Wildcard builds (``py3*``) are not exact."""
    text = spec.rpartition("::")[2].strip()
    bracket = re.search(r"build\s*=\s*['\"]?([^'\",\]]+)", text)
    if bracket:
        build = bracket.group(1).strip()
    else:
        parts = text.split() if " " in text.strip() else re.split(r"(?<![=<>!~])=(?!=)", text)
        build = parts[2].strip() if len(parts) >= 3 else ""
    return build if build and "*" not in build else None


def without_build(spec: str) -> str:
    """`spec` with an exact build string removed: "numpy=1.26=py311h_0" -> "numpy=1.26"."""
    text = spec.strip()
    channel, sep, rest = text.rpartition("::")
    if "[" in rest:
        return text
    parts = rest.split() if " " in rest else re.split(r"(?<![=<>!~])=(?!=)", rest)
    if len(parts) < 3:
        return text
    body = f"{parts[0]} {parts[1]}" if " " in rest else f"{parts[0]}={parts[1]}"
    return f"{channel}{sep}{body}"


def platform_only(name: str) -> str | None:
    """The platform (subdir or OS) a package name belongs to only, else None."""
    suffix = _SUBDIR_SUFFIX.search(name)
    if suffix:
        return suffix.group(1)
    if name.startswith(_WIN_PREFIXES):
        return "win"
    for os_name, names in _RUNTIME.items():
        if name in names:
            return os_name
    return None


def _applies(platform: str, targets: list[str]) -> bool:
    """True when a package for `platform` (a subdir or an OS) does not fit some target."""
    return any(not (t == platform or t.startswith(f"{platform}-")) for t in targets)


def migration_flags(env: EnvFile, targets: list[str]) -> list[Flag]:
    """What in `env` will not move as written to the `targets` platforms."""
    flags: list[Flag] = []
    if env.prefix:
        flags.append(Flag("prefix", f"prefix: {env.prefix}",
                          _("a path on the machine the file came from; delete the line and "
                            "choose the place with -n NAME or -p PATH")))
    for spec in env.conda:
        name = spec_name(spec)
        build = exact_build(spec)
        if name.startswith("__"):
            flags.append(Flag("virtual_package", spec,
                              _("a virtual package describes the old machine (conda detects "
                                "it on the new one); delete the line")))
            continue
        if build:
            flags.append(Flag("exact_build", spec,
                              _("exact build string {build} is one platform's build; use "
                                "{spec}").format(build=build, spec=without_build(spec))))
        owner = platform_only(name)
        if owner and _applies(owner, targets):
            flags.append(Flag("platform_package", spec,
                              _("exists for {platform} only, pulled in by conda on its own; "
                                "delete the line (`conda env export --from-history` leaves "
                                "these out)").format(platform=owner)))
    for requirement in env.pip:
        if _PIP_PLATFORM.search(requirement) or requirement.startswith(("-e ", "/", "./",
                                                                          "file:")):
            flags.append(Flag("pip_platform", requirement,
                              _("a platform-specific wheel or a local path; use a plain "
                                "requirement (name==version) so pip picks the new machine's "
                                "wheel")))
    return flags
