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
