"""Which upstream request may go to which mirror, and what a 404 from a mirror means.

conda keeps its channels' own (upstream) URLs everywhere: in its records, exports, lock files
and repodata cache. Only the request on the wire goes to a mirror. conda-tuna's auth handler
asks :func:`plan` about every request it is given and gets either

* ``None``: leave the request to conda's own auth, untouched. That is the answer for a URL
  that is not below an upstream root, for **any URL carrying credentials** (``user:password@``,
  an anaconda.org ``/t/<token>/``), for channel labels and sub-channels (mirrors carry none),
  query strings, and for a channel or subdir no mirror of the chain carries (SJTUG has no
  linux-aarch64: such a subdir goes to the next mirror carrying it, else upstream); or
* a :class:`Plan`: the candidate URLs in chain order (mirrors that serve the file, and
  upstream as a member of the chain) and the kind of file, which decides whether a 404 is an
  answer (:data:`OPTIONAL`) or a reason to try the next candidate (:data:`MUST_EXIST`).

Also here: the headers a mirror may see (an allowlist), the ``channel_settings`` entries the
drop-in writes, and conda's rule for which ``channel_settings`` entry applies to a URL (to find
a user's own entry that competes with conda-tuna's).

Pure: no conda import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatch
from typing import NamedTuple
from urllib.parse import urlsplit

from ..base.urls import has_credentials, host_port
from ..i18n import _
from ..mirrors.catalog import NOT_MIRRORED, PKGS, PKGS_CHANNELS, Mirror, Upstream

# architecture: pure

#: The name conda-tuna's auth handler is registered under (``channel_settings[].auth``).
AUTH_NAME = "conda-tuna"

#: A file conda needs and the channel's index promises (package files, repodata.json): a 404
#: from a mirror means a lagging or broken mirror, so the next candidate is tried.
MUST_EXIST = "must-exist"
#: A file a mirror may legitimately lack (current_repodata.json, .zst, .jlap, the shard index
#: and shards, notices.json, terms.json, ...): a 404 is the answer and goes to conda as is.
OPTIONAL = "optional"

_SUBDIR_RE = re.compile(r"^(noarch|[a-z0-9]+-[a-z0-9_]+)$")
_PACKAGE_SUFFIXES = (".conda", ".tar.bz2")

#: Headers conda itself sets that a mirror needs (User-Agent: TUNA answers 403 without one;
#: the validators keep conda's repodata cache working). Everything else -- Authorization,
#: Anaconda-ToS-Accept, anaconda-telemetry-*, anything another plugin computed for Anaconda's
#: hosts -- is dropped before a request goes to a mirror.
MIRROR_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Connection", "Range", "If-Range",
                  "If-None-Match", "If-Modified-Since", "Cache-Control", "Content-Type",
                  "Content-Length")

#: Files asked of upstream first for Anaconda's repository (pkgs/*): conda-anaconda-tos gates
#: those channels on ``<channel>/terms.json``, and a mirror's 404 would silently skip the gate.
#: Mirrors stay behind upstream: when upstream is down, the terms plugin gets what it gets
#: without conda-tuna, within the liveness budget.
UPSTREAM_FIRST = frozenset({"terms.json"})


# --------------------------------------------------------------------------- credentials
# A URL's credentials are found (``has_credentials``) and hidden (``redact``) by base/urls,
# the one rule every part of conda-tuna uses.
def request_carries_credentials(host: str, path: str) -> bool:
    """True when a request's netloc has userinfo or its path has an anaconda.org token."""
    return "@" in host or has_credentials(f"https://example.invalid{path}")


def site_of(url: str) -> str:
    """scheme://host[:port] of a URL, without userinfo, lower case: what failures and
    liveness are remembered by for upstream hosts."""
    scheme = url.partition("://")[0].lower()
    return f"{scheme}://{host_port(url)}"


# --------------------------------------------------------------------------- understanding
class Target(NamedTuple):
    """An upstream URL understood: the upstream root, the channel, the path below it."""

    upstream: Upstream
    channel: str  # "conda-forge"; for the pkgs layout the name below pkgs/ ("main")
    rest: str  # "linux-64/repodata.json", "noarch/x-1-0.conda", "notices.json"

    @property
    def subdir(self) -> str | None:
        """The subdir the file lives in, None for files at the channel's top."""
        head, sep, _tail = self.rest.partition("/")
        return head if sep and _SUBDIR_RE.match(head) else None

    @property
    def filename(self) -> str:
        return self.rest.rsplit("/", 1)[-1]

    @property
    def name(self) -> str:
        """The channel as the catalog names it: "conda-forge" or "pkgs/main"."""
        return f"pkgs/{self.channel}" if self.upstream.layout == PKGS else self.channel


class Skip(NamedTuple):
    """Why a URL is left to conda (one sentence for `status` and `enable`)."""

    reason: str
    upstream_url: bool = False  # below an upstream root (credentials, label, not mirrored)


def _root_of(url: str, upstreams: Iterable[Upstream]) -> tuple[Upstream, list[str]] | None:
    """The upstream whose root `url` is below, and the path segments after that root."""
    parts = urlsplit(url)
    base = site_of(url)
    segments = [s for s in parts.path.split("/") if s]
    found: list[tuple[Upstream, list[str]]] = []
    for upstream in upstreams:
        root = urlsplit(upstream.root)
        if f"{root.scheme}://{root.netloc}".lower() != base:
            continue
        prefix = [s for s in root.path.split("/") if s]
        if segments[: len(prefix)] == prefix:
            found.append((upstream, segments[len(prefix):]))
    # one root can play both layouts (a test stand-in): pkgs/<name> decides
    for upstream, rest in found:
        if upstream.layout == PKGS and len(rest) >= 2 and rest[0] == "pkgs":
            return upstream, rest
    for upstream, rest in found:
        if upstream.layout != PKGS:
            return upstream, rest
    return found[0] if found else None


def understand(url: str, upstreams: Sequence[Upstream]) -> Target | Skip:
    """The channel and path of an upstream URL, or why conda-tuna leaves it alone."""
    if "://" not in url:
        return Skip(_("a local channel, left alone"))
    found = _root_of(url, upstreams)
    if found is None:
        return Skip(_("not an upstream URL conda-tuna routes"))
    upstream, segments = found
    if has_credentials(url):
        return Skip(_("carries credentials: conda sends it upstream itself, never to a mirror"),
                    True)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return Skip(_("has a query string: left to conda"), True)
    if upstream.layout == PKGS:
        if len(segments) < 2 or segments[0] != "pkgs":
            return Skip(_("not a channel of Anaconda's repository"), True)
        channel, rest = segments[1], segments[2:]
        if channel not in PKGS_CHANNELS:
            return Skip(_("pkgs/{name} is not mirrored").format(name=channel), True)
    else:
        if not segments or segments[0] in ("t", "pkgs"):
            return Skip(_("not a channel URL"), True)
        channel, rest = segments[0], segments[1:]
        if rest[:1] == ["label"]:
            return Skip(_("channel labels are not mirrored"), True)
    target = Target(upstream, channel, "/".join(rest))
    if rest and len(rest) > 1 and target.subdir is None:
        return Skip(_("sub-channel paths are not mirrored"), True)
    return target


def serves(mirror: Mirror, target: Target) -> bool:
    """True when `mirror` carries `target`'s channel and, for files in a subdir, that subdir."""
    return mirror.serves(target.upstream.layout, target.channel, target.subdir)


def file_kind(target: Target) -> str:
    """MUST_EXIST for package files and repodata.json; OPTIONAL for everything else."""
    name = target.filename
    if name.endswith(_PACKAGE_SUFFIXES) or name == "repodata.json":
        return MUST_EXIST
    return OPTIONAL


def not_carried(target: Target, mirrors: Sequence[Mirror]) -> str:
    """Why no mirror of the chain serves `target` (a sentence)."""
    known = NOT_MIRRORED.get(target.channel.lower())
    if known and target.upstream.layout != PKGS:
        return _(known)
    names = ", ".join(m.name for m in mirrors) or _("no mirror")
    if target.subdir and any(mirror.serves(target.upstream.layout, target.channel, None)
                             for mirror in mirrors):
        return _("{names} do not carry {channel}/{subdir}").format(
            names=names, channel=target.name, subdir=target.subdir)
    return _("{channel} is not carried by {names}").format(channel=target.name, names=names)


# --------------------------------------------------------------------------- planning
class Candidate(NamedTuple):
    """One place to send a request: a mirror (`mirror` set) or upstream (`mirror` None)."""

    url: str
    mirror: Mirror | None

    @property
    def key(self) -> str:
        """What liveness and failures are remembered by: the mirror's root, or the
        upstream host."""
        return self.mirror.root if self.mirror is not None else site_of(self.url)

    @property
    def label(self) -> str:
        return self.mirror.name if self.mirror is not None else _("upstream")


class Plan(NamedTuple):
    """The ordered candidates for one request and the kind of file it asks for."""

    original: str
    target: Target
    kind: str
    candidates: tuple[Candidate, ...]


def plan(url: str, chain: Sequence[Mirror | None],
         upstreams: Sequence[Upstream]) -> Plan | None:
    """The candidates for `url` in chain order (None in `chain` marks upstream's place).

    None -- conda handles the request alone -- when the URL is not routable (see
    :func:`understand`) or no mirror of the chain serves it. Upstream appears only where the
    chain puts it, except for :data:`UPSTREAM_FIRST` files of Anaconda's repository, which ask
    upstream first.
    """
    target = understand(url, upstreams)
    if isinstance(target, Skip):
        return None
    upstream_first = target.upstream.layout == PKGS and target.rest in UPSTREAM_FIRST
    candidates: list[Candidate] = [Candidate(url, None)] if upstream_first else []
    for entry in chain:
        if entry is None:
            if not upstream_first and all(c.mirror is not None for c in candidates):
                candidates.append(Candidate(url, None))
        elif serves(entry, target) and all(c.key != entry.root for c in candidates):
            candidates.append(Candidate(entry.url_for(target.upstream.layout, target.channel,
                                                      target.rest), entry))
    if not any(c.mirror is not None for c in candidates):
        return None
    return Plan(url, target, file_kind(target), tuple(candidates))


def strip_headers(headers: Mapping[str, str], keep: Iterable[str] = MIRROR_HEADERS
                  ) -> dict[str, str]:
    """Only the headers in `keep` (case-insensitive): what may go to a mirror."""
    allowed = {k.lower() for k in keep}
    return {k: v for k, v in headers.items() if k.lower() in allowed}


# --------------------------------------------------------------------------- channel_settings
def channel_settings_entries(upstreams: Sequence[Upstream]) -> list[dict[str, str]]:
    """The drop-in's ``channel_settings``: conda-tuna's handler for every upstream root."""
    patterns = list(dict.fromkeys(u.pattern for u in upstreams))
    return [{"channel": pattern, "auth": AUTH_NAME} for pattern in patterns]


def entry_matches(entry_channel: str, url: str, canonical_name: str | None) -> bool:
    """conda's rule (``get_session``, conda >= 24.5): an entry applies to a URL when its
    ``channel`` equals the URL's canonical channel name, or, as a URL pattern with the same
    scheme, matches ``netloc + path`` with fnmatch. conda drops userinfo from netloc."""
    if canonical_name is not None and entry_channel == canonical_name:
        return True
    parsed, pattern = urlsplit(url), urlsplit(entry_channel)
    if not pattern.scheme or pattern.scheme != parsed.scheme:
        return False
    netloc = parsed.netloc.rpartition("@")[2]
    return fnmatch(netloc + parsed.path, pattern.netloc + pattern.path)


def effective_entry(entries: Sequence[Mapping[str, object]], url: str,
                    canonical_name: str | None) -> Mapping[str, object] | None:
    """The entry conda uses for `url`: the **last** match in conda's merged order (later
    config sources come first in that order)."""
    found = None
    for entry in entries:
        if entry_matches(str(entry.get("channel", "")), url, canonical_name):
            found = entry
    return found


def handler_of(entry: Mapping[str, object] | None) -> str | None:
    """The auth handler name an entry selects (conda lower-cases it), or None."""
    if entry is None:
        return None
    name = str(entry.get("auth") or "").strip().lower()
    return name or None
