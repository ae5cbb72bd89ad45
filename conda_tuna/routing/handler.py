"""conda's side of routing: the auth handler that sends each upstream request to a mirror.

conda selects this handler for every URL matching the drop-in's ``channel_settings`` patterns
(``{channel: "https://conda.anaconda.org/*", auth: conda-tuna}``, one per upstream root) and
calls it with each prepared request: repodata, shards, packages (in conda's download
threads), notices, terms.json alike. ``requests`` runs auth inside ``prepare_request``, after
conda added other plugins' headers and before proxies are chosen for the (rewritten) URL.

* Not routed (``urls.plan`` says None: credentials, labels, unmirrored channels and subdirs):
  exactly what conda's own ``CondaHttpAuth`` does (anaconda.org token, URL or netrc basic
  auth, 407 proxy handling), or what the user's own ``channel_settings`` handler for the URL
  does.
* Routed: the URL becomes the first usable chain entry's (``chain.choose``: not remembered
  down, passed its once-per-process liveness check, not stale), headers are cut to an
  allowlist, and a response hook re-sends to the next entry on 5xx (or a 404 for a file that
  must exist), the way ``requests.auth.HTTPDigestAuth.handle_401`` re-sends.
* A bug here never becomes conda's "unexpected error" report: anything but a CondaError
  degrades to conda's own auth for that request (logged at debug level).

conda makes a handler instance per new URL and shares sessions across threads, so nothing
lives on the instance: the process-wide :class:`State` (settings, failure memory, liveness
gate, announcements) is module-level and locked.

Non-public conda behaviour relied on, each pinned by a test in
``tests/integration/test_conda_contract.py`` (the test named fails first when conda changes):
``CondaHttpAuth`` and its static ``add_binstar_token``/``_apply_basic_auth``/``handle_407``
(delegation); ``get_session``'s pattern matching and last-match rule (the drop-in works at
all); ``r.connection`` being conda's adapter with ``send`` (the re-send); conda's
``urlparse`` dropping userinfo (credentialed URLs reach this handler and must be delegated);
``CondaHTTPError._caused_by`` holding the wire URL (the error hint).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from conda.base.context import context
from conda.exceptions import CondaError
from conda.gateways.connection.session import CondaHttpAuth
from conda.plugins.types import ChannelAuthBase

from ..base.neterrors import classify, from_status
from ..base.urls import redact
from ..i18n import _
from ..mirrors import adapter as mirror_adapter
from ..mirrors import health as mirror_health
from ..mirrors.catalog import Mirror, Upstream
from ..mirrors.sync import last_sync
from .chain import (
    ACCEPT,
    DEFINITE,
    NEXT_DOWN,
    TIMEOUT,
    Announcer,
    Choice,
    Failure,
    FailureMemory,
    LivenessGate,
    Skipped,
    SyncFacts,
    Verdict,
    all_failed_line,
    all_stale_line,
    choose,
    decide,
    failover_line,
    lacks_line,
)
from .urls import (
    AUTH_NAME,
    Candidate,
    Plan,
    effective_entry,
    handler_of,
    plan,
    request_carries_credentials,
    site_of,
    strip_headers,
)

log = logging.getLogger("conda.conda_tuna")

_ATTR = "_conda_tuna_route"
_ANSWERED_MAX = 4096


class AllMirrorsFailedError(CondaError):
    """Every site of the chain said no (refused, DNS, TLS, 5xx) for one request."""

    def __init__(self, line: str) -> None:
        # CondaError formats its message with `message % kwargs`: build the sentence first
        super().__init__(_("conda-tuna: {line}").format(line=line).replace("%", "%%"))


# --------------------------------------------------------------------------- state
class Settings(NamedTuple):
    """What this process routes with; an empty chain means routing is off."""

    chain: tuple[Mirror | None, ...]
    upstreams: tuple[Upstream, ...]
    off_reason: str | None = None
    budget: float = mirror_adapter.LIVENESS_SECONDS
    max_age_hours: float = 24.0


def read_settings() -> Settings:
    """conda's settings for routing: the chain, the upstream roots, the budget."""
    upstreams = mirror_adapter.known_upstreams()
    mirror, why = mirror_adapter.mirror_setting()
    if mirror is None:
        return Settings((), upstreams, why)
    chain, _notes = mirror_adapter.routing_chain(mirror)
    return Settings(tuple(chain), upstreams, None, mirror_adapter.liveness_budget(),
                    mirror_adapter.max_age_hours())


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _verbose(line: str) -> None:
    if context.verbosity >= 1:
        _stderr(line)


class State:
    """Everything the handler shares across requests and threads of one conda process."""

    def __init__(self, settings: Settings, memory: FailureMemory, facts: SyncFacts) -> None:
        self.settings = settings
        self.memory = memory
        self.facts = facts
        self.gate = LivenessGate()
        self.announcer = Announcer(_stderr, _verbose)
        #: original URL -> URL that answered (for the error hint)
        self.answered: dict[str, str] = {}
        self._hosts: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def remember_answer(self, original: str, wire: str) -> None:
        with self._lock:
            if len(self.answered) >= _ANSWERED_MAX:
                self.answered.clear()
            self.answered[original] = wire

    def log_route(self, original: str, cand: Candidate) -> None:
        """With conda's -v: one line per routed upstream host and site, per command."""
        if context.verbosity < 1:
            return
        pair = (site_of(original), cand.key)
        with self._lock:
            if pair in self._hosts:
                return
            self._hosts.add(pair)
        _stderr(_("conda-tuna: requests for {upstream} go to {site} ({url})").format(
            upstream=pair[0], site=cand.label, url=cand.key))


_STATE: State | None = None
_STATE_LOCK = threading.Lock()


def get_state() -> State:
    """The process-wide state, built on first use from conda's settings."""
    global _STATE
    with _STATE_LOCK:
        if _STATE is None:
            cache = mirror_health.cache_dir()
            _STATE = State(read_settings(),
                           FailureMemory(cache / "failures.json"),
                           SyncFacts(cache / "sync.json"))
        return _STATE


def reset_state() -> None:
    """Forget the process-wide state (tests; after conda's settings changed in-process)."""
    global _STATE
    with _STATE_LOCK:
        _STATE = None


# --------------------------------------------------------------------------- liveness
def _probe_verdict(url: str, budget: float) -> Verdict:
    """HEAD of the URL about to be fetched: proves host, TLS, proxy; a few hundred bytes."""
    result = mirror_health.probe_all({"site": url}, budget, mirror_adapter.probe_config())["site"]
    status = result.http_status
    if status is not None and status < 500 and status != 429:
        return Verdict(True, result.describe())
    kind = TIMEOUT if result.state == mirror_health.TIMEOUT else DEFINITE
    return Verdict(False, result.describe(), kind)


def _sync_verdict(state: State, mirror: Mirror, budget: float) -> Verdict:
    """GET of the mirror's tunasync.json (gzip): proves the host answers and tells its age."""
    got = mirror_health.fetch(str(mirror.status_url), budget, mirror_adapter.probe_config())
    status = got.http_status
    if status is None or status >= 500 or status == 429:
        kind = TIMEOUT if got.state == mirror_health.TIMEOUT else DEFINITE
        return Verdict(False, got.error.summary() if got.error else (got.detail or got.state),
                       kind)
    synced = None
    if got.state == mirror_health.OK and got.body:
        try:
            synced = last_sync(mirror_health.parse_json(got.body))
        except ValueError:
            synced = None
    state.facts.put(mirror.root, synced)
    return Verdict(True, f"HTTP {status}", synced=synced)


def _check(state: State, cand: Candidate) -> Verdict:
    """The once-per-process, bounded liveness check of the site serving `cand`."""
    budget = state.settings.budget
    mirror = cand.mirror
    if mirror is not None and mirror.status_url:
        known, synced = state.facts.get(mirror.root)
        if not known:
            return _sync_verdict(state, mirror, budget)
        verdict = _probe_verdict(cand.url, budget)
        return verdict._replace(synced=synced) if verdict.ok else verdict
    return _probe_verdict(cand.url, budget)


def _choose(state: State, the_plan: Plan, start: int) -> Choice:
    if len(the_plan.candidates) == 1 and start == 0:
        return Choice(0)  # failover off: nothing to check against, conda's errors apply
    return choose(the_plan, start, state.memory,
                  lambda c: state.gate.verdict(c.key, lambda: _check(state, c)),
                  max_age_hours=state.settings.max_age_hours, now=time.time())


def start_early() -> None:
    """Start the active mirror's liveness check in the background (pre-command hook), so its
    round trip overlaps conda's start-up instead of delaying the first request; that request
    then waits for the same verdict (the gate runs one check per site)."""
    if context.offline:
        return
    state = get_state()
    chain = state.settings.chain
    if len(chain) < 2 or chain[0] is None:
        return  # routing off, or failover off: no liveness check at all
    mirror = chain[0]
    if state.memory.down(mirror.root) is not None:
        return  # remembered as failed: requests skip it without asking
    cand = Candidate(f"{mirror.pkgs_url('main')}/noarch/repodata.json", mirror)
    threading.Thread(target=state.gate.verdict, args=(cand.key, lambda: _check(state, cand)),
                     daemon=True, name="conda-tuna-liveness").start()


# --------------------------------------------------------------------------- delegation
def _delegate_auth(url: str, channel_name: str) -> Any:
    """The auth conda would use for `url` without conda-tuna: the user's own handler from
    ``channel_settings`` when one matches, else ``CondaHttpAuth``."""
    try:
        from conda.models.channel import Channel

        entries = [e for e in context.channel_settings
                   if handler_of(e) not in (None, AUTH_NAME)]
        if entries:
            name = handler_of(effective_entry(entries, url, Channel.from_url(url)
                                              .canonical_name))
            cls = context.plugin_manager.get_auth_handler(name) if name else None
            if cls is not None:
                return cls(channel_name)
    except Exception:  # finding the user's handler must never cost the request
        log.debug("conda-tuna: no user auth handler for %s", redact(url), exc_info=True)
    return CondaHttpAuth()


def _delegate(request: Any, channel_name: str) -> Any:
    return _delegate_auth(request.url, channel_name)(request)


def _proxies_for(url: str) -> dict[str, str]:
    """conda's proxy_servers merged with the environment's proxies for `url` (NO_PROXY
    honoured): what requests would choose for a new request to that URL."""
    from requests.utils import get_environ_proxies

    proxies = dict(context.proxy_servers or {})
    for key, value in get_environ_proxies(url, no_proxy=proxies.get("no_proxy")).items():
        proxies.setdefault(key, value)
    return proxies


# --------------------------------------------------------------------------- the handler
class RouteInfo(NamedTuple):
    """What the response hook needs: the plan, where we are in it, the original headers."""

    plan: Plan
    index: int
    headers: dict[str, str]
    channel_name: str


def _to_site(request: Any, cand: Candidate, info: RouteInfo) -> None:
    """Point `request` at `cand`: a mirror gets the allowlisted headers only; upstream gets
    the original headers and conda's own auth (or the user's handler)."""
    request.headers.clear()
    if cand.mirror is None:
        request.headers.update(info.headers)
        request.url = cand.url
        _delegate(request, info.channel_name)
    else:
        request.headers.update(strip_headers(info.headers))
        request.url = cand.url
        request.register_hook("response", CondaHttpAuth.handle_407)


def _announce_choice(state: State, the_plan: Plan, choice: Choice, used: Candidate) -> None:
    if not choice.skipped:
        return
    if choice.all_stale:
        line = all_stale_line(used, choice.skipped)
    else:
        line = failover_line(choice.skipped[0], used)
    state.announcer.once("failover", line)


def _route(request: Any, channel_name: str) -> Any:
    state = get_state()
    settings = state.settings
    if not settings.chain or context.offline:
        return _delegate(request, channel_name)
    the_plan = plan(request.url, settings.chain, settings.upstreams)
    if the_plan is None:
        return _delegate(request, channel_name)
    choice = _choose(state, the_plan, 0)
    if choice.index < 0:
        return _all_failed_before_sending(state, request, the_plan, choice, channel_name)
    cand = the_plan.candidates[choice.index]
    _announce_choice(state, the_plan, choice, cand)
    info = RouteInfo(the_plan, choice.index, dict(request.headers), channel_name)
    _to_site(request, cand, info)
    setattr(request, _ATTR, info)
    request.register_hook("response", _on_response)
    if cand.mirror is not None:
        state.log_route(the_plan.original, cand)
    return request


def _upstream_tried(the_plan: Plan) -> bool:
    return any(c.mirror is None for c in the_plan.candidates)


def _all_failed_before_sending(state: State, request: Any, the_plan: Plan, choice: Choice,
                               channel_name: str) -> Any:
    """Nothing usable: raise at once when every site said no; after a timeout, let conda try
    upstream with its own timeouts (a slow link must not be called down)."""
    line = all_failed_line(choice.skipped, _upstream_tried(the_plan))
    if choice.definite:
        raise AllMirrorsFailedError(line)
    state.announcer.once("all-failed", _("conda-tuna: {line}").format(line=line))
    return _delegate(request, channel_name)


class TunaAuth(ChannelAuthBase):
    """Route requests for mirrored channels to the first usable site of the chain."""

    def __call__(self, request: Any) -> Any:
        url, headers = request.url, dict(request.headers)
        try:
            return _route(request, self.channel_name)
        except CondaError:
            raise
        except Exception:  # a bug must never cost the user's command, nor show a traceback
            log.debug("conda-tuna: routing %s failed; conda's own auth takes it", redact(url),
                      exc_info=True)
            request.url = url
            request.headers.clear()
            request.headers.update(headers)
            return _delegate(request, self.channel_name)


# --------------------------------------------------------------------------- responses
def _on_response(r: Any, **kwargs: Any) -> Any:
    """Response hook: accept the answer, or re-send to the next site of the chain."""
    info: RouteInfo | None = getattr(r.request, _ATTR, None)
    if info is None:
        return r
    try:
        return _after_response(r, info, kwargs)
    except CondaError:
        raise
    except Exception:
        log.debug("conda-tuna: response hook failed for %s", redact(info.plan.original),
                  exc_info=True)
        return r


def _after_response(r: Any, info: RouteInfo, kwargs: dict[str, Any]) -> Any:
    state = get_state()
    cand = info.plan.candidates[info.index]
    action = decide(r.status_code, info.plan.kind)
    if action == ACCEPT:
        if cand.mirror is not None:
            state.memory.mark_up(cand.key)
        state.remember_answer(info.plan.original, r.url)
        return r
    failure = _answered(r)
    if action == NEXT_DOWN:
        state.memory.mark_down(cand.key, failure)
    if len(info.plan.candidates) == 1:
        return r  # failover off: conda reports it (the error hint names the mirror)
    return _resend(state, r, info, failure, kwargs)


def _resend(state: State, r: Any, info: RouteInfo, failure: Failure,
            kwargs: dict[str, Any]) -> Any:
    """Send the same request to the next usable candidates until one answers."""
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import Timeout

    first = Skipped(info.plan.candidates[info.index], failure)
    failures: list[Skipped] = [first]
    last, index = r, info.index + 1
    while True:
        choice = _choose(state, info.plan, index)
        failures.extend(choice.skipped)
        if choice.index < 0:
            return _all_failed_after_sending(state, last, info, failures)
        cand = info.plan.candidates[choice.index]
        last.content  # noqa: B018 - drain and release the connection, as handle_401 does
        last.close()
        prep = last.request.copy()
        _to_site(prep, cand, info)
        send_kwargs = dict(kwargs)
        send_kwargs["proxies"] = _proxies_for(prep.url)
        try:
            new = r.connection.send(prep, **send_kwargs)
        except (RequestsConnectionError, Timeout) as exc:
            kind = TIMEOUT if isinstance(exc, Timeout) else DEFINITE
            # issue 12: in words (DNS, refused, TLS, proxy, ...), never the class name
            failed = Failure(classify(exc, prep.url, proxy=send_kwargs["proxies"].get(
                urlsplit(prep.url).scheme)).summary(), kind)
            state.memory.mark_down(cand.key, failed)
            failures.append(Skipped(cand, failed))
            index = choice.index + 1
            continue
        new.history.append(last)
        new.request = prep
        action = decide(new.status_code, info.plan.kind)
        if action == ACCEPT:
            _announce_resend(state, info, first, cand)
            if cand.mirror is not None:
                state.memory.mark_up(cand.key)
                state.log_route(info.plan.original, cand)
            state.remember_answer(info.plan.original, new.url)
            return new
        failed = _answered(new)
        if action == NEXT_DOWN:
            state.memory.mark_down(cand.key, failed)
        failures.append(Skipped(cand, failed))
        last, index = new, choice.index + 1


def _answered(r: Any) -> Failure:
    """A site's error answer as a Failure: the status in words, and the status itself."""
    return Failure(from_status(r.status_code, str(getattr(r, "reason", "") or ""),
                               r.url).summary(), DEFINITE, r.status_code)


def _announce_resend(state: State, info: RouteInfo, first: Skipped, used: Candidate) -> None:
    if first.failure.status == 404:
        line = lacks_line(first.candidate, info.plan.target.filename, used)
    else:
        line = failover_line(first, used)
    state.announcer.once("failover", line)


def _all_failed_after_sending(state: State, last: Any, info: RouteInfo,
                              failures: list[Skipped]) -> Any:
    """Every candidate answered or failed: a 404 everywhere is conda's to report (not an
    outage); otherwise say so once, and raise when every failure was definite."""
    if all(s.failure.status == 404 for s in failures):
        return last
    line = all_failed_line(failures, _upstream_tried(info.plan))
    if all(s.failure.kind == DEFINITE for s in failures):
        raise AllMirrorsFailedError(line)
    state.announcer.once("all-failed", _("conda-tuna: {line}").format(line=line))
    return last


# --------------------------------------------------------------------------- other hooks
def wire_url(error: BaseException) -> str | None:
    """The URL a failed request really went to (a mirror), from conda's wrapped
    requests error, else from what this process remembers."""
    caused = getattr(error, "_caused_by", None)
    for holder in (getattr(caused, "response", None), getattr(caused, "request", None)):
        url = getattr(holder, "url", None)
        if url:
            return str(url)
    reported = (getattr(error, "_kwargs", None) or {}).get("url")
    if reported and _STATE is not None:
        return _STATE.answered.get(str(reported))
    return None


def _mirror_at(url: str) -> Mirror | None:
    state = get_state()
    for mirror in state.settings.chain:
        if mirror is not None and url.startswith(mirror.root + "/"):
            return mirror
    return None


def error_hints(error: BaseException):
    """conda 26.7+: name the mirror a failed request really went to (conda shows the
    channel's own URL)."""
    from conda.exceptions import CondaHTTPError

    if not isinstance(error, CondaHTTPError):
        return
    wire = wire_url(error)
    mirror = _mirror_at(wire) if wire else None
    if mirror is None or wire is None:
        return
    from conda.plugins.types import CondaErrorHint

    status = (getattr(error, "_kwargs", None) or {}).get("status_code") or "000"
    text = _("conda-tuna sent this request to mirror {name}: {url} (HTTP {status}); conda "
             "shows the channel's own URL. Compare the mirrors with `conda tuna mirrors "
             "--probe`.").format(name=mirror.name, url=redact(wire), status=status)
    if not mirror_adapter.failover_enabled():
        text += " " + _("plugins.tuna_failover is off, so conda-tuna did not try another "
                        "mirror; turn it on with `conda config --set plugins.tuna_failover "
                        "true`.")
    yield CondaErrorHint(text=text, hint_code="tuna_mirror_answered")


def record_failure(error: BaseException) -> None:
    """conda 26.5+ exception observer: a site that failed mid-command (after it passed its
    liveness check) is remembered for at most 30 s, so the next command skips it at once."""
    for each in getattr(error, "errors", None) or ():  # CondaMultiError
        record_failure(each)
    wire = wire_url(error)
    if not wire:
        return
    state = get_state()
    status = (getattr(error, "_kwargs", None) or {}).get("status_code")
    code = int(status) if str(status or "").isdigit() else 0
    if code and code < 500 and code != 429:
        return  # 401/403/404: an answer about one file or the user's access, not an outage
    for cand_site in state.settings.chain:
        if cand_site is not None and wire.startswith(cand_site.root + "/"):
            state.memory.mark_down(cand_site.root, Failure(
                _("failed during the previous command"), DEFINITE))
            return


def guard_request(host: str, path: str) -> None:
    """Last line of defence (conda's request-header hook): a request that carries a token or
    userinfo to the active mirror's host is refused. Routed requests never can; a conda-tuna
    0.1 drop-in (which rewrote channel URLs) or a hand-written mirror URL with a token could."""
    if not request_carries_credentials(host, path):
        return
    mirror, _why = mirror_adapter.mirror_setting()
    if mirror is None or host.rpartition("@")[2].lower() != mirror.host:
        return
    raise CondaError(_(
        "conda-tuna stopped a request that would have sent credentials to the mirror {host}: "
        "{url}. Channels with a token or password always stay upstream; if an old conda-tuna "
        "configuration rewrote this channel, run `conda tuna enable` to replace it."
    ).format(host=mirror.host, url=redact(f"https://{host}{path}")).replace("%", "%%"))
