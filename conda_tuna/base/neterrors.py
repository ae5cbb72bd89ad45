"""Network failures in words a user understands: one classifier for every request conda-tuna
makes or reports on.

``classify(exc, url)`` turns whatever a request raised -- urllib's ``URLError`` and
``HTTPError``, requests' and urllib3's wrappers (``ConnectionError`` -> ``MaxRetryError`` ->
``NewConnectionError`` -> ``ConnectionRefusedError``), a bare ``OSError`` with an errno,
``socket.gaierror``, ``ssl.SSLError``, ``TimeoutError`` -- into a :class:`NetError`: a stable
machine ``kind`` (``dns``, ``refused``, ``timeout``, ``tls``, ``proxy``, ``http``, ``reset``,
``unreachable``, ``other``), the host it concerns (never with credentials), the technical
detail (redacted, for ``--json`` and bug reports) and, on demand, the sentence and the next
step a user reads. Those are translated when they are shown (``i18n._``), so the kind can be
decided anywhere, even before the language is known.

Why one module: ``status``, ``mirrors --probe``, ``check``, the installer download and the
routing's failover line all report network failures; before, each printed ``str(exc)``,
i.e. ``[Errno -2] Name or service not known`` or a 300-character urllib3 repr. The chain of
wrapped exceptions is walked (``reason``, ``__cause__``, ``__context__``, exception
``args``, conda's ``caused_by``) and decided by the most specific thing found in it, in this
order: proxy, timeout, TLS, DNS, refused, unreachable, reset, HTTP status, other. requests
and urllib3 are recognised by class name, so this module imports neither (nor conda).
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

from ..i18n import _
from .urls import redact

# architecture: pure

DNS = "dns"
REFUSED = "refused"
TIMEOUT = "timeout"
TLS = "tls"
PROXY = "proxy"
HTTP = "http"
RESET = "reset"
UNREACHABLE = "unreachable"
OTHER = "other"
#: every kind, the values `--json` documents carry under "kind"
KINDS = (DNS, REFUSED, TIMEOUT, TLS, PROXY, HTTP, RESET, UNREACHABLE, OTHER)

# errno values per kind, POSIX and Windows (WSAE*). getaddrinfo's EAI_* count only where
# they are negative (Linux): elsewhere they collide with ordinary errnos, and a real
# resolver failure is a socket.gaierror anyway.
_DNS_ERRNOS = frozenset(
    v for v in (getattr(socket, n, 0) for n in (
        "EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_ADDRFAMILY", "EAI_SERVICE"))
    if v < 0) | {11001, 11002, 11003, 11004}
_REFUSED_ERRNOS = frozenset({errno.ECONNREFUSED, 10061})
_TIMEOUT_ERRNOS = frozenset({errno.ETIMEDOUT, 10060})
_UNREACHABLE_ERRNOS = frozenset(
    {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN,
     getattr(errno, "EHOSTDOWN", errno.EHOSTUNREACH), errno.EADDRNOTAVAIL, 10050, 10051,
     10065})
_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, 10053, 10054})

_DNS_WORDS = ("name or service not known", "nodename nor servname", "getaddrinfo failed",
              "temporary failure in name resolution", "no address associated",
              "failed to resolve")
_TUNNEL = re.compile(r"Tunnel connection failed:\s*(\d{3})\s*(.*)", re.IGNORECASE)
_ERRNO_PREFIX = re.compile(r"^\s*\[Errno\s*-?\d+\]\s*|^\s*\[WinError\s*-?\d+\]\s*")
_SSL_NOISE = re.compile(r"\[SSL(?::\s*[A-Z0-9_]+)?\]\s*|\s*\(_ssl\.c:\d+\)")
_TOKEN_PATH = re.compile(r"/t/[^/\s'\"]+")
_HOST_IN_TEXT = re.compile(r"host='([^']+)', port=(\d+)")
_DETAIL_MAX = 300


class NetError(NamedTuple):
    """One network failure, classified.

    `kind` is stable and language-neutral (one of :data:`KINDS`); `host` is ``host[:port]``
    without user information; `detail` is the technical text behind it, redacted, for
    ``--json`` and bug reports; `status` is the HTTP status for ``http`` (and a proxy's
    answer for ``proxy``); `reason` is a short technical reason (a TLS verify message, an
    HTTP reason phrase); `cause` is, for ``proxy``, the kind of the failure reaching it.
    """

    kind: str
    host: str = ""
    detail: str = ""
    status: int | None = None
    reason: str = ""
    cause: str = ""
    seconds: float | None = None

    # ----------------------------------------------------------------- words for users
    def summary(self) -> str:
        """A short phrase without a final full stop, e.g. for "mirror tuna failed (...)"."""
        host = self.host or _("the server")
        if self.kind == DNS:
            return _("cannot resolve the host name {host} (DNS)").format(host=host)
        if self.kind == REFUSED:
            return _("{host} refused the connection").format(host=host)
        if self.kind == TIMEOUT:
            if self.seconds is not None:
                return _("timed out: no answer from {host} within {seconds:g} s").format(
                    host=host, seconds=self.seconds)
            return _("timed out: no answer from {host}").format(host=host)
        if self.kind == TLS:
            if self.reason:
                return _("secure connection to {host} failed (TLS/certificate problem: "
                         "{reason})").format(host=host, reason=self.reason)
            return _("secure connection to {host} failed (TLS/certificate problem)").format(
                host=host)
        if self.kind == PROXY:
            return self._proxy_summary(host)
        if self.kind == HTTP:
            if self.reason:
                return _("{host} answered HTTP {status} {reason}").format(
                    host=host, status=self.status, reason=self.reason)
            return _("{host} answered HTTP {status}").format(host=host, status=self.status)
        if self.kind == RESET:
            return _("the connection to {host} was closed unexpectedly").format(host=host)
        if self.kind == UNREACHABLE:
            return _("the network cannot reach {host}").format(host=host)
        if self.reason:
            return _("cannot connect to {host}: {reason}").format(host=host, reason=self.reason)
        return _("cannot connect to {host}").format(host=host)

    def _proxy_summary(self, host: str) -> str:
        if self.status:
            return _("the proxy {host} refused to connect onward (it answered {status} "
                     "{reason})").format(host=host, status=self.status, reason=self.reason)
        if self.cause == DNS:
            return _("cannot resolve the proxy's host name {host}").format(host=host)
        if self.cause == REFUSED:
            return _("the proxy {host} refused the connection").format(host=host)
        if self.cause == TIMEOUT:
            return _("timed out: no answer from the proxy {host}").format(host=host)
        return _("cannot connect through the proxy {host}").format(host=host)

    def next_step(self) -> str:
        """What the user can do about it, one sentence."""
        if self.kind == DNS:
            return _("Check the host name, and this machine's network and DNS settings (on a "
                     "campus network, log in to it first).")
        if self.kind == REFUSED:
            return _("Nothing accepts connections at that address: check the URL and port, "
                     "or switch to a mirror that answers (`conda tuna mirrors --probe`).")
        if self.kind == TIMEOUT:
            return _("The network or the server is slow or blocked: try again, or switch to "
                     "a mirror that answers (`conda tuna mirrors --probe`).")
        if self.kind == TLS:
            return _("Check this machine's clock and conda's ssl_verify setting; behind a "
                     "proxy that inspects HTTPS, set ssl_verify to its CA certificate.")
        if self.kind == PROXY:
            return _("Check conda's proxy_servers setting and the HTTP_PROXY and HTTPS_PROXY "
                     "environment variables.")
        if self.kind == HTTP:
            return self._http_next_step()
        if self.kind == RESET:
            return _("A firewall or an unstable network may have cut the connection: try "
                     "again, or switch to a mirror that answers (`conda tuna mirrors --probe`).")
        if self.kind == UNREACHABLE:
            return _("Check that this machine is connected to the network.")
        return _("Check the network, then run `conda tuna mirrors --probe` to see which "
                 "mirrors answer.")

    def _http_next_step(self) -> str:
        status = self.status or 0
        if status == 404:
            return _("The server does not have this file: the mirror may not carry it or may "
                     "lag behind upstream.")
        if status in (401, 403):
            return _("The server refused access; if it is a mirror, try another one "
                     "(`conda tuna mirrors --probe`).")
        if status == 429 or status >= 500:
            return _("The server is failing or overloaded right now: try again later, or "
                     "switch to a mirror that answers (`conda tuna mirrors --probe`).")
        return _("Check the URL; `conda tuna mirrors --probe` shows which mirrors answer.")

    def to_json(self) -> dict[str, object]:
        """Language-neutral keys and values for `--json` documents (and caches)."""
        return {"kind": self.kind, "host": self.host, "http_status": self.status,
                "detail": self.detail, "reason": self.reason, "cause": self.cause,
                "seconds": self.seconds}


# --------------------------------------------------------------------------- classifying
def host_of(url: str | None) -> str:
    """``host[:port]`` of `url`, lower case, without user information; "" when none."""
    if not url:
        return ""
    try:
        parts = urlsplit(url if "://" in url else f"//{url}")
        netloc = parts.netloc
    except ValueError:
        return ""
    return netloc.rpartition("@")[2].lower()


def clean_detail(text: object) -> str:
    """Technical text safe to show: URLs and token paths redacted, bounded in length."""
    value = _TOKEN_PATH.sub("/t/<TOKEN>", redact(str(text)))
    value = " ".join(value.split())
    return value if len(value) <= _DETAIL_MAX else value[: _DETAIL_MAX - 3] + "..."


def plain(text: object) -> str:
    """`text` without an ``[Errno N]`` or ``[WinError N]`` prefix (for words users read)."""
    return _ERRNO_PREFIX.sub("", str(text)).strip()


def chain(exc: BaseException, limit: int = 24) -> Iterator[BaseException]:
    """`exc` and every exception wrapped in it, outermost first, each once."""
    seen: set[int] = set()
    queue: list[BaseException] = [exc]
    while queue and len(seen) < limit:
        node = queue.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        linked = [getattr(node, "reason", None), getattr(node, "caused_by", None),
                  getattr(node, "_caused_by", None),  # conda's CondaError
                  getattr(node, "original_error", None), node.__cause__, node.__context__,
                  *getattr(node, "args", ())]
        queue.extend(x for x in linked if isinstance(x, BaseException))


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _errno(exc: BaseException) -> int | None:
    value = getattr(exc, "errno", None)
    return value if isinstance(value, int) else None


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError) or _errno(exc) in _TIMEOUT_ERRNOS:
        return True
    # by the class's own name: urllib3 2's NewConnectionError subclasses ConnectTimeoutError
    return type(exc).__name__.endswith(("Timeout", "TimeoutError"))


def _is_tls(exc: BaseException) -> bool:
    return isinstance(exc, (ssl.SSLError, ssl.CertificateError)) or "SSLError" in _names(exc)


def _is_dns(exc: BaseException) -> bool:
    if isinstance(exc, socket.gaierror) or "NameResolutionError" in _names(exc):
        return True
    return isinstance(exc, OSError) and _errno(exc) in _DNS_ERRNOS


def _connection_kind(exc: BaseException) -> str | None:
    """dns, refused, unreachable, reset, or None, for one exception of the chain."""
    if _is_dns(exc):
        return DNS
    code = _errno(exc)
    if isinstance(exc, ConnectionRefusedError) or code in _REFUSED_ERRNOS:
        return REFUSED
    if code in _UNREACHABLE_ERRNOS:
        return UNREACHABLE
    names = _names(exc)
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) \
            or code in _RESET_ERRNOS or names & {"RemoteDisconnected", "IncompleteRead",
                                                  "ProtocolError", "ChunkedEncodingError"}:
        return RESET
    return None


def _status_of(exc: BaseException) -> tuple[int | None, str]:
    """(HTTP status, reason phrase) of an HTTP error (urllib's, requests', conda's)."""
    code = getattr(exc, "code", None)
    if isinstance(code, int) and "HTTPError" in _names(exc):
        return code, str(getattr(exc, "reason", "") or getattr(exc, "msg", "") or "")
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int) and status > 0:
        return status, str(getattr(response, "reason", "") or "")
    status = getattr(exc, "status_code", None)
    kwargs = getattr(exc, "_kwargs", None)  # conda's CondaHTTPError keeps it there
    if status is None and isinstance(kwargs, dict):
        status = kwargs.get("status_code")
    try:
        number = int(status) if status is not None else 0
    except (TypeError, ValueError):
        number = 0
    if number > 0:
        reason = getattr(exc, "reason", "") or (kwargs or {}).get("reason") \
            if isinstance(kwargs, dict) else getattr(exc, "reason", "")
        return number, str(reason or "")
    return None, ""


def _tls_reason(nodes: list[BaseException]) -> str:
    """The short reason of a TLS failure: the certificate check's message when there is
    one ("self-signed certificate"), else the SSL error without its codes."""
    for node in nodes:
        message = getattr(node, "verify_message", None)
        if message:
            return clean_detail(message)[:120]
    for node in nodes:
        if not _is_tls(node):
            continue
        args = getattr(node, "args", ())
        text = args[-1] if args and isinstance(args[-1], str) else str(node)
        text = _SSL_NOISE.sub("", plain(text)).strip(" :")
        if text:
            return clean_detail(text)[:120]
    return ""


def _proxy_host(nodes: list[BaseException], proxy: str | None) -> str:
    if proxy:
        return host_of(proxy)
    for node in nodes:
        conn = getattr(node, "conn", None) or getattr(node, "pool", None)
        host, port = getattr(conn, "host", None), getattr(conn, "port", None)
        if host and "ProxyError" not in _names(node):
            return f"{host}:{port}".lower() if port else str(host).lower()
    return ""


def _guess_host(nodes: list[BaseException]) -> str:
    """The host an exception names when the caller gave no URL (requests, urllib3)."""
    for node in nodes:
        request = getattr(node, "request", None)
        url = getattr(request, "url", None)
        if isinstance(url, str) and "://" in url:
            return host_of(url)
        url = getattr(node, "url", None)
        if isinstance(url, str) and "://" in url:
            return host_of(url)
        kwargs = getattr(node, "_kwargs", None)
        url = kwargs.get("url") if isinstance(kwargs, dict) else None
        if isinstance(url, str) and "://" in url:
            return host_of(url)
    for node in nodes:
        found = _HOST_IN_TEXT.search(str(node))
        if found:
            return f"{found.group(1)}:{found.group(2)}".lower()
    return ""


def _innermost_detail(nodes: list[BaseException]) -> str:
    """The most telling technical text: the innermost exception with a message."""
    for node in reversed(nodes):
        text = str(node)
        if text and not text.startswith("<"):
            return clean_detail(f"{type(node).__name__}: {text}")
    return clean_detail(type(nodes[0]).__name__)


def classify(exc: BaseException, url: str | None = None, *, proxy: str | None = None,
             seconds: float | None = None) -> NetError:
    """What kind of network failure `exc` is, for a request to `url`.

    `proxy` is the proxy URL the request went through, when the caller knows it (urllib
    cannot tell a refused proxy from a refused server; requests can, and says so).
    `seconds` is the timeout that ran out, shown in a timeout's words.
    """
    nodes = list(chain(exc))
    host = host_of(url) or _guess_host(nodes)
    detail = _innermost_detail(nodes)
    names = set().union(*(_names(n) for n in nodes))

    tunnel = next((m for m in (_TUNNEL.search(str(n)) for n in nodes) if m), None)
    if tunnel:
        return NetError(PROXY, _proxy_host(nodes, proxy) or host, detail,
                        int(tunnel.group(1)), tunnel.group(2).strip())
    for node in nodes:
        status, reason = _status_of(node)
        if status == 407:
            return NetError(PROXY, _proxy_host(nodes, proxy) or host, detail, 407,
                            reason or "Proxy Authentication Required")
    inner = _structural_kind(nodes)
    if "ProxyError" in names or (proxy and inner in (DNS, REFUSED, UNREACHABLE)):
        return NetError(PROXY, _proxy_host(nodes, proxy) or host, detail,
                        cause=inner or _worded_kind(nodes) or OTHER)
    if inner is None:
        for node in nodes:
            status, reason = _status_of(node)
            if status:
                return NetError(HTTP, host, detail, status, " ".join(reason.split())[:80])
        inner = _worded_kind(nodes)
    if inner == TIMEOUT:
        return NetError(TIMEOUT, host, detail, seconds=seconds)
    if inner == TLS:
        return NetError(TLS, host, detail, reason=_tls_reason(nodes))
    if inner is not None:
        return NetError(inner, host, detail)
    last = nodes[-1]
    reason = plain(getattr(last, "strerror", None) or last) or type(last).__name__
    return NetError(OTHER, host, detail, reason=clean_detail(reason)[:120])


def _structural_kind(nodes: list[BaseException]) -> str | None:
    """The most specific kind that the exceptions' types and errnos show."""
    if any(_is_timeout(n) for n in nodes):
        return TIMEOUT
    if any(_is_tls(n) for n in nodes):
        return TLS
    for kind in (DNS, REFUSED, UNREACHABLE, RESET):
        if any(_connection_kind(n) == kind for n in nodes):
            return kind
    return None


def _worded_kind(nodes: list[BaseException]) -> str | None:
    """The kind that only the messages show (an exception re-raised as plain text)."""
    texts = [str(n).lower() for n in nodes]
    if any("timed out" in t for t in texts):
        return TIMEOUT
    if any(w in t for t in texts for w in _DNS_WORDS):
        return DNS
    if any("connection refused" in t for t in texts):
        return REFUSED
    return None


def from_status(status: int, reason: str = "", url: str | None = None) -> NetError:
    """An HTTP answer that is a failure (the server answered, with an error status)."""
    reason = " ".join(str(reason or "").split())[:80]
    if status == 407:
        return NetError(PROXY, host_of(url), clean_detail(f"HTTP {status} {reason}".strip()),
                        status, reason or "Proxy Authentication Required")
    return NetError(HTTP, host_of(url), clean_detail(f"HTTP {status} {reason}".strip()),
                    status, reason)


def timed_out(url: str | None = None, seconds: float | None = None) -> NetError:
    """No answer before a deadline the caller kept itself (a probe round, a fetch thread)."""
    detail = f"timed out, no answer within {seconds:g} s" if seconds is not None \
        else "timed out"
    return NetError(TIMEOUT, host_of(url), detail, seconds=seconds)


def from_json(data: object) -> NetError | None:
    """A NetError back from :meth:`NetError.to_json` (a cache file, a probe row)."""
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    status = data.get("http_status")
    seconds = data.get("seconds")
    return NetError(str(data["kind"]), str(data.get("host") or ""),
                    str(data.get("detail") or ""),
                    status if isinstance(status, int) else None,
                    str(data.get("reason") or ""), str(data.get("cause") or ""),
                    float(seconds) if isinstance(seconds, (int, float)) else None)
