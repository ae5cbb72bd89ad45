"""download.py against a loopback mirror: streaming, resume after a cut connection,
checksum verification, atomic placement, User-Agent (no conda needed)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from conda_tuna.base.errors import TunaError
from conda_tuna.installers.download import download, fetch_published_sha256
from tests.support.mirror import Fault, MirrorServer

DIR = "/github-release/conda-forge/miniforge/LatestRelease"
NAME = "Miniforge3-Linux-x86_64.sh"
SIZE = 2_000_000


@pytest.fixture
def payload() -> bytes:
    return os.urandom(SIZE)


@pytest.fixture
def server(tmp_path_factory, payload):
    root = tmp_path_factory.mktemp("mirror")
    target = root / DIR.lstrip("/")
    target.mkdir(parents=True)
    (target / NAME).write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()
    (target / (NAME + ".sha256")).write_text(f"{digest}  {NAME}\n")
    with MirrorServer(root, "tuna") as srv:
        srv.ranges = True
        yield srv


def url(server) -> str:
    return f"{server.url}{DIR}/{NAME}"


def installer_requests(server):
    return [r for r in server.requests if r.path == f"{DIR}/{NAME}"]


def test_download_verified_and_atomic(server, tmp_path, payload):
    out = tmp_path / "out"
    result = download(url(server), out, checksum_url=url(server) + ".sha256")
    assert (out / NAME).read_bytes() == payload
    assert result.verified and result.sha256 == hashlib.sha256(payload).hexdigest()
    assert result.checksum_url == url(server) + ".sha256" and "verified" in result.note
    assert sorted(p.name for p in out.iterdir()) == [NAME]  # no .part left behind
    assert all(r.headers.get("User-Agent", "").startswith("conda-tuna/")
               for r in server.requests)


def test_resume_after_cut_connection_within_one_call(server, tmp_path, payload):
    # the .sha256 sidecar shares the prefix and is fetched first: the 2nd request is cut
    server.faults[f"{DIR}/{NAME}"] = Fault(truncate_after=700_000, times=2)
    result = download(url(server), tmp_path, checksum_url=url(server) + ".sha256")
    assert (tmp_path / NAME).read_bytes() == payload and result.verified
    assert result.resumed_from == 700_000
    first, second = installer_requests(server)
    assert "Range" not in first.headers
    assert second.headers["Range"] == "bytes=700000-" and second.status == 206
    assert second.headers.get("If-Range")  # a changed file would be fetched whole


def test_interrupted_download_resumes_on_next_run(server, tmp_path, payload):
    server.faults[f"{DIR}/{NAME}"] = Fault(truncate_after=500_000, times=2)
    with pytest.raises(TunaError, match="interrupted after 500000 bytes") as exc:
        download(url(server), tmp_path, checksum_url=url(server) + ".sha256", retries=0)
    assert "resumes where it stopped" in str(exc.value)
    assert not (tmp_path / NAME).exists()
    assert (tmp_path / (NAME + ".part")).stat().st_size == 500_000
    result = download(url(server), tmp_path, checksum_url=url(server) + ".sha256", retries=0)
    assert result.resumed_from == 500_000 and result.verified
    assert (tmp_path / NAME).read_bytes() == payload
    assert not (tmp_path / (NAME + ".part")).exists()


def test_file_changed_on_mirror_between_attempts_is_fetched_whole(server, tmp_path):
    server.faults[f"{DIR}/{NAME}"] = Fault(truncate_after=300_000, times=1)
    with pytest.raises(TunaError):
        download(url(server), tmp_path, retries=0)
    new = os.urandom(SIZE // 2)
    target = server.root / DIR.lstrip("/") / NAME
    target.write_bytes(new)
    os.utime(target, (1_800_000_000, 1_800_000_000))  # a new Last-Modified
    result = download(url(server), tmp_path, expected_sha256=hashlib.sha256(new).hexdigest())
    assert (tmp_path / NAME).read_bytes() == new and result.resumed_from == 0
    assert installer_requests(server)[-1].status == 200


def test_server_without_range_support_restarts_from_zero(server, tmp_path, payload):
    server.ranges = False
    server.faults[f"{DIR}/{NAME}"] = Fault(truncate_after=400_000, times=1)
    result = download(url(server), tmp_path,
                      expected_sha256=hashlib.sha256(payload).hexdigest())
    assert (tmp_path / NAME).read_bytes() == payload and result.verified
    assert result.resumed_from == 0


def test_checksum_mismatch_rejected_and_partial_removed(server, tmp_path):
    sidecar = server.root / DIR.lstrip("/") / (NAME + ".sha256")
    sidecar.write_text("0" * 64 + f"  {NAME}\n")
    with pytest.raises(TunaError, match="Checksum mismatch") as exc:
        download(url(server), tmp_path, checksum_url=url(server) + ".sha256")
    assert "deleted" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_mismatch_keeps_an_existing_good_file_untouched(server, tmp_path, payload):
    (tmp_path / NAME).write_bytes(b"older installer")
    with pytest.raises(TunaError, match="Checksum mismatch"):
        download(url(server), tmp_path, expected_sha256="1" * 64)
    assert (tmp_path / NAME).read_bytes() == b"older installer"
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]


def test_no_published_checksum_says_not_verified(server, tmp_path, payload):
    (server.root / DIR.lstrip("/") / (NAME + ".sha256")).unlink()
    result = download(url(server), tmp_path, checksum_url=url(server) + ".sha256",
                      checksum_note="the publisher lists none")
    assert not result.verified and result.checksum_url is None
    assert result.note.startswith("NOT verified") and "the publisher lists none" in result.note
    assert hashlib.sha256(payload).hexdigest() in result.note


def test_already_verified_file_is_not_fetched_again(server, tmp_path):
    download(url(server), tmp_path, checksum_url=url(server) + ".sha256")
    server.clear()
    again = download(url(server), tmp_path, checksum_url=url(server) + ".sha256")
    assert again.reused and again.verified
    assert installer_requests(server) == []


def test_404_and_5xx_are_clear_errors(server, tmp_path):
    with pytest.raises(TunaError, match="not on the mirror"):
        download(f"{server.url}{DIR}/Nope.sh", tmp_path)
    server.faults[f"{DIR}/{NAME}.sha256"] = Fault(status=503)
    with pytest.raises(TunaError, match="HTTP 503"):
        download(url(server), tmp_path, checksum_url=url(server) + ".sha256")
    assert list(tmp_path.iterdir()) == []


def test_published_sha256_parsing(server):
    assert fetch_published_sha256(url(server) + ".sha256") == hashlib.sha256(
        (server.root / DIR.lstrip("/") / NAME).read_bytes()).hexdigest()
    assert fetch_published_sha256(f"{server.url}/missing.sha256") is None


def test_partial_of_another_url_is_not_spliced(server, tmp_path, payload):
    (tmp_path / (NAME + ".part")).write_bytes(b"x" * 1000)  # no record of where it came from
    result = download(url(server), tmp_path, checksum_url=url(server) + ".sha256")
    assert result.verified and result.resumed_from == 0
    assert Path(result.path).read_bytes() == payload


# --------------------------------------------------------------------------- issue 11
def test_missing_checksum_where_one_is_required_downloads_nothing(server, tmp_path):
    (server.root / DIR.lstrip("/") / (NAME + ".sha256")).unlink()
    with pytest.raises(TunaError, match="publishes no checksum"):
        download(url(server), tmp_path, checksum_url=url(server) + ".sha256",
                 require_checksum=True)
    assert list(tmp_path.iterdir()) == []
    assert [r.headers.get("Range") for r in installer_requests(server)] == ["bytes=0-0"]


@pytest.mark.parametrize("planted", [".part", ".part.json", ""])
def test_symlinks_planted_at_our_names_are_never_followed(server, tmp_path, planted):
    victim = tmp_path / "victim"
    victim.write_bytes(b"someone else's file")
    out = tmp_path / "shared"
    out.mkdir()
    (out / (NAME + planted)).symlink_to(victim)
    if planted == ".part.json":  # a stale sidecar link is removed, never written through
        download(url(server), out, checksum_url=url(server) + ".sha256")
        assert (out / NAME).is_file() and not (out / (NAME + planted)).exists()
    else:
        with pytest.raises(TunaError, match="symbolic link"):
            download(url(server), out, checksum_url=url(server) + ".sha256")
        assert (out / (NAME + planted)).is_symlink()
    assert victim.read_bytes() == b"someone else's file"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to plant a partial file owned by another user")
def test_a_partial_file_of_another_user_is_not_resumed(server, tmp_path, payload):
    part = tmp_path / (NAME + ".part")
    part.write_bytes(payload[:1000])
    (tmp_path / (NAME + ".part.json")).write_text(
        json.dumps({"url": url(server), "validator": "x"}))
    os.chown(part, 1000, 1000)
    with pytest.raises(TunaError, match="not a partial download of yours"):
        download(url(server), tmp_path, checksum_url=url(server) + ".sha256")
    assert part.read_bytes() == payload[:1000]


def test_network_failures_in_words(tmp_path):
    """issue 12: refused, DNS, TLS and timeout say what happened and what to do, never an
    errno; nothing is left behind."""
    from tests.support.netfaults import (
        UNRESOLVABLE_HOST,
        closed_port,
        self_signed_server,
        silent_server,
    )

    cases = [(f"http://127.0.0.1:{closed_port()}{DIR}/{NAME}", "refused the connection",
              "accepts connections"),
             (f"https://{UNRESOLVABLE_HOST}{DIR}/{NAME}", "cannot resolve the host name",
              "DNS")]
    for target, words, step in cases:
        with pytest.raises(TunaError) as caught:
            download(target, tmp_path, retries=0, timeout=2)
        text = str(caught.value)
        assert words in text and step in caught.value.hint and "Errno" not in text
    with self_signed_server() as root, pytest.raises(TunaError) as caught:
        download(f"{root}{DIR}/{NAME}", tmp_path, retries=0, timeout=2)
    assert "TLS/certificate problem: self-signed certificate" in str(caught.value)
    with silent_server() as root, pytest.raises(TunaError) as caught:
        download(f"{root}{DIR}/{NAME}", tmp_path, checksum_url=f"{root}{DIR}/{NAME}.sha256",
                 retries=0, timeout=0.3)
    assert "timed out" in str(caught.value) and "checksum" in str(caught.value)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(NAME)]
