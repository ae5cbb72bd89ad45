"""mirror_health: probes, the probe round's single deadline, auto choice, fallbacks, overrides.

Probes run against loopback servers from tests/support/mirror.py (stdlib only); nothing
here contacts a real mirror. No timing assertions: a hanging mirror must be reported as
timed out and the call must return.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conda_tuna.base.errors import TunaError
from conda_tuna.mirrors import health as mh
from conda_tuna.mirrors.catalog import MIRRORS
from tests.support.mirror import Fault, MirrorServer, MirrorTree, Pkg, tunasync_job

CONFIG = mh.ProbeConfig(user_agent="conda-tuna-tests/1.0", proxies={})


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    tree = MirrorTree(tmp_path_factory.mktemp("mini"))
    tree.add("pkgs/main", Pkg("tiny", "1.0", "linux-64"))
    tree.write(subdirs=("linux-64",))
    tree.write_tunasync([tunasync_job("anaconda"), tunasync_job("pypi")])
    return tree


def test_probe_ok_sends_user_agent_and_uses_head(tree):
    with MirrorServer(tree.root) as server:
        url = f"{server.url}/anaconda/pkgs/main/linux-64/repodata.json"
        result = mh.http_probe(url, 3, CONFIG, "m")
        assert result.healthy and result.http_status == 200
        assert result.latency_ms is not None
        (request,) = server.requests
        assert request.method == "HEAD"
        assert request.headers["User-Agent"] == "conda-tuna-tests/1.0"


def test_probe_states_for_404_503_and_refused(tree):
    with MirrorServer(tree.root) as server:
        server.faults["/bad/"] = Fault(status=503)
        assert mh.http_probe(f"{server.url}/nope.json", 3, CONFIG).state == mh.MISSING
        bad = mh.http_probe(f"{server.url}/bad/x", 3, CONFIG)
        host = server.url.split("://", 1)[1]
        assert (bad.state, bad.http_status, bad.kind, bad.describe()) == (
            mh.ERROR, 503, "http", f"{host} answered HTTP 503 Service Unavailable")
        assert bad.to_json()["error"]["http_status"] == 503
        port = server.url.rsplit(":", 1)[1]
    refused = mh.http_probe(f"http://127.0.0.1:{port}/x", 3, CONFIG)
    assert refused.state == mh.DOWN and not refused.healthy
    # issue 12: words, never an errno; the machine kind for --json
    assert refused.kind == "refused" and refused.to_json()["kind"] == "refused"
    assert refused.describe() == f"127.0.0.1:{port} refused the connection"


def test_probe_failures_in_words(tmp_path):
    """DNS, a server that never answers and a self-signed certificate, probed for real."""
    from tests.support.netfaults import UNRESOLVABLE_HOST, self_signed_server, silent_server

    dns = mh.http_probe(f"https://{UNRESOLVABLE_HOST}/x", 1, CONFIG)
    assert (dns.state, dns.kind) == (mh.DOWN, "dns")
    assert dns.describe() == f"cannot resolve the host name {UNRESOLVABLE_HOST} (DNS)"
    with silent_server() as url:
        slow = mh.probe_all({"slow": f"{url}/x"}, 0.3, CONFIG)["slow"]
    assert (slow.state, slow.kind) == (mh.TIMEOUT, "timeout")
    assert "timed out" in slow.describe() and "0.3 s" in slow.describe()
    with self_signed_server() as url:
        tls = mh.http_probe(f"{url}/x", 2, CONFIG)
    assert (tls.state, tls.kind) == (mh.DOWN, "tls")
    assert "self-signed certificate" in tls.describe()


def test_probe_through_a_refused_proxy_names_the_proxy():
    from tests.support.netfaults import closed_port

    port = closed_port()
    config = CONFIG._replace(proxies={"http": f"http://127.0.0.1:{port}"})
    result = mh.http_probe("http://mirrors.example.invalid/x", 1, config)
    assert (result.kind, result.error.cause) == ("proxy", "refused")
    assert result.describe() == f"the proxy 127.0.0.1:{port} refused the connection"


def test_head_refused_falls_back_to_one_byte_get():
    seen: list[tuple[str, str | None]] = []

    class NoHead(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_HEAD(self):
            seen.append(("HEAD", None))
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            seen.append(("GET", self.headers.get("Range")))
            body = b"{"
            self.send_response(206)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NoHead)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        result = mh.http_probe(f"http://127.0.0.1:{httpd.server_address[1]}/r.json", 3, CONFIG)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.healthy and result.http_status == 206
    assert seen == [("HEAD", None), ("GET", "bytes=0-0")]


def test_probe_round_reports_hanging_mirror_as_timed_out_and_returns(tree):
    with MirrorServer(tree.root) as good, MirrorServer(tree.root) as hang, \
            MirrorServer(tree.root) as broken:
        hang.faults["/"] = Fault(hang=True)
        broken.faults["/"] = Fault(status=503)
        path = "/anaconda/pkgs/main/linux-64/repodata.json"
        results = mh.probe_all({"good": good.url + path, "hang": hang.url + path,
                                "broken": broken.url + path}, 0.5, CONFIG)
    assert results["good"].healthy
    assert results["hang"].state == mh.TIMEOUT
    assert results["broken"].state == mh.ERROR
    assert list(results) == ["good", "hang", "broken"]


def test_probe_round_survives_a_probe_that_raises():
    def explode(url, timeout, config, name):
        raise RuntimeError("boom")

    result = mh.probe_all({"x": "http://127.0.0.1:9/"}, 1, CONFIG, explode)["x"]
    assert result.state == mh.DOWN and "boom" in result.detail


def fake_probe(latencies: dict[str, float | None]):
    """A probe answering by URL substring: latency in ms, or None for HTTP 503."""
    def probe(url, timeout, config, name):
        ms = latencies[name]
        if ms is None:
            return mh.ProbeResult(name, url, mh.ERROR, 503)
        return mh.ProbeResult(name, url, mh.OK, 200, ms)
    return probe


def test_pick_fastest_healthy_and_skip_mirrors_without_subdir():
    mirrors = {n: MIRRORS[n] for n in ("tuna", "bfsu", "sjtug")}
    probe = fake_probe({"tuna": 80.0, "bfsu": None, "sjtug": 5.0})
    x86 = mh.pick_fastest(mirrors, "linux-64", 1, CONFIG, probe)
    assert x86.mirror.name == "sjtug"
    assert "bfsu: mirrors.bfsu.edu.cn answered HTTP 503" in x86.reason
    arm = mh.pick_fastest(mirrors, "linux-aarch64", 1, CONFIG, probe)
    assert arm.mirror.name == "tuna"  # sjtug is faster but has no linux-aarch64
    assert "sjtug" not in arm.results and "sjtug skipped" in arm.reason
    assert arm.results["tuna"].url.endswith("/pkgs/main/linux-aarch64/repodata.json")


def test_pick_fastest_fails_clearly_when_nothing_answers():
    mirrors = {"tuna": MIRRORS["tuna"]}
    with pytest.raises(TunaError, match="No mirror answered"):
        mh.pick_fastest(mirrors, "linux-64", 1, CONFIG, fake_probe({"tuna": None}))


def test_default_fallback_is_sister_then_upstream():
    chain, notes = mh.fallback_chain(MIRRORS["tuna"], [], MIRRORS)
    assert chain == [MIRRORS["bfsu"], None] and not notes
    chain, _ = mh.fallback_chain(MIRRORS["bfsu"], [], MIRRORS)
    assert chain == [MIRRORS["tuna"], None]
    chain, _ = mh.fallback_chain(MIRRORS["nju"], [], MIRRORS)
    assert chain == [None]


def test_configured_fallbacks_names_urls_upstream_and_bad_entries():
    chain, notes = mh.fallback_chain(
        MIRRORS["tuna"],
        ["tuna", "NJU", "http://127.0.0.1:8000/", "upstream", "nowhere",
         "http://mirror.example.com"],
        MIRRORS)
    assert [m.name if m else None for m in chain] == ["nju", "custom", None]
    assert chain[1].root == "http://127.0.0.1:8000"
    assert any("nowhere" in n for n in notes)
    assert any("mirror.example.com" in n and "http://" in n for n in notes)


def test_switch_command_names_one_command():
    assert mh.switch_command(MIRRORS["bfsu"]) == "conda tuna enable --mirror bfsu"
    assert mh.switch_command(None) == "conda tuna disable"
    moved = mh.find_mirror("http://127.0.0.1:9999", MIRRORS)
    assert mh.switch_command(moved) == "conda tuna enable --url http://127.0.0.1:9999"


def test_override_file_keeps_catalog_coverage(tmp_path):
    path = tmp_path / "mirrors.json"
    path.write_text(json.dumps({"sjtug": "http://127.0.0.1:1/", "mine": "http://127.0.0.1:2"}))
    mirrors = mh.known_mirrors({mh.OVERRIDE_ENV: str(path)})
    assert set(mirrors) == {"sjtug", "mine"}
    assert mirrors["sjtug"].root == "http://127.0.0.1:1"
    assert "linux-aarch64" not in mirrors["sjtug"].pkgs_subdirs
    assert "linux-aarch64" in mirrors["mine"].pkgs_subdirs
    assert mh.known_mirrors({}) == dict(MIRRORS)
    path.write_text("[1, 2]")
    with pytest.raises(TunaError, match="name: root URL"):
        mh.known_mirrors({mh.OVERRIDE_ENV: str(path)})


def test_fetch_json_and_its_failures(tree):
    with MirrorServer(tree.root) as server:
        data = mh.fetch_json(f"{server.url}/static/tunasync.json", 3, CONFIG)
        assert {job["name"] for job in data} == {"anaconda", "pypi"}
        with pytest.raises(TunaError, match="HTTP 404"):
            mh.fetch_json(f"{server.url}/missing.json", 3, CONFIG)
        server.faults["/static/"] = Fault(hang=True)
        with pytest.raises(TunaError, match=r"no answer|timed out"):
            mh.fetch_json(f"{server.url}/static/tunasync.json", 0.3, CONFIG)


def test_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setattr(mh.sys, "platform", "linux")
    assert mh.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "conda-tuna"
    assert mh.cache_dir({"HOME": str(tmp_path)}) == tmp_path / ".cache" / "conda-tuna"


class _GzipJSON(BaseHTTPRequestHandler):
    """Answers every GET with a gzip-encoded JSON list when the client accepts gzip."""

    def do_GET(self):
        import gzip

        body = json.dumps([tunasync_job("anaconda", age_hours=5)]).encode()
        gz = "gzip" in (self.headers.get("Accept-Encoding") or "")
        payload = gzip.compress(body) if gz else body
        self.send_response(200)
        if gz:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_fetch_asks_for_gzip_and_never_raises():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GzipJSON)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/static/tunasync.json"
        got = mh.fetch(url, 3, CONFIG)
        assert got.state == mh.OK and got.http_status == 200
        assert json.loads(got.body)[0]["name"] == "anaconda"
    finally:
        server.shutdown()
        server.server_close()
    refused = mh.fetch(url, 1, CONFIG)
    assert refused.state == mh.DOWN and refused.http_status is None
    assert refused.error is not None and refused.error.kind == "refused"
    with pytest.raises(mh.FetchError) as caught:
        mh.fetch_json(url, 1, CONFIG)
    assert caught.value.error.kind == "refused" and "Errno" not in str(caught.value)


def test_upstream_override_replaces_the_roots_it_names(tmp_path):
    path = tmp_path / "upstreams.json"
    path.write_text(json.dumps({"https://repo.anaconda.com/": "http://127.0.0.1:9/"}))
    ups = mh.known_upstreams({mh.UPSTREAMS_OVERRIDE_ENV: str(path)})
    roots = {u.root for u in ups}
    assert "http://127.0.0.1:9" in roots and "https://repo.anaconda.com" not in roots
    assert "https://conda.anaconda.org" in roots
    assert mh.known_upstreams({}) == mh.UPSTREAMS
    path.write_text("[1, 2]")
    with pytest.raises(TunaError, match=mh.UPSTREAMS_OVERRIDE_ENV):
        mh.known_upstreams({mh.UPSTREAMS_OVERRIDE_ENV: str(path)})
