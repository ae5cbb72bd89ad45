"""Real network failures on loopback, for the classifier's tests and the commands that report
failures: a port nothing listens on (refused), a server that accepts and never answers
(timeout), a TLS server with a self-signed certificate, an HTTP server that answers one
status, and a proxy that refuses to tunnel. A name under ``.invalid`` (RFC 6761) gives a
real DNS failure without leaving the machine's resolver.

``selfsigned.pem`` (certificate and key, valid until 2126, for 127.0.0.1 and localhost) is a
test fixture, trusted by nothing.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SELF_SIGNED = Path(__file__).with_name("selfsigned.pem")
#: a host name that can never resolve (RFC 6761 reserves .invalid)
UNRESOLVABLE_HOST = "conda-tuna-test.invalid"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """``http://127.0.0.1:<port>``: connections are accepted (by the kernel's backlog) and
    never answered, so a client's read times out."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


class _StatusHandler(BaseHTTPRequestHandler):
    status = 503

    def _answer(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _answer

    def do_CONNECT(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serve(status: int, tls: bool = False) -> Iterator[str]:
    handler = type("Handler", (_StatusHandler,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(SELF_SIGNED)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def status_server(status: int) -> contextlib.AbstractContextManager[str]:
    """``http://127.0.0.1:<port>`` answering every request with `status`."""
    return _serve(status)


def self_signed_server() -> contextlib.AbstractContextManager[str]:
    """``https://127.0.0.1:<port>`` with a self-signed certificate (answers 200 once
    trusted)."""
    return _serve(200, tls=True)


def refusing_proxy(status: int = 407) -> contextlib.AbstractContextManager[str]:
    """``http://127.0.0.1:<port>``, an HTTP proxy answering every request, CONNECT included,
    with `status` (407: it wants credentials)."""
    return _serve(status)
