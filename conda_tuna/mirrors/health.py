"""Is a mirror up, how fast is it, which one should conda use? Concurrent, bounded probes.

Design choices, and why:

* **stdlib urllib, not requests/conda's session.** conda's session retries 5xx with backoff
  (``remote_max_retries``) and runs every plugin header hook, so one probe of a failing
  mirror could take many times the timeout; a probe must cost one request and be bounded.
  urllib is in the standard library, so probing adds no dependency, and conda's proxy and
  TLS settings are passed in explicitly (:class:`ProbeConfig`, filled by ``mirrors/adapter.py``).
* **Always a User-Agent.** TUNA answers 403 to requests without one.
* **One small request per mirror:** ``HEAD <root>/anaconda/pkgs/main/<subdir>/repodata.json``
  (``GET`` with ``Range: bytes=0-0`` when HEAD is refused). HEAD transfers no body, and
  asking for this machine's subdir proves the mirror serves it.
* **One deadline for the whole round.** Each probe runs in its own daemon thread; the caller
  waits until a single deadline and reports what has not answered as ``timeout``. Wall
  time is therefore about the slowest answering probe (at most the timeout), never the sum,
  and a hanging mirror cannot hold conda at exit (daemon threads are not joined).
* **Never a traceback.** Every network failure becomes a state: ok, missing (404), error
  (other HTTP status), down (refused, DNS, TLS), timeout.

Tests and private deployments replace the probed set with ``CONDA_TUNA_MIRRORS_OVERRIDE``: a
JSON file ``{"name": "root URL", ...}``. Only the listed mirrors are then probed or used
as fallbacks; a name from the catalog keeps that mirror's coverage (so ``{"sjtug": URL}``
still lacks linux-aarch64). The tests use it to point every probe at loopback servers.

No conda import: the conda adapter is ``mirrors/adapter.py``.
"""

from __future__ import annotations

import functools
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from ..base.errors import TunaError
from ..base.neterrors import (
    HTTP,
    OTHER,
    NetError,
    classify,
    from_status,
    host_of,
    timed_out,
)
from ..base.urls import parse_mirror_url, redact
from ..i18n import N_, _
from .catalog import MIRRORS, UPSTREAMS, Mirror, Upstream, custom_mirror, normalize_root

# architecture: pure

OVERRIDE_ENV = "CONDA_TUNA_MIRRORS_OVERRIDE"
UPSTREAMS_OVERRIDE_ENV = "CONDA_TUNA_UPSTREAMS_OVERRIDE"
FALLBACK_WHAT = N_("An entry of plugins.tuna_fallback_mirrors")
UPSTREAM = "upstream"

# probe states
OK, MISSING, ERROR, DOWN, TIMEOUT = "ok", "missing", "error", "down", "timeout"


class ProbeConfig(NamedTuple):
    """How to make a probe request: the User-Agent, proxies and TLS verification.

    `proxies` maps a scheme to a proxy URL (conda's ``proxy_servers``); None lets urllib use
    the usual *_proxy environment variables. `verify` is True, False or a CA bundle path
    (conda's ``ssl_verify``).
    """

    user_agent: str = "conda-tuna (mirror health probe)"
    proxies: Mapping[str, str] | None = None
    verify: bool | str = True
    #: conda's client_ssl_cert (and its key), for mirrors that require a client certificate
    cert: str | None = None
    cert_key: str | None = None


class ProbeResult(NamedTuple):
    """What one probe found: a state, the HTTP status, the latency, a short technical detail
    and, when it failed, the classified failure (``base/neterrors.py``)."""

    name: str
    url: str
    state: str
    http_status: int | None = None
    latency_ms: float | None = None
    detail: str = ""
    error: NetError | None = None

    @property
    def healthy(self) -> bool:
        return self.state == OK

    @property
    def kind(self) -> str | None:
        """The failure's machine kind (dns, refused, timeout, tls, proxy, http, ...)."""
        if self.error is not None:
            return self.error.kind
        return None if self.state == OK else (TIMEOUT if self.state == TIMEOUT else HTTP
                                              if self.http_status else OTHER)

    def describe(self) -> str:
        """'ok 42 ms', or the failure in words: 'mirrors.x.cn answered HTTP 503 Service
        Unavailable', 'cannot resolve the host name mirrors.x.cn (DNS)', ..."""
        if self.state == OK:
            return _("ok {ms:.0f} ms").format(ms=self.latency_ms) \
                if self.latency_ms is not None else _("ok")
        return self.failure().summary()

    def failure(self) -> NetError:
        """The failure (for a result made without one, e.g. from an old cache: its words)."""
        if self.error is not None:
            return self.error
        if self.http_status:
            return from_status(self.http_status, "", self.url)
        if self.state == TIMEOUT:
            return timed_out(self.url)
        return NetError(OTHER, host_of(self.url), self.detail, reason=self.detail)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "url": self.url, "state": self.state,
                "healthy": self.healthy, "http_status": self.http_status,
                "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
                "detail": self.detail, "kind": self.kind,
                "error": None if self.state == OK else self.failure().to_json()}


# --------------------------------------------------------------------------- requests
@functools.lru_cache(maxsize=8)
def _ssl_context(verify: bool | str, cert: str | None = None,
                 cert_key: str | None = None) -> ssl.SSLContext:
    """One TLS context per verify setting: loading the CA store costs ~10 ms of CPU, which
    would otherwise be paid (and serialised by the GIL) by every probe thread."""
    if verify is False:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, str) and verify not in ("", "true", "truststore") \
            and Path(verify).exists():
        path = Path(verify)
        ctx = (ssl.create_default_context(capath=str(path)) if path.is_dir()
               else ssl.create_default_context(cafile=str(path)))
    else:
        ctx = ssl.create_default_context()
    if cert:
        ctx.load_cert_chain(cert, cert_key or None)
    return ctx


def build_opener(config: ProbeConfig, url: str) -> urllib.request.OpenerDirector:
    """urllib, not requests: it never reads ~/.netrc, so conda-tuna's own requests carry no
    credentials (mirror roots cannot hold any, see ``catalog.normalize_root``)."""
    handlers: list[urllib.request.BaseHandler] = []
    if url.startswith("https:") or config.proxies:
        handlers.append(urllib.request.HTTPSHandler(
            context=_ssl_context(config.verify, config.cert, config.cert_key)))
    if config.proxies is not None:
        handlers.append(urllib.request.ProxyHandler(dict(config.proxies)))
    return urllib.request.build_opener(*handlers)


def _request(url: str, method: str, config: ProbeConfig,
             headers: Mapping[str, str] | None = None) -> urllib.request.Request:
    return urllib.request.Request(
        url, method=method,
        headers={"User-Agent": config.user_agent, "Accept-Encoding": "identity",
                 **(headers or {})},
    )


def proxy_for(config: ProbeConfig, url: str) -> str | None:
    """The proxy a request to `url` goes through: conda's proxy_servers, else urllib's
    *_proxy environment variables (with no_proxy); None when it goes direct."""
    parts = urlsplit(url)
    if config.proxies is not None:
        return config.proxies.get(f"{parts.scheme}://{parts.hostname}") \
            or config.proxies.get(parts.scheme) or config.proxies.get("all") or None
    try:
        if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
            return None
    except OSError:  # proxy_bypass may resolve the host name
        return None
    return urllib.request.getproxies().get(parts.scheme)


def failed(exc: BaseException, url: str, config: ProbeConfig,
           timeout: float) -> tuple[str, NetError]:
    """A network exception as (probe state, classified failure)."""
    error = classify(exc, url, proxy=proxy_for(config, url), seconds=timeout)
    if error.kind == TIMEOUT:  # the same words whether the socket or the round's join gave up
        return TIMEOUT, timed_out(url, timeout)
    return DOWN, error


def http_probe(url: str, timeout: float, config: ProbeConfig, name: str = "") -> ProbeResult:
    """One small request to `url`: HEAD, or a one-byte GET when HEAD is not allowed."""
    opener = build_opener(config, url)
    start = time.monotonic()
    for method, headers in (("HEAD", None), ("GET", {"Range": "bytes=0-0"})):
        try:
            with opener.open(_request(url, method, config, headers), timeout=timeout) as resp:
                status = resp.status
                if method == "GET":
                    resp.read(1)
            return ProbeResult(name, url, OK, status, (time.monotonic() - start) * 1000)
        except urllib.error.HTTPError as exc:
            exc.close()
            if method == "HEAD" and exc.code in (405, 501):
                continue
            state = MISSING if exc.code == 404 else ERROR
            error = from_status(exc.code, str(exc.reason), url)
            return ProbeResult(name, url, state, exc.code, (time.monotonic() - start) * 1000,
                               error.detail, error)
        except Exception as exc:  # network errors of every kind become a state, never raise
            state, error = failed(exc, url, config, timeout)
            return ProbeResult(name, url, state, None, None, error.detail, error)
    error = NetError(OTHER, host_of(url), "no usable answer", reason="no usable answer")
    return ProbeResult(name, url, ERROR, None, None, error.detail, error)


def _late(name: str, url: str, timeout: float) -> ProbeResult:
    """A probe that had not answered when the round's deadline passed."""
    error = timed_out(url, timeout)
    return ProbeResult(name, url, TIMEOUT, detail=error.detail, error=error)


def probe_all(targets: Mapping[str, str], timeout: float, config: ProbeConfig,
              probe=http_probe) -> dict[str, ProbeResult]:
    """Probe every `name -> url` at once; the whole round ends after `timeout` seconds.

    A probe that has not answered by the deadline is reported as timed out; its daemon
    thread is abandoned (it ends by its own socket timeout and never blocks exit).
    """
    results: dict[str, ProbeResult] = {}
    lock = threading.Lock()

    def run(name: str, url: str) -> None:
        try:
            result = probe(url, timeout, config, name)
        except Exception as exc:  # a probe must never take the round down
            error = classify(exc, url)
            result = ProbeResult(name, url, DOWN, detail=error.detail, error=error)
        with lock:
            results[name] = result

    threads = [threading.Thread(target=run, args=(n, u), daemon=True,
                                name=f"conda-tuna-probe-{n}") for n, u in targets.items()]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        return {name: results.get(name) or _late(name, url, timeout)
                for name, url in targets.items()}


class Fetched(NamedTuple):
    """What a bounded GET found: a probe state, the HTTP status, the body (when 200), and
    the classified failure when there is none."""

    state: str
    http_status: int | None = None
    body: bytes | None = None
    detail: str = ""
    error: NetError | None = None


class FetchError(TunaError):
    """A document could not be fetched; `error` says why, classified."""

    def __init__(self, error: NetError) -> None:
        super().__init__(error.summary(), hint=error.next_step())
        self.error = error


def _read_body(resp, limit: int) -> bytes:
    data = resp.read(limit)
    if (resp.headers.get("Content-Encoding") or "").lower() == "gzip":
        import gzip  # a status file only; most commands never fetch one

        data = gzip.decompress(data)
    return data


def fetch(url: str, timeout: float, config: ProbeConfig, *, limit: int = 4 << 20) -> Fetched:
    """GET a small document (a sync status file), gzip accepted; never raises.

    Bounded like a probe: the request runs in a daemon thread and is given up after
    `timeout` seconds even when the server trickles bytes.
    """
    box: list[Fetched] = []

    def run() -> None:
        try:
            opener = build_opener(config, url)
            with opener.open(_request(url, "GET", config, {"Accept-Encoding": "gzip"}),
                             timeout=timeout) as resp:
                box.append(Fetched(OK, resp.status, _read_body(resp, limit)))
        except urllib.error.HTTPError as exc:
            exc.close()
            state = MISSING if exc.code == 404 else ERROR
            error = from_status(exc.code, str(exc.reason), url)
            box.append(Fetched(state, exc.code, None, error.detail, error))
        except Exception as exc:  # network errors of every kind become a state
            state, error = failed(exc, url, config, timeout)
            box.append(Fetched(state, None, None, error.detail, error))

    thread = threading.Thread(target=run, daemon=True, name="conda-tuna-fetch")
    thread.start()
    thread.join(timeout)
    if box:
        return box[0]
    error = timed_out(url, timeout)
    return Fetched(TIMEOUT, detail=error.detail, error=error)


def fetch_json(url: str, timeout: float, config: ProbeConfig, limit: int = 4 << 20) -> object:
    """GET a small JSON document (a sync status file); FetchError (a TunaError carrying the
    classified failure) when it cannot be fetched, TunaError when it is not JSON."""
    got = fetch(url, timeout, config, limit=limit)
    if got.state != OK or got.body is None:
        raise FetchError(got.error or NetError(OTHER, host_of(url), got.detail or got.state))
    try:
        return parse_json(got.body)
    except ValueError as exc:
        raise TunaError(_("not valid JSON ({error})").format(error=exc)) from exc


def parse_json(body: bytes) -> object:
    """A mirror's JSON document; ValueError for anything that is not (not UTF-8, not JSON,
    nested too deep for Python's parser: ``[[[[...`` raises RecursionError)."""
    try:
        return json.loads(body.decode("utf-8"))
    except RecursionError:
        raise ValueError(_("nested too deeply")) from None


# --------------------------------------------------------------------------- mirror sets
def probe_url(mirror: Mirror, subdir: str) -> str:
    """The one URL a probe asks: pkgs/main's repodata for `subdir` (noarch if not carried)."""
    sub = subdir if subdir in mirror.pkgs_subdirs else "noarch"
    return f"{mirror.pkgs_url('main')}/{sub}/repodata.json"


def load_override(env: Mapping[str, str] | None = None) -> dict[str, Mirror] | None:
    """The mirror set from ``$CONDA_TUNA_MIRRORS_OVERRIDE`` (a JSON file), or None.

    Catalog names keep their coverage and sister with the given root; other names get
    TUNA's layout. A broken file is a user error (TunaError), never silently ignored,
    because then real mirrors would be contacted instead.
    """
    env = os.environ if env is None else env
    path = env.get(OVERRIDE_ENV)
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TunaError(_("{variable}={path}: cannot read JSON from it ({error}).").format(
            variable=OVERRIDE_ENV, path=path, error=exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise TunaError(_("{variable}={path} must hold a JSON object {{name: root URL}}."
                          ).format(variable=OVERRIDE_ENV, path=path))
    mirrors: dict[str, Mirror] = {}
    for name, root in data.items():
        key = name.strip().lower()
        base = MIRRORS.get(key)
        what = _("The {variable} entry {name}").format(variable=OVERRIDE_ENV, name=repr(name))
        if base is not None:
            mirrors[key] = base._replace(root=normalize_root(root, what=what))
        else:
            mirrors[key] = custom_mirror(root, allow_http=True, name=key, what=what)
    return mirrors


def known_upstreams(env: Mapping[str, str] | None = None) -> tuple[Upstream, ...]:
    """The upstream roots conda-tuna routes: the catalog's, with ``$CONDA_TUNA_UPSTREAMS_OVERRIDE``
    (a JSON file ``{"https://conda.anaconda.org": "http://127.0.0.1:PORT", ...}``) replacing
    the roots it names.

    This is the tests' stand-in for the public internet: a loopback server plays
    anaconda.org and repo.anaconda.com, and every routed request, probe and fallback stays on
    the machine. Both ``enable`` (the drop-in's patterns) and the auth handler read it. A
    broken file is a user error (TunaError), for the same reason as the mirror override.
    """
    env = os.environ if env is None else env
    path = env.get(UPSTREAMS_OVERRIDE_ENV)
    if not path:
        return UPSTREAMS
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TunaError(_("{variable}={path}: cannot read JSON from it ({error}).").format(
            variable=UPSTREAMS_OVERRIDE_ENV, path=path, error=exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise TunaError(_("{variable}={path} must hold a JSON object {{upstream root: "
                          "stand-in root}}.").format(variable=UPSTREAMS_OVERRIDE_ENV, path=path))
    swap = {}
    for key, value in data.items():
        what = _("The {variable} entry {name}").format(variable=UPSTREAMS_OVERRIDE_ENV,
                                                       name=repr(key))
        swap[key.rstrip("/")] = parse_mirror_url(value, what=what).url
    return tuple(u._replace(root=swap.get(u.root, u.root)) for u in UPSTREAMS)


def known_mirrors(env: Mapping[str, str] | None = None) -> dict[str, Mirror]:
    """The mirrors conda-tuna may probe and fail over to: the override, else the catalog."""
    override = load_override(env)
    return override if override is not None else dict(MIRRORS)


def find_mirror(root: str, mirrors: Mapping[str, Mirror],
                what: str = "plugins.tuna_mirror_url") -> Mirror:
    """The mirror (from `mirrors`, else a custom one) whose root is `root`."""
    norm = normalize_root(root, what=what)
    for mirror in mirrors.values():
        if mirror.root == norm:
            return mirror
    return custom_mirror(norm, allow_http=True, what=what)


def fallback_chain(active: Mirror, configured: Iterable[str],
                   mirrors: Mapping[str, Mirror]) -> tuple[list[Mirror | None], list[str]]:
    """The ordered fallbacks for `active` (None means upstream) and notes on skipped entries.

    `configured` is ``plugins.tuna_fallback_mirrors``: names, root URLs or ``upstream``.
    Empty means the active mirror's sister site (TUNA <-> BFSU), then upstream.
    """
    entries = [str(e).strip() for e in configured if str(e).strip()]
    if not entries:
        entries = [active.sister] if active.sister else []
        entries.append(UPSTREAM)
    chain: list[Mirror | None] = []
    notes: list[str] = []
    for entry in entries:
        if entry.lower() == UPSTREAM:
            candidate: Mirror | None = None
        elif "://" in entry:
            try:
                candidate = find_mirror(entry, mirrors, what=_(FALLBACK_WHAT))
                # the http:// rule applies to fallbacks too
                custom_mirror(candidate.root, what=_(FALLBACK_WHAT))
            except TunaError as exc:
                notes.append(_("fallback {entry} skipped: {reason}").format(
                    entry=repr(redact(entry)), reason=exc.message))
                continue
        else:
            candidate = mirrors.get(entry.lower())
            if candidate is None:
                notes.append(_("fallback {entry} skipped: not a known mirror").format(
                    entry=repr(redact(entry))))
                continue
        if candidate is not None and candidate.root == active.root:
            continue
        if candidate not in chain:
            chain.append(candidate)
    return chain, notes


def switch_command(target: Mirror | None) -> str:
    """The one command that makes a switch permanent."""
    if target is None:
        return "conda tuna disable"
    if target.name in MIRRORS and MIRRORS[target.name].root == target.root:
        return f"conda tuna enable --mirror {target.name}"
    if target.name in MIRRORS or urlsplit(target.root).scheme:
        return f"conda tuna enable --url {target.root}"
    return f"conda tuna enable --mirror {target.name}"


def label(target: Mirror | None) -> str:
    return _("upstream (anaconda.org / repo.anaconda.com)") if target is None else (
        f"{target.name} ({target.root})")


# --------------------------------------------------------------------------- auto
class AutoChoice(NamedTuple):
    """The outcome of `--mirror auto`: the pick, why, and every probe behind it."""

    mirror: Mirror
    reason: str
    results: dict[str, ProbeResult]
    skipped: dict[str, str]


def pick_fastest(mirrors: Mapping[str, Mirror], subdir: str, timeout: float,
                 config: ProbeConfig, probe=http_probe) -> AutoChoice:
    """Probe the mirrors that carry `subdir` and pick the fastest healthy one.

    A mirror without this machine's subdir is never probed nor picked (SJTUG on aarch64).
    TunaError when none is healthy, naming what each probe found.
    """
    carrying = {n: m for n, m in mirrors.items() if subdir in m.pkgs_subdirs}
    skipped = {n: _("does not carry {subdir}").format(subdir=subdir)
               for n in mirrors if n not in carrying}
    if not carrying:
        raise TunaError(_("No known mirror carries {subdir}.").format(subdir=subdir))
    results = probe_all({n: probe_url(m, subdir) for n, m in carrying.items()},
                        timeout, config, probe)
    healthy = sorted((r for r in results.values() if r.healthy),
                     key=lambda r: r.latency_ms or 0.0)
    parts = [f"{n}: {r.describe()}" for n, r in results.items()
             if not healthy or r.name != healthy[0].name]
    parts += [_("{name} skipped ({why})").format(name=n, why=why) for n, why in skipped.items()]
    others = "; ".join(parts)
    if not healthy:
        raise TunaError(_("No mirror answered in {seconds:g} s: {others}.").format(
            seconds=timeout, others=others),
            hint=_("Check your network, or pick one with --mirror NAME."))
    best = healthy[0]
    if others:
        reason = _("fastest healthy mirror carrying {subdir} ({ms:.0f} ms; {others})").format(
            subdir=subdir, ms=best.latency_ms, others=others)
    else:
        reason = _("fastest healthy mirror carrying {subdir} ({ms:.0f} ms)").format(
            subdir=subdir, ms=best.latency_ms)
    return AutoChoice(carrying[best.name], reason, results, skipped)


# --------------------------------------------------------------------------- cache
def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's cache directory for conda-tuna (XDG on Linux, the OS's place elsewhere)."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "conda-tuna" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "conda-tuna"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "conda-tuna"
