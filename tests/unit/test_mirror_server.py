"""The test mirror itself: real packages, repodata, request log and faults."""

from __future__ import annotations

import json
import tarfile
import urllib.error
import urllib.request

import pytest

from tests.support.mirror import Fault, MirrorServer, MirrorTree, Pkg, tunasync_job


@pytest.fixture
def tree(tmp_path):
    t = MirrorTree(tmp_path)
    t.add("pkgs/main", Pkg("a", "1.0", "linux-64", depends=["b"]), Pkg("b", "2.0", "noarch",
                                                                       noarch="generic"))
    t.write()
    t.write_tunasync([tunasync_job("anaconda", age_hours=2, failed=True)])
    return t


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


def test_repodata_and_package_are_real(tree):
    repodata = json.loads((tree.root / "anaconda/pkgs/main/linux-64/repodata.json").read_text())
    record = repodata["packages"]["a-1.0-h0_0.tar.bz2"]
    assert record["depends"] == ["b"] and len(record["sha256"]) == 64
    with tarfile.open(tree.root / "anaconda/pkgs/main/linux-64/a-1.0-h0_0.tar.bz2") as tar:
        index = json.load(tar.extractfile("info/index.json"))
    assert index["name"] == "a" and index["subdir"] == "linux-64"
    assert (tree.root / "anaconda/pkgs/main/linux-aarch64/repodata.json").exists()


def test_tunasync_failed_job(tree):
    job = json.loads((tree.root / "static/tunasync.json").read_text())[0]
    assert job["last_ended_ts"] != job["last_update_ts"]


def test_server_logs_and_injects_faults(tree):
    with MirrorServer(tree.root) as server:
        status, body = get(server.url + "/anaconda/pkgs/main/noarch/repodata.json")
        assert status == 200 and json.loads(body)["info"]["subdir"] == "noarch"
        assert get(server.url + "/missing")[0] == 404
        server.faults["/anaconda/"] = Fault(status=503)
        assert get(server.url + "/anaconda/pkgs/main/noarch/repodata.json")[0] == 503
        assert [r.status for r in server.requests] == [200, 404, 503]
        assert server.paths()[0] == "/anaconda/pkgs/main/noarch/repodata.json"


def test_rewind_forgets_requests_and_gives_back_one_shot_faults(tree):
    """What a repeated conda run (tests/support/conda_runner.py) relies on."""
    url = "/anaconda/pkgs/main/noarch/repodata.json"
    with MirrorServer(tree.root) as server:
        get(server.url + "/missing")
        server.suffix_faults["repodata.json"] = Fault(status=503, times=1)
        mark = server.mark()
        assert [get(server.url + url)[0] for _ in range(2)] == [503, 200]
        server.rewind(mark)
        assert server.paths() == ["/missing"]
        assert [get(server.url + url)[0] for _ in range(2)] == [503, 200]


def test_stop_returns_at_once_and_releases_hanging_handlers(tree):
    """stop() wakes the accept loop and every handler a Fault(hang=True) holds, so a test's
    teardown does not wait for a poll interval or a 60 s hang."""
    import contextlib
    import socket
    import threading
    import time

    server = MirrorServer(tree.root).start()
    server.faults["/hang/"] = Fault(hang=True)
    def hanging_request() -> None:
        with contextlib.suppress(OSError):  # the server closes it without an answer
            urllib.request.urlopen(server.url + "/hang/x", timeout=30)

    client = threading.Thread(target=hanging_request, daemon=True)
    client.start()
    for _ in range(500):  # until the handler is hanging (bounded; no timing assertion)
        if server.paths():
            break
        time.sleep(0.01)
    assert server.paths() == ["/hang/x"]
    address = server._httpd.server_address[:2]
    server.stop()
    assert not server._thread.is_alive()  # the accept loop has exited, not just been asked to
    client.join(timeout=30)
    assert not client.is_alive()  # the hanging handler let go
    with pytest.raises(OSError):
        socket.create_connection(address, timeout=1)
    server.stop()  # a second stop is harmless
