"""Mirror URLs: one validator and one redaction, shared by every entry point.

Every place that takes a mirror URL (``--url``, ``plugins.tuna_mirror_url``,
``plugins.tuna_fallback_mirrors`` entries, ``$CONDA_TUNA_MIRRORS_OVERRIDE``, the catalog's
``custom_mirror``/``normalize_root``, pip's index for ``enable --pip``, the installer
download) validates it here, and every message that shows a URL or a configuration value
that may carry a secret passes it through :func:`redact`. ``scripts/bootstrap.sh`` enforces
the same rule in POSIX sh; ``tests/unit/base/test_urls.py`` runs both on one table of cases.

Public API
----------
``parse_mirror_url(text, what=None) -> MirrorURL``
    Parse and validate; :class:`TunaError` (naming `what`: the option, setting or file the
    URL came from, "The URL" by default; the URL redacted) otherwise.
    Rules: http or https only; no userinfo (``user:password@``), query, fragment or
    anaconda.org token path (``/t/<token>/``); no whitespace or control characters; the
    host is a DNS name (non-ASCII names are converted with IDNA), a dotted-quad IPv4
    address or a bracketed IPv6 address (no zone id); a port is 1-65535; an empty string
    is an error, never "use the default".
``check_mirror_url(text, allow_http=False, what=...) -> MirrorURL``
    :func:`parse_mirror_url`, plus: plain ``http://`` only on loopback or with `allow_http`.
``normalize_root(text, what=...) -> str``
    The mirror root conda-tuna stores: validated, lower-case host, no trailing slash, a
    pasted ``/anaconda[/pkgs|/cloud]`` suffix removed.
``is_loopback_host(host) -> bool``
    True only for an address in 127.0.0.0/8, ``::1``, or the name ``localhost``. Decided
    on the parsed address with :mod:`ipaddress`, never by string prefix
    (``127.evil.example`` is a DNS name, not loopback).
``has_credentials(url) -> bool``, ``host_port(url) -> str``
    Lenient helpers for URLs that are not mirror roots (channels, requests): never raise.
``redact(text) -> str``
    ``text`` (a URL, or a message containing URLs) with passwords, tokens and query
    values replaced by ``***``/``<TOKEN>``. Never raises, whatever the input.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from ..i18n import _
from .errors import TunaError

# architecture: pure

SCHEMES = ("http", "https")
LOOPBACK_NAMES = frozenset({"localhost"})
_ANACONDA_SUFFIXES = ("/anaconda/cloud", "/anaconda/pkgs", "/anaconda")
_TOKEN_RE = re.compile(r"/t/([^/]+)(?=/|$)")
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMERIC_LABEL_RE = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
_PORT_RE = re.compile(r"^[0-9]+$")
#: a URL inside free text: scheme://, then everything up to whitespace or a quote
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]*")
#: characters percent-encoding leaves alone in a path (all printable ASCII but space)
_PATH_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


@dataclass(frozen=True)
class MirrorURL:
    """A validated mirror URL: lower-case scheme and host, the port as a number."""

    scheme: str
    host: str  # ASCII, lower case; an IPv6 address without brackets
    port: int | None
    path: str  # percent-encoded ASCII, no trailing slash

    @property
    def is_ipv6(self) -> bool:
        return ":" in self.host

    @property
    def netloc(self) -> str:
        """host[:port], IPv6 in brackets: the unit requests are compared by."""
        host = f"[{self.host}]" if self.is_ipv6 else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}"

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.host)


# --------------------------------------------------------------------------- validation
def _error(what: str, url: str, problem: str) -> TunaError:
    """One shape for every URL error: what was given, what is wrong, what to do."""
    return TunaError(
        _("{what} {url} is not a usable mirror URL: {problem}").format(
            what=what, url=repr(redact(url)), problem=problem),
        hint=_("Give the mirror's root, e.g. https://mirrors.tuna.tsinghua.edu.cn "
               "(https://, no user name, password, token, query or fragment)."))


def _bad_character(text: str) -> str | None:
    """The first character no URL may hold (spaces, controls, line separators, BOM...)."""
    for char in text:
        if not char.isprintable() or char.isspace():
            return char
    return None


def parse_mirror_url(text: object, *, what: str | None = None) -> MirrorURL:
    """Validate `text` as a mirror URL; see the module docstring for the rules."""
    what = what or _("The URL")
    if not isinstance(text, str):
        raise _error(what, str(text), _("it must be text, not {kind}.").format(
            kind=type(text).__name__))
    url = text
    if not url.strip():
        raise TunaError(_("{what} is empty.").format(what=what),
                        hint=_("Give the mirror's root, e.g. "
                               "https://mirrors.tuna.tsinghua.edu.cn, or leave the option "
                               "out to use the default mirror."))
    bad = _bad_character(url)
    if bad is not None:
        raise _error(what, url, _("it contains the character {char}, which no URL may "
                                  "hold.").format(char=ascii(bad)))
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise _error(what, url, _("it must start with https:// (or http://)."))
    if "?" in rest or "#" in rest:
        raise _error(what, url, _("it must not have a query (?...) or a fragment (#...)."))
    if "\\" in rest:
        raise _error(what, url, _("it must not contain a backslash."))
    netloc = rest.split("/", 1)[0]  # RFC 3986: the authority ends at / (no ? or # here)
    if "@" in netloc:
        raise _error(what, url, _("it must not carry a user name or password; conda-tuna "
                                  "never sends credentials to a mirror."))
    host, port = _split_netloc(netloc, what, url)
    path = rest[len(netloc):]
    if _TOKEN_RE.search(path):
        raise _error(what, url, _("it must not carry an anaconda.org token (/t/...); "
                                  "conda-tuna never sends credentials to a mirror."))
    path = quote(path, safe=_PATH_SAFE).rstrip("/")
    return MirrorURL(scheme.lower(), host, port, path)


def _split_netloc(netloc: str, what: str, url: str) -> tuple[str, int | None]:
    """(host, port) from host[:port] or [ipv6][:port]; TunaError when either is invalid."""
    if netloc.startswith("["):
        inside, closed, after = netloc[1:].partition("]")
        if not closed:
            raise _error(what, url, _("the IPv6 address has no closing bracket ]."))
        host = _ipv6(inside, what, url)
        if after and not after.startswith(":"):
            raise _error(what, url, _("unexpected text after the IPv6 address."))
        return host, _port(after[1:], what, url) if after else None
    if netloc.count(":") > 1:
        raise _error(what, url, _("an IPv6 address must be written in brackets, e.g. "
                                  "http://[::1]:8000."))
    host, colon, port = netloc.partition(":")
    return _host(host, what, url), _port(port, what, url) if colon else None


def _port(text: str, what: str, url: str) -> int:
    problem = _("the port {port} is not a number from 1 to 65535.").format(port=repr(text))
    if not _PORT_RE.fullmatch(text) or len(text.lstrip("0")) > 5:
        raise _error(what, url, problem)
    number = int(text)
    if not 1 <= number <= 65535:
        raise _error(what, url, problem)
    return number


def _ipv6(text: str, what: str, url: str) -> str:
    if "%" in text:
        raise _error(what, url, _("an IPv6 zone id (%...) is not supported."))
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        raise _error(what, url, _("{host} is not a valid IPv6 address.").format(
            host=repr(text))) from None


def _host(text: str, what: str, url: str) -> str:
    """A DNS name (IDNA for non-ASCII) or a dotted-quad IPv4 address, lower case."""
    if not text:
        raise _error(what, url, _("it has no host name."))
    host = text
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _error(what, url, _("the host name {host} cannot be converted to its "
                                      "ASCII (IDNA) form.").format(host=repr(text))) from None
    host = host.lower()
    labels = host.split(".")
    if _NUMERIC_LABEL_RE.fullmatch(labels[-1]):
        # a name ending in a number is an IPv4 address to every URL parser: it must be a
        # plain dotted quad (no 127.1, 0x7f.1 or 2130706433 shorthands)
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise _error(what, url, _("{host} is not a valid IPv4 address (write all four "
                                      "numbers, e.g. 127.0.0.1).").format(
                                          host=repr(text))) from None
    if len(host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise _error(what, url, _("{host} is not a valid host name.").format(host=repr(text)))
    return host


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the name localhost: where http:// stays on this machine.

    `host` may carry IPv6 brackets; anything that is not an address of the loopback
    network or the literal name ``localhost`` is not loopback (no prefix tests).
    """
    if not isinstance(host, str):
        return False
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if address.version == 4:
        return address.is_loopback
    return address == ipaddress.IPv6Address("::1")


def check_mirror_url(text: object, *, allow_http: bool = False,
                     what: str | None = None) -> MirrorURL:
    """:func:`parse_mirror_url`, and plain http:// only on loopback or with `allow_http`.

    http:// on another host can be tampered with on the way: packages, or an installer
    that is then run.
    """
    parsed = parse_mirror_url(text, what=what)
    if parsed.scheme == "http" and not allow_http and not parsed.loopback:
        raise TunaError(
            _("{url} is plain http:// on a non-loopback host; packages could be altered in "
              "transit.").format(url=parsed.url),
            hint=_("Use https://, or pass --allow-http if you trust this network."))
    return parsed


def normalize_root(text: object, *, what: str | None = None) -> str:
    """The root conda-tuna stores for a mirror URL: validated, no /anaconda suffix."""
    parsed = parse_mirror_url(text, what=what)
    path = parsed.path
    for suffix in _ANACONDA_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)].rstrip("/")
            break
    return f"{parsed.scheme}://{parsed.netloc}{path}"


# --------------------------------------------------------------------------- lenient helpers
def _netloc_of(url: str) -> str:
    """The netloc of `url` as written (no parsing that could raise)."""
    rest = url.split("://", 1)[1] if "://" in url else ""
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def host_port(url: str) -> str:
    """host[:port] of any URL as written, lower case, without userinfo; never raises."""
    return _netloc_of(url).rpartition("@")[2].lower()


def has_credentials(url: str) -> bool:
    """True when a URL carries a user name or password, or an anaconda.org token path."""
    if not isinstance(url, str) or "://" not in url:
        return False
    rest = url.split("://", 1)[1]
    path = rest[len(_netloc_of(url)):]
    return "@" in _netloc_of(url) or bool(_TOKEN_RE.search(re.split(r"[?#]", path)[0]))


# --------------------------------------------------------------------------- redaction
def _redact_url(url: str) -> str:
    scheme, _sep, rest = url.partition("://")
    netloc = _netloc_of(url)
    tail = rest[len(netloc):]
    if "@" in netloc:
        userinfo, _at, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{hostport}" if ":" in userinfo else f"***@{hostport}"
    path, qmark, query = tail.partition("?")
    fragment = ""
    if "#" in (query if qmark else path):
        if qmark:
            query, _h, fragment = query.partition("#")
        else:
            path, _h, fragment = path.partition("#")
        fragment = "#" + fragment
    path = _TOKEN_RE.sub("/t/<TOKEN>", path)
    if qmark:
        query = "&".join(f"{part.partition('=')[0]}=***" if "=" in part else part
                         for part in query.split("&"))
    return f"{scheme}://{netloc}{path}{qmark}{query}{fragment}"


def redact(text: object) -> str:
    """`text` with every URL's password, token and query values hidden; never raises.

    Works on one URL or on a whole message (every ``scheme://...`` in it is redacted), so
    error messages can be passed through it as a last line of defence.
    """
    value = text if isinstance(text, str) else str(text)
    return _URL_IN_TEXT.sub(lambda m: _redact_url(m.group(0)), value)
