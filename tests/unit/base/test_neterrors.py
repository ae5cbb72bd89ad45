"""The network-error classifier on real exceptions, made against loopback: a closed port, an
unresolvable .invalid name, a server that never answers, a self-signed TLS server, an HTTP
error status and a proxy that refuses to tunnel; through urllib (what conda-tuna's own
requests use) and requests/urllib3 (what conda uses), so the wrapped chains are the real
ones."""

from __future__ import annotations

import errno
import gettext
import io
import socket
import ssl
import urllib.error
import urllib.request

import pytest

from conda_tuna.base import neterrors
from conda_tuna.base.neterrors import (
    DNS,
    HTTP,
    KINDS,
    OTHER,
    PROXY,
    REFUSED,
    RESET,
    TIMEOUT,
    TLS,
    UNREACHABLE,
    NetError,
    classify,
    from_json,
    from_status,
)
from conda_tuna.i18n import LOCALE_DIR
from tests.support.netfaults import (
    UNRESOLVABLE_HOST,
    closed_port,
    refusing_proxy,
    self_signed_server,
    silent_server,
    status_server,
)

TIMEOUT_S = 0.5
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "conda_tuna.po"


def urllib_error(url: str, proxy: str | None = None) -> BaseException:
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {})]
    opener = urllib.request.build_opener(*handlers)
    try:
        opener.open(url, timeout=TIMEOUT_S).close()
    except Exception as exc:
        return exc
    raise AssertionError(f"{url} answered")


def requests_error(url: str, proxy: str | None = None) -> BaseException:
    requests = pytest.importorskip("requests")
    session = requests.Session()
    session.trust_env = False
    try:
        session.get(url, timeout=TIMEOUT_S,
                    proxies={"http": proxy, "https": proxy} if proxy else None).close()
    except Exception as exc:
        return exc
    raise AssertionError(f"{url} answered")


CLIENTS = {"urllib": urllib_error, "requests": requests_error}


@pytest.fixture(params=sorted(CLIENTS))
def fetch(request):
    return CLIENTS[request.param]


def no_errno(text: str) -> None:
    assert "Errno" not in text and "WinError" not in text, text


def test_refused(fetch):
    port = closed_port()
    exc = fetch(f"http://127.0.0.1:{port}/anaconda/pkgs/main/noarch/repodata.json")
    err = classify(exc, f"http://127.0.0.1:{port}/anaconda/")
    assert err.kind == REFUSED
    assert err.host == f"127.0.0.1:{port}"
    assert "refused the connection" in err.summary()
    no_errno(err.summary())
    assert "conda tuna mirrors --probe" in err.next_step()


def test_refused_host_found_without_url():
    """requests' exceptions carry the request; conda's exception observer has no URL."""
    port = closed_port()
    err = classify(requests_error(f"http://127.0.0.1:{port}/x"))
    assert (err.kind, err.host) == (REFUSED, f"127.0.0.1:{port}")


def test_dns(fetch):
    url = f"https://{UNRESOLVABLE_HOST}/anaconda/pkgs/main/noarch/repodata.json"
    err = classify(fetch(url), url)
    assert err.kind == DNS
    assert err.host == UNRESOLVABLE_HOST
    assert err.summary() == f"cannot resolve the host name {UNRESOLVABLE_HOST} (DNS)"
    assert "DNS" in err.next_step()
    assert "Name or service not known" in err.detail or err.detail  # the technical text kept


def test_bare_gaierror():
    try:
        socket.getaddrinfo(UNRESOLVABLE_HOST, 443)
    except socket.gaierror as exc:
        err = classify(exc, f"https://{UNRESOLVABLE_HOST}")
    assert err.kind == DNS


def test_timeout(fetch):
    with silent_server() as url:
        err = classify(fetch(f"{url}/x"), url, seconds=TIMEOUT_S)
    assert err.kind == TIMEOUT
    assert err.summary() == f"timed out: no answer from {url[7:]} within 0.5 s"


def test_tls_self_signed(fetch):
    with self_signed_server() as url:
        err = classify(fetch(f"{url}/x"), url)
    assert err.kind == TLS
    assert err.reason == "self-signed certificate"
    assert err.summary() == (f"secure connection to {url[8:]} failed (TLS/certificate "
                             "problem: self-signed certificate)")
    assert "ssl_verify" in err.next_step()


def test_tls_handshake_that_never_finishes_is_a_timeout(fetch):
    with silent_server() as url:
        err = classify(fetch("https" + url[4:] + "/x"), url)
    assert err.kind == TIMEOUT


def test_tls_wrong_protocol(fetch):
    """An https:// URL at a plain-http server: TLS, with the SSL reason, without its codes."""
    with status_server(200) as url:
        err = classify(fetch("https" + url[4:] + "/x"), url)
    assert err.kind == TLS
    assert "_ssl.c" not in err.summary() and "[SSL" not in err.summary()


@pytest.mark.parametrize("status", [404, 503])
def test_http_status(status):
    """urllib raises HTTPError (requests returns the response: see raise_for_status below)."""
    with status_server(status) as url:
        exc = urllib_error(f"{url}/x")
        assert isinstance(exc, urllib.error.HTTPError)
        err = classify(exc, url)
    assert (err.kind, err.status) == (HTTP, status)
    assert err.summary().startswith(f"{url[7:]} answered HTTP {status}")


def test_requests_raise_for_status():
    requests = pytest.importorskip("requests")
    with status_server(502) as url:
        response = requests.get(f"{url}/x", timeout=TIMEOUT_S)
        try:
            response.raise_for_status()
        except requests.HTTPError as exc:
            err = classify(exc)
    assert (err.kind, err.status, err.host) == (HTTP, 502, url[7:])
    assert "try again later" in err.next_step()


def test_proxy_refused_by_requests():
    port = closed_port()
    err = classify(requests_error(f"http://{UNRESOLVABLE_HOST}/x",
                                  proxy=f"http://127.0.0.1:{port}"))
    assert (err.kind, err.cause, err.host) == (PROXY, REFUSED, f"127.0.0.1:{port}")
    assert err.summary() == f"the proxy 127.0.0.1:{port} refused the connection"
    assert "proxy_servers" in err.next_step()


def test_proxy_refused_by_urllib_when_the_caller_names_it():
    port = closed_port()
    proxy = f"http://127.0.0.1:{port}"
    exc = urllib_error(f"http://{UNRESOLVABLE_HOST}/x", proxy=proxy)
    assert classify(exc, f"http://{UNRESOLVABLE_HOST}/x").kind == REFUSED
    err = classify(exc, f"http://{UNRESOLVABLE_HOST}/x", proxy=proxy)
    assert (err.kind, err.cause, err.host) == (PROXY, REFUSED, f"127.0.0.1:{port}")


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_proxy_refusing_to_tunnel(client):
    with refusing_proxy(407) as proxy:
        exc = CLIENTS[client]("https://mirrors.example.invalid/x", proxy=proxy)
        err = classify(exc, "https://mirrors.example.invalid/x", proxy=proxy)
    assert (err.kind, err.status) == (PROXY, 407)
    assert "407" in err.summary()


def test_reset_and_unreachable_from_errnos():
    assert classify(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")).kind \
        == RESET
    assert classify(OSError(errno.ENETUNREACH, "Network is unreachable"), "https://a.b").kind \
        == UNREACHABLE
    err = classify(urllib.error.URLError(OSError(errno.EHOSTUNREACH, "No route to host")),
                   "https://mirrors.example.cn/anaconda")
    assert (err.kind, err.host) == (UNREACHABLE, "mirrors.example.cn")


def test_windows_errnos():
    assert classify(OSError(10061, "No connection could be made")).kind == REFUSED
    assert classify(OSError(11001, "getaddrinfo failed")).kind == DNS


def test_other_has_no_errno_in_words():
    err = classify(OSError(errno.EMFILE, "Too many open files"), "https://m.example.cn")
    assert err.kind == OTHER
    assert err.summary() == "cannot connect to m.example.cn: Too many open files"


def test_credentials_never_shown():
    exc = urllib.error.URLError(ConnectionRefusedError(
        errno.ECONNREFUSED, "refused https://u:secret@h.example/t/tk-123/x"))
    err = classify(exc, "https://u:secret@h.example:8443/t/tk-123/conda-forge")
    assert err.host == "h.example:8443"
    text = repr(err.to_json()) + err.summary() + err.next_step()
    assert "secret" not in text and "tk-123" not in text


def test_conda_http_error_shape():
    """conda's CondaHTTPError: status_code "000" and the requests error in caused_by."""
    class CondaHTTPError(Exception):
        def __init__(self, status_code, caused_by):
            super().__init__("HTTP 000 CONNECTION FAILED for url <https://m.example.cn/x>")
            self.status_code = status_code
            self.caused_by = caused_by
            self.url = "https://m.example.cn/x"

    inner = requests_error(f"http://127.0.0.1:{closed_port()}/x")
    assert classify(CondaHTTPError("000", inner)).kind == REFUSED
    assert (classify(CondaHTTPError(404, None)).kind, classify(CondaHTTPError(404, None)).status) \
        == (HTTP, 404)


def test_status_answers():
    assert from_status(503, "Service Unavailable", "https://m.example.cn/x").summary() == \
        "m.example.cn answered HTTP 503 Service Unavailable"
    assert from_status(407, "", "http://proxy.example:3128").kind == PROXY


def test_json_round_trip_and_kinds_are_stable():
    assert KINDS == ("dns", "refused", "timeout", "tls", "proxy", "http", "reset",
                     "unreachable", "other")
    err = NetError(TLS, "h.example", "SSLCertVerificationError: ...", None,
                   "self-signed certificate")
    assert from_json(err.to_json()) == err
    assert from_json({"kind": "nonsense"}) is None


def compiled_catalog() -> gettext.GNUTranslations:
    """The zh_CN catalog compiled from the .po in the source tree (as the build does)."""
    pofile = pytest.importorskip("babel.messages.pofile")
    mofile = pytest.importorskip("babel.messages.mofile")
    with PO.open("rb") as f:
        catalog = pofile.read_po(f)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def test_words_in_chinese(monkeypatch):
    """Every kind has words in both languages (the catalog has each message)."""
    catalog = compiled_catalog()
    monkeypatch.setattr(neterrors, "_", catalog.gettext)
    samples = [NetError(DNS, "h"), NetError(REFUSED, "h"), NetError(TIMEOUT, "h", seconds=3),
               NetError(TIMEOUT, "h"), NetError(TLS, "h", reason="x"), NetError(TLS, "h"),
               NetError(PROXY, "h", status=407, reason="x"), NetError(PROXY, "h", cause=DNS),
               NetError(PROXY, "h", cause=REFUSED), NetError(PROXY, "h", cause=TIMEOUT),
               NetError(PROXY, "h", cause=OTHER), NetError(HTTP, "h", status=404, reason="x"),
               NetError(HTTP, "h", status=403), NetError(HTTP, "h", status=503),
               NetError(HTTP, "h", status=418), NetError(RESET, "h"),
               NetError(UNREACHABLE, "h"), NetError(OTHER, "h", reason="x"), NetError(OTHER)]
    for err in samples:
        for text in (err.summary(), err.next_step()):
            assert not text.isascii(), f"no translation: {text}"


def test_ssl_error_classes_directly():
    err = classify(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number "
                                   "(_ssl.c:1006)"), "https://h.example")
    assert (err.kind, err.reason) == (TLS, "wrong version number")
