"""`conda tuna installer` with real conda against a loopback mirror that serves installers
for several architectures, Miniforge with .sha256 files and Miniconda without."""

from __future__ import annotations

import hashlib
import os

import pytest

from tests.support.mirror import Fault, MirrorServer

pytestmark = pytest.mark.integration

MINIFORGE = "github-release/conda-forge/miniforge/LatestRelease"
MINICONDA = "anaconda/miniconda"
FILES = {
    f"{MINIFORGE}/Miniforge3-Linux-x86_64.sh": True,
    f"{MINIFORGE}/Miniforge3-Linux-aarch64.sh": True,
    f"{MINIFORGE}/Miniforge3-MacOSX-arm64.sh": True,
    f"{MINICONDA}/Miniconda3-latest-Linux-x86_64.sh": False,
    f"{MINICONDA}/Miniconda3-latest-Linux-aarch64.sh": False,
}


@pytest.fixture(scope="module")
def installer_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("installer-mirror")
    for rel, with_sha in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = b"#!/bin/sh\n# " + rel.encode() + b"\n" + os.urandom(1_500_000)
        path.write_bytes(data)
        if with_sha:
            path.with_name(path.name + ".sha256").write_text(
                f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")
    return root


@pytest.fixture
def server(installer_root):
    with MirrorServer(installer_root, "tuna") as srv:
        srv.ranges = True
        yield srv


@pytest.fixture
def active(sandbox, server):
    """conda-tuna enabled for the loopback mirror (the way users make it active)."""
    sandbox.run("tuna", "enable", "-y", "--url", server.url, "--channels", "conda-forge").check()
    return sandbox


def test_without_enable_the_url_is_tuna(sandbox):
    out = sandbox.run("tuna", "installer", "--print-url", "--os", "linux", "--arch",
                      "aarch64").check()
    assert out.stdout.strip() == ("https://mirrors.tuna.tsinghua.edu.cn/github-release/"
                                  "conda-forge/miniforge/LatestRelease/Miniforge3-Linux-aarch64.sh")


@pytest.mark.parametrize(("args", "rel"), [
    (["--os", "linux", "--arch", "x86_64"], f"{MINIFORGE}/Miniforge3-Linux-x86_64.sh"),
    (["--os", "linux", "--arch", "aarch64"], f"{MINIFORGE}/Miniforge3-Linux-aarch64.sh"),
    (["--os", "macos", "--arch", "arm64"], f"{MINIFORGE}/Miniforge3-MacOSX-arm64.sh"),
    (["--flavor", "miniconda", "--os", "linux", "--arch", "arm64"],
     f"{MINICONDA}/Miniconda3-latest-Linux-aarch64.sh"),
    (["--flavor", "miniconda", "--os", "windows", "--arch", "x86_64"],
     f"{MINICONDA}/Miniconda3-latest-Windows-x86_64.exe"),
])
def test_print_url_uses_the_active_mirror(active, server, args, rel):
    out = active.run("tuna", "installer", "--print-url", *args).check()
    assert out.stdout.strip() == f"{server.url}/{rel}"
    assert server.paths() == []  # printing a URL fetches nothing


def test_json_describes_the_installer(active, server):
    data = active.run("tuna", "installer", "--os", "linux", "--arch", "aarch64",
                      "--json").check().json()
    assert data["installer"]["url"] == f"{server.url}/{MINIFORGE}/Miniforge3-Linux-aarch64.sh"
    assert data["mirror"]["url"] == server.url and data["installer"]["platform"] == (
        "linux-aarch64")
    assert data["installer"]["install_command"].startswith("bash Miniforge3-Linux-aarch64.sh -b")


def test_download_miniforge_verified(active, server, installer_root, tmp_path):
    dest = tmp_path / "dl"
    data = active.run("tuna", "installer", "--os", "linux", "--arch", "aarch64",
                      "--download", str(dest), "--json").check().json()
    got = data["download"]
    name = "Miniforge3-Linux-aarch64.sh"
    assert got["verified"] is True and got["path"] == str(dest / name)
    assert (dest / name).read_bytes() == (installer_root / MINIFORGE / name).read_bytes()
    assert sorted(p.name for p in dest.iterdir()) == [name]
    assert all(r.headers.get("User-Agent", "").startswith("conda-tuna/")
               for r in server.requests)
    text = active.run("tuna", "installer", "--os", "linux", "--arch", "aarch64",
                      "--download", str(dest)).check().stdout
    assert "Reused" in text and "verified" in text and f"bash {dest / name} -b -p" in text


def test_download_miniconda_says_not_verified(active, tmp_path):
    out = active.run("tuna", "installer", "--flavor", "miniconda", "--os", "linux",
                     "--arch", "x86_64", "--download", str(tmp_path / "dl")).check()
    assert "WARNING: NOT verified" in out.stdout
    assert "repo.anaconda.com/miniconda" in out.stdout
    assert (tmp_path / "dl" / "Miniconda3-latest-Linux-x86_64.sh").is_file()


def test_download_resumes_after_cut_connection(active, server, tmp_path):
    name = "Miniforge3-Linux-x86_64.sh"
    # the first request under this prefix is the .sha256 sidecar; the second is cut
    server.faults[f"/{MINIFORGE}/{name}"] = Fault(truncate_after=600_000, times=2)
    data = active.run("tuna", "installer", "--os", "linux", "--arch", "x86_64",
                      "--download", str(tmp_path / "dl"), "--json").check().json()
    assert data["download"]["resumed_from"] == 600_000 and data["download"]["verified"]
    ranges = [r.headers.get("Range") for r in server.requests if r.path.endswith(name)]
    assert ranges == [None, "bytes=600000-"]


def test_checksum_mismatch_rejected_and_partial_removed(active, server, tmp_path):
    name = "Miniforge3-Linux-x86_64.sh"
    sidecar = server.root / MINIFORGE / (name + ".sha256")
    good = sidecar.read_text()
    sidecar.write_text("a" * 64 + f"  {name}\n")
    try:
        out = active.run("tuna", "installer", "--os", "linux", "--arch", "x86_64",
                         "--download", str(tmp_path / "dl"))
    finally:
        sidecar.write_text(good)
    assert out.returncode == 1
    assert "Checksum mismatch" in out.output and "deleted" in out.output
    assert "Traceback" not in out.output
    assert list((tmp_path / "dl").iterdir()) == []


def test_unsupported_combination_lists_what_exists(active):
    out = active.run("tuna", "installer", "--flavor", "miniconda", "--os", "linux",
                     "--arch", "ppc64le", "--json")
    assert out.returncode == 1
    message = out.json()["message"]
    assert "no Miniconda installer for linux-ppc64le" in message
    assert "Try --flavor miniforge" in message and "miniconda: linux-x86_64" in message


def test_installer_missing_on_mirror_is_a_clear_error(active, tmp_path):
    out = active.run("tuna", "installer", "--os", "linux", "--arch", "ppc64le",
                     "--download", str(tmp_path / "dl"))
    assert out.returncode == 1
    assert "HTTP 404" in out.output and "Traceback" not in out.output
    assert list((tmp_path / "dl").iterdir()) == []


def test_mirror_from_the_setting_alone(sandbox, server):
    # a mirror given only via the setting (no enable) works the same way
    sandbox.extra_env["CONDA_PLUGINS_TUNA_MIRROR_URL"] = server.url
    out = sandbox.run("tuna", "installer", "--print-url", "--flavor", "miniconda",
                      "--os", "macos", "--arch", "arm64").check()
    assert out.stdout.strip() == f"{server.url}/{MINICONDA}/Miniconda3-latest-MacOSX-arm64.sh"


def test_mirror_server_unchanged_without_ranges(installer_root, tmp_path):
    """The Range support added to MirrorServer for these tests is opt-in."""
    import urllib.request

    with MirrorServer(installer_root) as srv:
        req = urllib.request.Request(f"{srv.url}/{MINIFORGE}/Miniforge3-Linux-x86_64.sh",
                                     headers={"Range": "bytes=10-", "User-Agent": "t"})
        with urllib.request.urlopen(req) as resp:
            assert resp.status == 200 and len(resp.read()) > 1_500_000


def test_unwritable_download_directory_is_a_clear_error(active, tmp_path):
    (tmp_path / "a-file").write_text("")
    out = active.run("tuna", "installer", "--os", "linux", "--arch", "x86_64",
                     "--download", str(tmp_path / "a-file" / "dl"))
    assert out.returncode == 1
    assert "Could not write the installer into" in out.output and "Traceback" not in out.output


def test_miniforge_without_its_published_checksum_fails_and_downloads_nothing(
        active, server, tmp_path):
    """issue 11: Miniforge always publishes a .sha256; a mirror without it is an error."""
    name = "Miniforge3-MacOSX-arm64.sh"
    sidecar = server.root / MINIFORGE / (name + ".sha256")
    good = sidecar.read_text()
    sidecar.unlink()
    try:
        out = active.run("tuna", "installer", "--os", "macos", "--arch", "arm64",
                         "--download", str(tmp_path / "dl"))
    finally:
        sidecar.write_text(good)
    assert out.returncode == 1 and "publishes no checksum" in out.output, out.output
    assert "Traceback" not in out.output
    assert not (tmp_path / "dl").exists() or list((tmp_path / "dl").iterdir()) == []


def test_download_refuses_a_planted_part_symlink(active, tmp_path):
    dest = tmp_path / "shared"
    dest.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (dest / "Miniforge3-Linux-x86_64.sh.part").symlink_to(victim)
    out = active.run("tuna", "installer", "--os", "linux", "--arch", "x86_64",
                     "--download", str(dest))
    assert out.returncode == 1 and "symbolic link" in out.output
    assert "Traceback" not in out.output and victim.read_bytes() == b"precious"
