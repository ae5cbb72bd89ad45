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
* ``not-mirrored`` — a mirror URL for a channel that mirror does not carry (its catalog
  coverage): it fails. Replaced by the bare name, which goes upstream, where it lives.
* ``fallback-channel`` — a ``channels`` list that the repair leaves empty (e.g. only
  pkgs/free) gets conda-forge, so conda keeps working; the report says so.
* ``kept`` — a URL on a mirror's host that is not one of its conda channels: a note only.

A comment attached to an entry that is removed goes with it (ruamel keeps comments with
their entry); the report lists it, and the backup still has it.

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

from ..base.urls import host_port, redact
from ..i18n import N_, _
from ..mirrors.catalog import UPSTREAM_PKGS, Mirror

# architecture: pure

KINDS = {
    "mirror-url": N_("mirror URL written by hand"),
    "pkgs-free": N_("pkgs/free is frozen since 2019 and has no aarch64"),
    "channel-alias": N_("a mirror channel_alias sends unmirrored channels (nvidia, user "
                        "channels) to the mirror, where they 404"),
    "use-only-tar-bz2": N_("mirrors delete .tar.bz2 files that have a .conda twin"),
    "stale-cloud": N_("the mirrors dropped this cloud channel (2024); it 404s"),
    "not-mirrored": N_("the mirror does not carry this channel, so the URL fails"),
    "duplicate": N_("listed again after the repair"),
    "fallback-channel": N_("nothing else was left in `channels`: conda-forge (free for "
                           "everyone) keeps conda working; write `defaults` there instead "
                           "if your organisation has Anaconda's licence"),
    "kept": N_("on a mirror's host but not one of its conda channels (not under "
               "/anaconda/); kept as written"),
}
#: kinds that only inform: the file is not changed for them
NOTE_KINDS = frozenset({"kept"})
STALE_CLOUD = frozenset({"msys2", "intel"})
FALLBACK_CHANNEL = "conda-forge"
_DEFAULTS_PKGS = frozenset({"main", "r", "msys2"})
_FREE_NAMES = frozenset({"free", "pkgs/free", f"{UPSTREAM_PKGS}/pkgs/free"})


@dataclass(frozen=True)
class Change:
    """One edit: in `key`, `old` becomes `new` (None: removed). `kind` is a KINDS key.

    `comment`: the comment attached to a removed entry in the file (ruamel keeps it with
    the entry, so it goes with it); listed in the report, and still in the backup.
    """

    kind: str
    key: str
    old: object
    new: object | None
    reason: str
    index: int | None = None  # position in a list setting
    comment: str | None = None

    @property
    def actionable(self) -> bool:
        return self.kind not in NOTE_KINDS

    def describe(self) -> str:
        """One line for the report; URLs redacted (a hand-written URL may hold a token)."""
        parts = {"key": self.key, "old": repr(self.old), "new": repr(self.new),
                 "reason": self.reason}
        if not self.actionable:
            text = _("{key}: {old} kept ({reason})").format(**parts)
        elif self.old is None:
            text = _("{key}: {new} added ({reason})").format(**parts)
        elif self.key == str(self.old):
            text = _("{key} removed ({reason})").format(**parts)
        elif self.new is None:
            text = _("{key}: {old} removed ({reason})").format(**parts)
        else:
            text = _("{key}: {old} -> {new} ({reason})").format(**parts)
        if self.comment:
            text = _("{change}; its comment {comment} went with it (it is in the backup)"
                     ).format(change=text, comment=repr(self.comment))
        return redact(text)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _why(kind: str) -> str:
    """The reason for a kind of change, in the user's language."""
    return _(KINDS[kind])


def mirror_path(url: str, mirror_hosts: Iterable[str]) -> tuple[str, str] | None:
    """('pkgs'|'cloud'|'root'|'other', channel) when `url` is on a known mirror's host."""
    if not isinstance(url, str) or "://" not in url:
        return None
    host = host_port(url)
    if host not in {h.lower() for h in mirror_hosts}:
        return None
    path = url.split("://", 1)[1][len(url.split("://", 1)[1].split("/", 1)[0]):]
    path = path.split("?", 1)[0].split("#", 1)[0].strip("/")
    marker = path.find("anaconda/")
    if marker < 0:
        return ("root", "") if path in ("", "anaconda") else ("other", path)
    rest = path[marker + len("anaconda/"):].strip("/").split("/")
    if len(rest) >= 2 and rest[0] in ("pkgs", "cloud"):
        return rest[0], "/".join(rest[1:])
    if rest and rest[0] in ("pkgs", "cloud"):
        return rest[0], ""
    return "other", path


def classify_channel(item: object, hosts: Iterable[str],
                     coverage: Mapping[str, Mirror] | None = None,
                     ) -> tuple[str, object | None, str] | None:
    """(kind, replacement or None to remove, reason) for one `channels` entry; None: keep.

    `coverage` maps a mirror host to its catalog entry, to tell a channel the mirror
    carries (the name then goes to the mirror through conda-tuna) from one it does not.
    """
    if not isinstance(item, str):
        return None
    text = item.strip().rstrip("/")
    if text in _FREE_NAMES:
        return "pkgs-free", None, _why("pkgs-free")
    found = mirror_path(text, hosts)
    if found is None:
        return None
    area, name = found
    mirror = (coverage or {}).get(host_port(text))
    if area == "pkgs":
        return _classify_pkgs(name)
    if area == "cloud" and name:
        return _classify_cloud(name, mirror)
    if area == "other":
        return "kept", item, _why("kept")
    return "mirror-url", None, _("mirror URL written by hand; the mirror's root is not a "
                                 "channel")


def _classify_pkgs(name: str) -> tuple[str, object | None, str]:
    if name == "free":
        return "pkgs-free", None, _why("pkgs-free")
    if name in _DEFAULTS_PKGS:
        return ("mirror-url", "defaults",
                _("mirror URL written by hand; conda-tuna routes `defaults` to the mirror"))
    return "not-mirrored", None, _("the mirrors have no pkgs/{name}, so the URL fails").format(
        name=name)


def _classify_cloud(name: str, mirror: Mirror | None) -> tuple[str, object | None, str]:
    base = name.split("/", 1)[0]
    if base.lower() in STALE_CLOUD:
        return "stale-cloud", name, _("the mirrors dropped this cloud channel (2024); it "
                                      "404s; the name goes upstream")
    if "/label/" in f"/{name}/":
        return ("mirror-url", name, _("mirror URL written by hand; labels are not mirrored, "
                                      "the name goes upstream to anaconda.org"))
    if mirror is not None and not mirror.carries_channel(base):
        return ("not-mirrored", name, _(
            "{mirror} does not carry {channel}, so the URL fails; the name goes upstream to "
            "anaconda.org, where the channel lives").format(mirror=mirror.name, channel=base))
    return "mirror-url", name, _("mirror URL written by hand; conda-tuna routes the name to "
                                 "the mirror")


def _comment(container: object, key: object) -> str | None:
    """The comment ruamel attached to `key` (a list index or a mapping key), if any."""
    items = getattr(getattr(container, "ca", None), "items", None)
    if not isinstance(items, dict) or key not in items:
        return None
    tokens = [t for t in items[key] if t is not None]
    text = " ".join(str(getattr(t, "value", "")).strip() for t in tokens if
                    not isinstance(t, list))
    return " / ".join(line.strip() for line in text.splitlines() if line.strip()) or None


def _channel_changes(data: Mapping[str, object], hosts: set[str],
                     coverage: Mapping[str, Mirror] | None) -> list[Change]:
    channels = data.get("channels")
    if not isinstance(channels, list):
        return []
    changes: list[Change] = []
    kept: list[object] = []
    for index, item in enumerate(channels):
        verdict = classify_channel(item, hosts, coverage)
        if verdict is None or verdict[0] in NOTE_KINDS:
            if verdict is not None:
                changes.append(Change(verdict[0], "channels", item, item, verdict[2], index))
            if item in kept:  # e.g. `defaults` again after a pkgs/main URL became it
                changes.append(Change("duplicate", "channels", item, None, _why("duplicate"),
                                      index, _comment(channels, index)))
            else:
                kept.append(item)
            continue
        kind, new, reason = verdict
        if new is not None and new in kept:
            new = None  # already there: drop the duplicate
        if new is not None:
            kept.append(new)
        changes.append(Change(kind, "channels", item, new, reason, index,
                              _comment(channels, index) if new is None else None))
    if channels and not kept:
        changes.append(Change("fallback-channel", "channels", None, FALLBACK_CHANNEL,
                              _why("fallback-channel")))
    return changes


def analyse(data: Mapping[str, object], hosts: Iterable[str],
            coverage: Mapping[str, Mirror] | None = None) -> list[Change]:
    """Every legacy pattern in one config file's data, as the changes that repair it
    (plus notes, kind "kept", for what is kept on purpose)."""
    hosts = set(hosts)
    changes = _channel_changes(data, hosts, coverage)
    defaults = data.get("default_channels")
    if isinstance(defaults, list):
        for index, item in enumerate(defaults):
            verdict = classify_channel(item, hosts, coverage)
            if verdict is not None and verdict[0] not in NOTE_KINDS:
                changes.append(Change(verdict[0], "default_channels", item, None,
                                      _("{reason}; conda-tuna sets `defaults`").format(
                                          reason=verdict[2]), index,
                                      _comment(defaults, index)))
    for key in ("custom_channels", "custom_multichannels"):
        mapping = data.get(key)
        if not isinstance(mapping, Mapping):
            continue
        for name, value in mapping.items():
            values = value if isinstance(value, list) else [value]
            found = [mirror_path(str(v), hosts) for v in values]
            if any(f is not None and f[0] != "other" for f in found):
                kind = "stale-cloud" if str(name).lower() in STALE_CLOUD else "mirror-url"
                changes.append(Change(kind, f"{key}.{name}", value, None,
                                      _("{reason}; conda-tuna's file sets this").format(
                                          reason=_why(kind)),
                                      comment=_comment(mapping, name)))
    alias = data.get("channel_alias")
    if isinstance(alias, str) and "://" in alias and host_port(alias) in hosts:
        changes.append(Change("channel-alias", "channel_alias", alias, None,
                              _why("channel-alias"), comment=_comment(data, "channel_alias")))
    if data.get("use_only_tar_bz2") is True:
        changes.append(Change("use-only-tar-bz2", "use_only_tar_bz2", True, None,
                              _why("use-only-tar-bz2"),
                              comment=_comment(data, "use_only_tar_bz2")))
    return changes


def apply(data: dict, changes: Iterable[Change]) -> list[str]:
    """Apply `changes` (from :func:`analyse` on this `data`) in place; notes for the user.

    Works on ruamel's comment-keeping types: list entries are replaced or deleted at their
    recorded positions, from the end, so the untouched entries keep their comments. A
    channels list left empty gets conda-forge (the "fallback-channel" change).
    """
    changes = [c for c in changes if c.actionable]
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
        if change.kind == "fallback-channel":
            if isinstance(data.get("channels"), list) and not data["channels"]:
                data["channels"].append(change.new)
        elif "." in change.key:
            key, name = change.key.split(".", 1)
            mapping = data.get(key)
            if isinstance(mapping, dict) and name in mapping:
                del mapping[name]
                if not mapping:
                    del data[key]
        elif change.key in data:
            del data[change.key]
    return [c.describe() for c in changes if c.comment or c.kind == "fallback-channel"]


def dominant_host(changes: Iterable[Change], hosts: Iterable[str]) -> str | None:
    """The mirror host the hand-written settings used most (to enable that mirror)."""
    counts: dict[str, int] = {}
    for change in changes:
        values = change.old if isinstance(change.old, list) else [change.old]
        for value in values:
            if isinstance(value, str) and mirror_path(value, hosts) is not None:
                host = host_port(value)
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
