"""Which channel goes to the mirror, which stays upstream, and why.

Two jobs, both pure (no conda import):

* :func:`conda_settings` renders the conda settings that make conda itself route channel
  names, `defaults` and explicit upstream URLs to a mirror. We only use conda's documented
  keys (``custom_channels``, ``custom_multichannels``, ``migrated_custom_channels``), never
  ``channel_alias``: a mirror carries only some anaconda.org channels, and every other one
  (nvidia, user channels, labels) must keep going upstream.
* :func:`route` explains, for one channel as a user wrote it, where it goes and why; the
  ``--dry-run`` table and ``conda tuna status`` show this.

Credentials (``/t/<token>/`` or ``user:password@``) never go to a mirror: :func:`has_credentials`
finds them and :func:`route` keeps such channels upstream.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit, urlunsplit

from ..base.urls import has_credentials, redact  # one validator and redaction (base/urls)
from ..mirrors.catalog import (
    DEFAULTS_CHANNELS,
    DEFAULTS_CHANNELS_WIN,
    NOT_MIRRORED,
    PKGS_CHANNELS,
    UPSTREAM_CLOUD,
    UPSTREAM_PKGS,
    Mirror,
)

# architecture: pure

_TOKEN_RE = re.compile(r"/t/([^/]+)(?=/|$)")
_UPSTREAM_CLOUD_HOSTS = frozenset({"conda.anaconda.org", "conda.binstar.org"})
_UPSTREAM_PKGS_HOSTS = frozenset({"repo.anaconda.com", "repo.continuum.io"})

MIRROR = "mirror"
UPSTREAM = "upstream"

#: The settings :func:`conda_settings` writes to point conda at a mirror (besides `channels`).
ROUTING_KEYS = ("default_channels", "custom_multichannels", "custom_channels",
                "migrated_custom_channels", "repodata_use_shards")


@dataclass(frozen=True)
class Route:
    """Where one channel goes: `via` is "mirror" or "upstream", `reason` says why."""

    channel: str
    url: str
    via: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def strip_credentials(url: str) -> str:
    """The URL without token and user:password (for comparing locations)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    path = _TOKEN_RE.sub("", parts.path)
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def defaults_urls(mirror: Mirror, *, windows: bool = False) -> list[str]:
    """The mirror URLs that `defaults` expands to on this OS (msys2 only on Windows)."""
    names = DEFAULTS_CHANNELS_WIN if windows else DEFAULTS_CHANNELS
    return [mirror.pkgs_url(name) for name in names]


def conda_settings(
    mirror: Mirror, *, windows: bool = False, channels: list[str] | None = None
) -> dict[str, object]:
    """The conda settings that send mirrored channels to `mirror` and nothing else.

    * ``custom_multichannels.defaults`` wins over a user's ``default_channels`` in conda 26
      ("defaults = custom_multichannels['defaults'] if set, else default_channels"); conda
      24-25 ignore it for `defaults` and read ``default_channels``, so both are written.
      (There a user's own ``default_channels`` list is merged with ours; status shows it.)
    * ``custom_channels`` maps each mirrored anaconda.org name and ``pkgs/*`` to the mirror;
      ``<name>/label`` maps back upstream, because mirrors carry no labels (conda resolves
      the longest configured prefix first, so ``conda-forge/label/dev`` stays upstream).
    * ``migrated_custom_channels`` makes conda treat explicit upstream URLs
      (``https://conda.anaconda.org/conda-forge``, ``https://repo.anaconda.com/pkgs/main``)
      as the named channel, so ``-c URL``, ``URL::pkg``, condarc and environment.yml URLs
      all reach the mirror. conda carries a URL's token across this migration; the plugin's
      credential guard keeps such URLs upstream at run time.
    * ``repodata_use_shards: false``: the mirrors serve no sharded repodata, so conda 26
      would otherwise ask for shards first and collect a 404 per channel and subdir.
    """
    custom_channels: dict[str, str] = {}
    migrated: dict[str, str] = {}
    for name in sorted(mirror.cloud, key=str.lower):
        custom_channels[name] = mirror.cloud_url
        custom_channels[f"{name}/label"] = UPSTREAM_CLOUD
        migrated[name] = UPSTREAM_CLOUD
    for name in PKGS_CHANNELS:
        custom_channels[f"pkgs/{name}"] = mirror.anaconda_url
        migrated[f"pkgs/{name}"] = UPSTREAM_PKGS
    settings: dict[str, object] = {
        "default_channels": defaults_urls(mirror, windows=windows),
        "custom_multichannels": {"defaults": defaults_urls(mirror, windows=windows)},
        "custom_channels": custom_channels,
        "migrated_custom_channels": migrated,
        "repodata_use_shards": False,
    }
    if channels:
        settings["channels"] = list(channels)
    return settings


def _cloud_route(original: str, name: str, mirror: Mirror) -> Route:
    """Route an anaconda.org channel name (possibly with a label path)."""
    base = name.split("/", 1)[0]
    if "/label/" in f"/{name}/" or name.startswith(f"{base}/label"):
        return Route(original, f"{UPSTREAM_CLOUD}/{name}", UPSTREAM,
                     "channel labels are not mirrored")
    if "/" in name:
        return Route(original, f"{UPSTREAM_CLOUD}/{name}", UPSTREAM,
                     "sub-channel paths are not mirrored")
    if mirror.carries_channel(name):
        return Route(original, f"{mirror.cloud_url}/{name}", MIRROR,
                     f"mirrored by {mirror.name}")
    lowered = name.lower()
    reason = NOT_MIRRORED.get(lowered, f"not carried by {mirror.name}")
    return Route(original, f"{UPSTREAM_CLOUD}/{name}", UPSTREAM, reason)


def _pkgs_route(original: str, name: str, mirror: Mirror) -> Route:
    sub = name.split("/", 2)[1] if name.count("/") >= 1 else ""
    if sub in PKGS_CHANNELS:
        return Route(original, mirror.pkgs_url(sub), MIRROR,
                     f"Anaconda's pkgs/{sub}, mirrored by {mirror.name}")
    return Route(original, f"{UPSTREAM_PKGS}/{name}", UPSTREAM, f"{name} is not mirrored")


def route(channel: str, mirror: Mirror, *, windows: bool = False) -> list[Route]:
    """Where `channel` (a name, `defaults`, or a URL) goes once the mirror is enabled.

    Returns a list because `defaults` expands to several channels.
    """
    text = channel.strip()
    if text == "defaults":
        return [
            Route("defaults", url, MIRROR, f"defaults -> {mirror.name} (custom_multichannels)")
            for url in defaults_urls(mirror, windows=windows)
        ]
    if "://" not in text:
        if text.startswith(("/", ".", "~")) or re.match(r"^[A-Za-z]:[\\/]", text):
            return [Route(text, text, UPSTREAM, "local channel, left alone")]
        if text.startswith("pkgs/"):
            return [_pkgs_route(text, text, mirror)]
        return [_cloud_route(text, text.strip("/"), mirror)]
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if has_credentials(text):
        return [Route(redact(text), redact(text), UPSTREAM,
                      "carries credentials: kept upstream, never sent to a mirror")]
    path = parts.path.strip("/")
    if parts.scheme == "file":
        return [Route(text, text, UPSTREAM, "local channel, left alone")]
    if host == mirror.host:
        return [Route(text, text, MIRROR, f"already a {mirror.name} URL")]
    if host in _UPSTREAM_CLOUD_HOSTS and path:
        routed = _cloud_route(text, path, mirror)
        return [Route(text, routed.url, routed.via,
                      f"explicit upstream URL; {routed.reason}")]
    if host in _UPSTREAM_PKGS_HOSTS and path.startswith("pkgs/"):
        routed = _pkgs_route(text, path, mirror)
        return [Route(text, routed.url, routed.via, f"explicit upstream URL; {routed.reason}")]
    return [Route(text, text, UPSTREAM, "not an Anaconda upstream URL, left alone")]


def route_table(channels: list[str], mirror: Mirror, *, windows: bool = False) -> list[Route]:
    """Routes for a list of channels, de-duplicated, in order."""
    seen: set[tuple[str, str]] = set()
    table: list[Route] = []
    for channel in channels:
        for r in route(channel, mirror, windows=windows):
            if (r.channel, r.url) not in seen:
                seen.add((r.channel, r.url))
                table.append(r)
    return table
