"""The mirror catalog: every mirror conda-tuna knows, and what each one carries.

This is the one place where mirror facts live (roots, layouts, channel and subdir coverage,
PyPI and sync-status paths). Everything else asks this module. Facts come from TUNA's sync
script and help pages and the other mirrors' documentation (see the project's mirror notes);
when a mirror changes, change it here only.

Pure Python, no conda import: it is used by the plugin at start-up and by unit tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from ..base.errors import TunaError
from ..base.urls import check_mirror_url, host_port, is_loopback_host
from ..base.urls import normalize_root as _normalize_root
from ..i18n import N_, _

# architecture: pure

#: Upstream locations that the mirrors copy.
UPSTREAM_CLOUD = "https://conda.anaconda.org"
UPSTREAM_PKGS = "https://repo.anaconda.com"

#: The two layouts of upstream hosts: anaconda.org serves channels at its root
#: (``<root>/<channel>/<subdir>/<file>``), Anaconda's repository under ``<root>/pkgs/<name>/``.
CLOUD, PKGS = "cloud", "pkgs"

#: Every subdir conda-tuna reasons about (32-bit and exotic subdirs are left out).
SUBDIRS_ALL = frozenset(
    {"noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "osx-64", "osx-arm64", "win-64"}
)
_SIX = frozenset({"noarch", "linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"})
_X86_MAC_WIN = frozenset({"noarch", "linux-64", "osx-64", "win-64"})

#: Anaconda's own repository (`defaults`) under <root>/anaconda/pkgs/<name>.
PKGS_CHANNELS = ("main", "r", "msys2", "free")
#: The pkgs channels `defaults` stands for outside Windows (what `mirrors` reports coverage of).
DEFAULTS_CHANNELS = ("main", "r")

# anaconda.org channels TUNA mirrors under <root>/anaconda/cloud/<channel>, with the subdirs
# each one carries (TUNA's sync script, 2026). Combinations absent upstream simply 404.
_TUNA_CLOUD: dict[str, frozenset[str]] = {
    "conda-forge": _SIX,
    "bioconda": _SIX,
    "pytorch": _SIX,
    "pytorch-test": _SIX,
    "numba": _SIX,
    "rapidsai": frozenset({"noarch", "linux-64", "linux-aarch64"}),
    "dglteam": frozenset({"noarch", "linux-64", "linux-aarch64", "osx-64", "win-64"}),
    "c4aarch64": frozenset({"noarch", "linux-aarch64"}),
    "Paddle": frozenset({"noarch", "linux-64", "osx-64", "osx-arm64", "win-64"}),
    "fermi": frozenset({"noarch", "linux-64", "osx-64", "osx-arm64", "win-64"}),
    **{
        name: _X86_MAC_WIN
        for name in (
            "menpo", "stackless", "simpleitk", "plotly", "auto", "pyviz", "mordred-descriptor",
            "fastai", "omnia", "caffe2", "matsci", "psi4", "rdkit",
        )
    },
    "pytorch-lts": frozenset({"noarch", "linux-64", "win-64"}),
    **{
        name: frozenset({"noarch", "linux-64", "osx-64"})
        for name in ("ursky", "qiime2", "biobakery")
    },
    **{
        name: frozenset({"noarch", "linux-64"})
        for name in ("deepmodeling", "ohmeta", "pytorch3d", "idaholab")
    },
}

_TUNA_CLOUD_VIEW: Mapping[str, frozenset[str]] = MappingProxyType(_TUNA_CLOUD)

#: Channels users ask for that no mirror carries, with the reason shown to them (marked for
#: translation; translate with _() where shown).
NOT_MIRRORED: Mapping[str, str] = MappingProxyType(
    {
        "nvidia": N_("not mirrored (NVIDIA's licence forbids redistribution)"),
        "msys2": N_("the cloud msys2 channel was dropped by the mirrors in 2024"),
        "intel": N_("the intel channel was dropped by the mirrors in 2024"),
        "mindspore": N_("not mirrored"),
        "peterjc123": N_("not mirrored"),
        "pytorch-nightly": N_("not mirrored (changes too fast)"),
    }
)


class Mirror(NamedTuple):
    """One mirror site with TUNA's `/anaconda/{pkgs,cloud}` layout below `root`.

    A NamedTuple, not a dataclass: the request router imports this module in every conda
    command, and a dataclass costs ~0.6 ms to define (a NamedTuple ~0.1 ms).
    """

    name: str
    title: str
    root: str
    pkgs_subdirs: frozenset[str] = SUBDIRS_ALL
    cloud: Mapping[str, frozenset[str]] = _TUNA_CLOUD_VIEW
    pypi_path: str | None = "/pypi/web/simple"
    status_path: str | None = None
    sister: str | None = None
    notes: str = ""

    @property
    def cloud_url(self) -> str:
        """Base of the mirrored anaconda.org channels."""
        return f"{self.root}/anaconda/cloud"

    @property
    def pypi_url(self) -> str | None:
        return f"{self.root}{self.pypi_path}" if self.pypi_path else None

    @property
    def status_url(self) -> str | None:
        return f"{self.root}{self.status_path}" if self.status_path else None

    @property
    def host(self) -> str:
        """host[:port] of the root, the unit requests are compared by."""
        return host_port(self.root)

    def pkgs_url(self, channel: str) -> str:
        return f"{self.root}/anaconda/pkgs/{channel}"

    def carries_channel(self, channel: str) -> bool:
        """True when `channel` (an anaconda.org name, no label) is mirrored here."""
        return channel in self.cloud

    def serves(self, layout: str, channel: str, subdir: str | None) -> bool:
        """True when this mirror serves `channel` of an upstream `layout`, for `subdir`.

        `subdir` None means a file at the channel's top (notices.json, terms.json): then only
        the channel has to be mirrored.
        """
        key = f"pkgs/{channel}" if layout == PKGS else channel
        if subdir is None:
            return channel in PKGS_CHANNELS if layout == PKGS else self.carries_channel(channel)
        return self.carries(key, subdir)

    def url_for(self, layout: str, channel: str, rest: str) -> str:
        """This mirror's URL for `rest` (below the channel) of an upstream channel."""
        base = self.pkgs_url(channel) if layout == PKGS else f"{self.cloud_url}/{channel}"
        return f"{base}/{rest}" if rest else base

    def carries(self, channel: str, subdir: str) -> bool:
        """True when the mirror serves `subdir` of `channel` ('pkgs/main' or a cloud name)."""
        if channel.startswith("pkgs/"):
            return channel[5:] in PKGS_CHANNELS and subdir in self.pkgs_subdirs
        return subdir in self.cloud.get(channel, frozenset())

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "url": self.root,
            "pypi": self.pypi_url,
            "status": self.status_url,
            "sister": self.sister,
            "pkgs_subdirs": sorted(self.pkgs_subdirs),
            "cloud_channels": sorted(self.cloud),
            "notes": self.notes,
        }


class Upstream(NamedTuple):
    """One upstream root that mirrors copy, and where a TUNA-layout mirror keeps its channels.

    conda-tuna's auth handler is selected for ``<root>/*`` (the drop-in's ``channel_settings``)
    and sends ``<root>/<channel>/...`` (cloud) or ``<root>/pkgs/<channel>/...`` (pkgs) to
    ``<mirror root>/anaconda/cloud/<channel>/...`` or ``<mirror root>/anaconda/pkgs/<channel>/...``.
    """

    root: str
    layout: str  # CLOUD or PKGS

    @property
    def pattern(self) -> str:
        """The ``channel_settings`` URL pattern (conda matches it with fnmatch, conda >= 24.5)."""
        return f"{self.root}/*"

    @property
    def mirror_path(self) -> str:
        """Below a mirror's root, where this upstream's channels live."""
        return "/anaconda/cloud" if self.layout == CLOUD else "/anaconda/pkgs"

    def channel_url(self, channel: str) -> str:
        """The upstream base URL of `channel` ('conda-forge', or 'main' for pkgs/main)."""
        return f"{self.root}/{channel}" if self.layout == CLOUD else f"{self.root}/pkgs/{channel}"


#: Every upstream root conda-tuna routes to mirrors, in the drop-in's order. The old names of
#: anaconda.org (conda.binstar.org) and of Anaconda's repository (repo.continuum.io) still
#: appear in lock files and @EXPLICIT files written years ago.
UPSTREAMS: tuple[Upstream, ...] = (
    Upstream(UPSTREAM_CLOUD, CLOUD),
    Upstream(UPSTREAM_PKGS, PKGS),
    Upstream("https://conda.binstar.org", CLOUD),
    Upstream("https://repo.continuum.io", PKGS),
)


def _cloud_without(subdirs: frozenset[str], channels: tuple[str, ...] | None = None):
    """TUNA's cloud coverage with `subdirs` removed (from `channels`, or from all)."""
    return MappingProxyType(
        {
            name: (subs - subdirs) if channels is None or name in channels else subs
            for name, subs in _TUNA_CLOUD.items()
        }
    )


_STATUS = "/static/tunasync.json"

MIRRORS: Mapping[str, Mirror] = MappingProxyType(
    {
        m.name: m
        for m in (
            Mirror(
                "tuna", "Tsinghua University TUNA", "https://mirrors.tuna.tsinghua.edu.cn",
                status_path=_STATUS, sister="bfsu", notes="default; the reference layout",
            ),
            Mirror(
                "bfsu", "Beijing Foreign Studies University", "https://mirrors.bfsu.edu.cn",
                status_path=_STATUS, sister="tuna",
                notes="TUNA's sister site, same sync script; the best fallback for TUNA",
            ),
            Mirror(
                "nju", "Nanjing University", "https://mirror.nju.edu.cn",
                status_path="/.mirrorz/tunasync.json",
            ),
            Mirror("zju", "Zhejiang University", "https://mirrors.zju.edu.cn",
                   pypi_path="/pypi/web/simple"),
            Mirror(
                "sjtug", "Shanghai Jiao Tong University SJTUG", "https://mirror.sjtu.edu.cn",
                pkgs_subdirs=SUBDIRS_ALL - {"linux-aarch64", "osx-arm64"},
                cloud=_cloud_without(frozenset({"linux-aarch64"}), ("conda-forge",)),
                notes="no linux-aarch64 or osx-arm64 in pkgs; conda-forge without linux-aarch64",
            ),
            Mirror(
                "ustc", "University of Science and Technology of China", "https://mirrors.ustc.edu.cn",
                pypi_path="/pypi/simple",
                notes="caches conda-forge and bioconda, redirects the rest to TUNA",
            ),
            Mirror("aliyun", "Alibaba Cloud", "https://mirrors.aliyun.com",
                   pypi_path="/pypi/simple"),
            Mirror("tencent", "Tencent Cloud", "https://mirrors.cloud.tencent.com",
                   pypi_path="/pypi/simple"),
            Mirror("huawei", "Huawei Cloud", "https://repo.huaweicloud.com",
                   pypi_path="/repository/pypi/simple"),
        )
    }
)

DEFAULT_MIRROR = "tuna"

def get_mirror(name: str) -> Mirror:
    """The catalog entry called `name` (case-insensitive); TunaError lists the known ones."""
    mirror = MIRRORS.get(name.strip().lower())
    if mirror is None:
        raise TunaError(
            _("Unknown mirror {name}. Known mirrors: {known} (or give your own root with "
              "--url URL).").format(name=repr(name), known=", ".join(MIRRORS))
        )
    return mirror


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: where http:// cannot be intercepted.

    Decided on the parsed address (``base/urls.py``), never by string prefix.
    """
    return is_loopback_host(host)


def custom_mirror(url: str, *, allow_http: bool = False, name: str = "custom",
                  what: str = "--url") -> Mirror:
    """A mirror at a user-given root URL with TUNA's layout below it.

    http:// is accepted for loopback hosts (test servers, an ssh tunnel); elsewhere only with
    `allow_http`, because a plain-http mirror can be tampered with on the way. `what` names
    where the URL came from in error messages (an option, a setting, a file).
    """
    check_mirror_url(url, allow_http=allow_http, what=what)
    root = normalize_root(url, what=what)
    known = next((m for m in MIRRORS.values() if m.root == root), None)
    if known is not None:
        return known
    return MIRRORS[DEFAULT_MIRROR]._replace(name=name, title="custom mirror", root=root,
                   status_path=_STATUS, sister=None, notes="user-given root, TUNA layout assumed")


def normalize_root(url: str, *, what: str | None = None) -> str:
    """Validate a mirror root URL and strip trailing slashes and a pasted /anaconda suffix."""
    return _normalize_root(url, what=what)


def resolve_mirror(name: str | None = None, url: str | None = None,
                   *, allow_http: bool = False) -> Mirror:
    """The mirror named by `--mirror NAME` or `--url URL` (default: TUNA)."""
    if name is not None and url is not None:
        raise TunaError(_("Give either --mirror NAME or --url URL, not both."))
    if url is not None:  # --url '' is an error, never "the default mirror"
        return custom_mirror(url, allow_http=allow_http)
    return get_mirror(DEFAULT_MIRROR if name is None else name)


def mirror_for_root(root: str, *, what: str = "plugins.tuna_mirror_url") -> Mirror:
    """The catalog entry whose root is `root`, else a custom mirror for it (no http check)."""
    return custom_mirror(root, allow_http=True, what=what)


def mirrors_carrying(subdir: str) -> list[Mirror]:
    """Mirrors whose pkgs serve `subdir`: the ones `--mirror auto` may pick on this machine."""
    return [m for m in MIRRORS.values() if subdir in m.pkgs_subdirs]


#: The channels `conda tuna mirrors` names in a mirror's coverage line (the ones most users
#: have configured); the other mirrored channels are counted.
KEY_CHANNELS = ("defaults", "conda-forge")


class PlatformCoverage(NamedTuple):
    """Which of one machine's platforms (its subdir and noarch) a mirror carries.

    `carried`: the platforms the mirror's `defaults` (pkgs/main, pkgs/r) serves; `missing`:
    those it does not; `by_channel`: per key channel, the platforms it serves; `others`:
    how many other mirrored channels serve the machine's own subdir, of `others_total`.
    """

    subdirs: tuple[str, ...]
    carried: tuple[str, ...]
    missing: tuple[str, ...]
    by_channel: Mapping[str, tuple[str, ...]]
    others: int
    others_total: int

    @property
    def complete(self) -> bool:
        """True when defaults and every key channel serve every platform of the machine."""
        return all(len(c) == len(self.subdirs) for c in self.by_channel.values())

    def to_json(self) -> dict[str, object]:
        return {"subdirs": list(self.subdirs), "carried": list(self.carried),
                "missing": list(self.missing),
                "channels": {k: list(v) for k, v in self.by_channel.items()},
                "other_channels_with_subdir": self.others,
                "other_channels": self.others_total}


def platform_coverage(mirror: Mirror, subdirs: tuple[str, ...]) -> PlatformCoverage:
    """What `mirror` carries of a machine's `subdirs` (e.g. ``("linux-aarch64", "noarch")``),
    from the catalog's facts above (the one place they live)."""
    def served(channel: str) -> tuple[str, ...]:
        if channel == "defaults":
            return tuple(s for s in subdirs
                         if all(mirror.carries(f"pkgs/{c}", s) for c in DEFAULTS_CHANNELS))
        return tuple(s for s in subdirs if mirror.carries(channel, s))

    by_channel = {c: served(c) for c in KEY_CHANNELS}
    native = next((s for s in subdirs if s != "noarch"), subdirs[0] if subdirs else "noarch")
    others = [c for c in mirror.cloud if c not in KEY_CHANNELS]
    carried = by_channel["defaults"]
    return PlatformCoverage(
        tuple(subdirs), carried, tuple(s for s in subdirs if s not in carried),
        MappingProxyType(by_channel), sum(native in mirror.cloud[c] for c in others),
        len(others))
