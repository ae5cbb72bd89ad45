"""Hand-written mirror settings from old blog posts: find them, and replace them safely.

Patterns (see the project's mirror notes for why each one breaks):

* ``mirror-url`` — mirror URLs pasted into ``channels`` / ``default_channels`` /
  ``custom_channels``: they bypass conda-tuna's routing, credentials guard and failover,
  and break the day that mirror is down. Replaced by the channel's name (``defaults``
  for pkgs/main, r, msys2), which conda-tuna's drop-in routes to the active mirror.
* ``pkgs-free`` — Anaconda's pkgs/free: frozen since 2019, no aarch64. Removed.
* ``channel-alias`` — a ``channel_alias`` pointing at a mirror: every unmirrored channel
  (nvidia, user channels, labels) then 404s. Removed.
* ``use-only-tar-bz2`` — ``use_only_tar_bz2: true``: mirrors delete a ``.tar.bz2`` that has a
  ``.conda`` twin, so conda finds nothing to download. Removed.
* ``stale-cloud`` — mirror URLs for cloud channels the mirrors dropped (cloud/msys2, intel):
  they 404. Replaced by the bare name, which goes upstream.

This module is pure (plain dicts and lists; ruamel's round-trip types are subclasses of
those, so :func:`apply` edits a comment-preserving document in place). The conda side
(``migrate`` in ``config/adapter.py``, the doctor check and fixer in
``doctor/legacy_config.py``) reads conda's context and rewrites the user's files: backup
first, conda's own ruamel round-trip so comments stay, atomic replace, and a line per change
saying exactly what changed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..mirrors.catalog import UPSTREAM_PKGS

# architecture: pure

KINDS = {
    "mirror-url": "mirror URL written by hand",
    "pkgs-free": "pkgs/free is frozen since 2019 and has no aarch64",
    "channel-alias": "a mirror channel_alias sends unmirrored channels (nvidia, user "
                     "channels) to the mirror, where they 404",
    "use-only-tar-bz2": "mirrors delete .tar.bz2 files that have a .conda twin",
    "stale-cloud": "the mirrors dropped this cloud channel (2024); it 404s",
    "duplicate": "listed again after the repair",
}
STALE_CLOUD = frozenset({"msys2", "intel"})
_DEFAULTS_PKGS = frozenset({"main", "r", "msys2"})
_FREE_NAMES = frozenset({"free", "pkgs/free", f"{UPSTREAM_PKGS}/pkgs/free"})


@dataclass(frozen=True)
class Change:
    """One edit: in `key`, `old` becomes `new` (None: removed). `kind` is a KINDS key."""

    kind: str
    key: str
    old: object
    new: object | None
    reason: str
    index: int | None = None  # position in a list setting

    def describe(self) -> str:
        what = f"{self.key}: {self.old!r}" if self.key != str(self.old) else self.key
        action = "removed" if self.new is None else f"-> {self.new!r}"
        return f"{what} {action} ({self.reason})"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def mirror_path(url: str, mirror_hosts: Iterable[str]) -> tuple[str, str] | None:
    """('pkgs'|'cloud', channel) when `url` is a known mirror's /anaconda/... URL."""
    if not isinstance(url, str) or "://" not in url:
        return None
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()
    if host not in {h.lower() for h in mirror_hosts}:
        return None
    path = parts.path.strip("/")
    marker = path.find("anaconda/")
    if marker < 0:
        return ("root", "") if path in ("", "anaconda") else None
    rest = path[marker + len("anaconda/"):].strip("/").split("/")
    if len(rest) >= 2 and rest[0] in ("pkgs", "cloud"):
        return rest[0], "/".join(rest[1:])
    if rest and rest[0] in ("pkgs", "cloud"):
        return rest[0], ""
    return None


def classify_channel(item: object, hosts: Iterable[str]) -> tuple[str, object | None] | None:
    """(kind, replacement or None to remove) for one `channels` entry, None to keep it."""
    if not isinstance(item, str):
        return None
    text = item.strip().rstrip("/")
    if text in _FREE_NAMES:
        return "pkgs-free", None
    found = mirror_path(text, hosts)
    if found is None:
        return None
    area, name = found
    if area == "pkgs":
        if name == "free":
            return "pkgs-free", None
        return "mirror-url", "defaults" if name in _DEFAULTS_PKGS else None
    if area == "cloud" and name:
        base = name.split("/", 1)[0]
        return ("stale-cloud" if base.lower() in STALE_CLOUD else "mirror-url"), name
    return "mirror-url", None


def analyse(data: Mapping[str, object], hosts: Iterable[str]) -> list[Change]:
    """Every legacy pattern in one config file's data, as the changes that repair it."""
    hosts = set(hosts)
    changes: list[Change] = []
    channels = data.get("channels")
    if isinstance(channels, list):
        kept: list[object] = []
        for index, item in enumerate(channels):
            verdict = classify_channel(item, hosts)
            if verdict is None:
                if item in kept:  # e.g. `defaults` again after a pkgs/main URL became it
                    changes.append(Change("duplicate", "channels", item, None,
                                          KINDS["duplicate"], index))
                else:
                    kept.append(item)
                continue
            kind, new = verdict
            if new is not None and new in kept:
                new = None  # already there: drop the duplicate
            if new is not None:
                kept.append(new)
            reason = KINDS[kind] + ("" if new is None or kind != "mirror-url"
                                   else "; conda-tuna routes the name to the mirror")
            if kind == "stale-cloud" and new is not None:
                reason += "; the name goes upstream"
            changes.append(Change(kind, "channels", item, new, reason, index))
    defaults = data.get("default_channels")
    if isinstance(defaults, list):
        for index, item in enumerate(defaults):
            verdict = classify_channel(item, hosts)
            if verdict is not None:
                changes.append(Change(verdict[0], "default_channels", item, None,
                                      KINDS[verdict[0]] + "; conda-tuna sets `defaults`",
                                      index))
    for key in ("custom_channels", "custom_multichannels"):
        mapping = data.get(key)
        if not isinstance(mapping, Mapping):
            continue
        for name, value in mapping.items():
            values = value if isinstance(value, list) else [value]
            if any(mirror_path(str(v), hosts) for v in values):
                kind = "stale-cloud" if str(name).lower() in STALE_CLOUD else "mirror-url"
                changes.append(Change(kind, f"{key}.{name}", value, None,
                                      KINDS[kind] + "; conda-tuna's file sets this"))
    alias = data.get("channel_alias")
    if isinstance(alias, str) and "://" in alias \
            and urlsplit(alias).netloc.rpartition("@")[2].lower() in hosts:
        changes.append(Change("channel-alias", "channel_alias", alias, None,
                              KINDS["channel-alias"]))
    if data.get("use_only_tar_bz2") is True:
        changes.append(Change("use-only-tar-bz2", "use_only_tar_bz2", True, None,
                              KINDS["use-only-tar-bz2"]))
    return changes


def apply(data: dict, changes: Iterable[Change]) -> None:
    """Apply `changes` (from :func:`analyse` on this `data`) in place.

    Works on ruamel's comment-keeping types: list entries are replaced or deleted at their
    recorded positions, from the end, so the untouched entries keep their comments.
    """
    changes = list(changes)
    for change in sorted((c for c in changes if c.index is not None),
                         key=lambda c: -(c.index or 0)):
        items = data.get(change.key)
        if not isinstance(items, list) or change.index >= len(items) \
                or items[change.index] != change.old:
            continue
        if change.new is None:
            del items[change.index]
        else:
            items[change.index] = change.new
    if data.get("default_channels") == []:
        del data["default_channels"]
    for change in changes:
        if change.index is not None:
            continue
        if "." in change.key:
            key, name = change.key.split(".", 1)
            mapping = data.get(key)
            if isinstance(mapping, dict) and name in mapping:
                del mapping[name]
                if not mapping:
                    del data[key]
        elif change.key in data:
            del data[change.key]


def dominant_host(changes: Iterable[Change], hosts: Iterable[str]) -> str | None:
    """The mirror host the hand-written settings used most (to enable that mirror)."""
    counts: dict[str, int] = {}
    for change in changes:
        values = change.old if isinstance(change.old, list) else [change.old]
        for value in values:
            if isinstance(value, str) and mirror_path(value, hosts) is not None:
                host = urlsplit(value).netloc.rpartition("@")[2].lower()
                counts[host] = counts.get(host, 0) + 1
    return max(counts, key=lambda h: counts[h]) if counts else None


def backup_path(path: Path, now: _dt.datetime | None = None) -> Path:
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.conda-tuna-backup-{stamp}")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.conda-tuna-backup-{stamp}-{n}")
        n += 1
    return candidate
