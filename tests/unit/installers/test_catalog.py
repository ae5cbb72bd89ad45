"""Which installer file each flavor/os/arch gets, and where on a mirror (pure)."""

from __future__ import annotations

import pytest

from conda_tuna.base.errors import TunaError
from conda_tuna.installers import catalog as installers
from conda_tuna.installers.catalog import installer_for, normalize_arch, normalize_os

ROOT = "https://mirrors.example.edu.cn"
MINICONDA = f"{ROOT}/anaconda/miniconda/"
MINIFORGE = f"{ROOT}/github-release/conda-forge/miniforge/LatestRelease/"


@pytest.mark.parametrize(("flavor", "os_name", "arch", "url"), [
    ("miniconda", "linux", "x86_64", MINICONDA + "Miniconda3-latest-Linux-x86_64.sh"),
    ("miniconda", "linux", "aarch64", MINICONDA + "Miniconda3-latest-Linux-aarch64.sh"),
    ("miniconda", "linux", "arm64", MINICONDA + "Miniconda3-latest-Linux-aarch64.sh"),
    ("miniconda", "macos", "arm64", MINICONDA + "Miniconda3-latest-MacOSX-arm64.sh"),
    ("miniconda", "macos", "aarch64", MINICONDA + "Miniconda3-latest-MacOSX-arm64.sh"),
    ("miniconda", "macos", "x86_64", MINICONDA + "Miniconda3-latest-MacOSX-x86_64.sh"),
    ("miniconda", "windows", "x86_64", MINICONDA + "Miniconda3-latest-Windows-x86_64.exe"),
    ("miniforge", "linux", "x86_64", MINIFORGE + "Miniforge3-Linux-x86_64.sh"),
    ("miniforge", "linux", "aarch64", MINIFORGE + "Miniforge3-Linux-aarch64.sh"),
    ("miniforge", "linux", "ppc64le", MINIFORGE + "Miniforge3-Linux-ppc64le.sh"),
    ("miniforge", "macos", "arm64", MINIFORGE + "Miniforge3-MacOSX-arm64.sh"),
    ("miniforge", "macos", "x86_64", MINIFORGE + "Miniforge3-MacOSX-x86_64.sh"),
    ("miniforge", "windows", "x86_64", MINIFORGE + "Miniforge3-Windows-x86_64.exe"),
])
def test_url_for_each_flavor_os_arch(flavor, os_name, arch, url):
    inst = installer_for(ROOT + "/", flavor, os_name, arch)
    assert inst.url == url
    assert inst.checksum_url == url + ".sha256"
    assert inst.checksum_expected is (flavor == "miniforge")


@pytest.mark.parametrize(("flavor", "os_name", "arch", "missing"), [
    ("miniconda", "linux", "ppc64le", "linux-ppc64le"),
    ("miniconda", "windows", "arm64", "windows-aarch64"),
    ("miniforge", "macos", "ppc64le", "macos-ppc64le"),
])
def test_unsupported_combination_lists_what_exists(flavor, os_name, arch, missing):
    with pytest.raises(TunaError) as exc:
        installer_for(ROOT, flavor, os_name, arch)
    text = str(exc.value)
    assert f"no {flavor.capitalize()} installer for {missing}" in text
    assert "miniforge: linux-x86_64, linux-aarch64, linux-ppc64le" in text
    assert "miniconda: linux-x86_64, linux-aarch64, macos-arm64" in text


def test_missing_miniconda_suggests_miniforge():
    with pytest.raises(TunaError, match="Try --flavor miniforge"):
        installer_for(ROOT, "miniconda", "linux", "ppc64le")


@pytest.mark.parametrize("machine", ["riscv64", "i686", "armv7l", "s390x", "mips"])
def test_unknown_machine_fails_loudly(monkeypatch, machine):
    monkeypatch.setattr(installers.platform, "machine", lambda: machine)
    monkeypatch.setattr(installers.platform, "system", lambda: "Linux")
    with pytest.raises(TunaError, match=f"Unknown or unsupported architecture '{machine}'"):
        installer_for(ROOT, "miniforge")


@pytest.mark.parametrize(("system", "machine", "filename"), [
    ("Linux", "x86_64", "Miniforge3-Linux-x86_64.sh"),
    ("Linux", "aarch64", "Miniforge3-Linux-aarch64.sh"),
    ("Darwin", "arm64", "Miniforge3-MacOSX-arm64.sh"),
    ("Windows", "AMD64", "Miniforge3-Windows-x86_64.exe"),
])
def test_default_is_this_machine(monkeypatch, system, machine, filename):
    monkeypatch.setattr(installers.platform, "machine", lambda: machine)
    monkeypatch.setattr(installers.platform, "system", lambda: system)
    assert installer_for(ROOT).filename == filename


def test_given_os_and_arch_do_not_need_this_machine(monkeypatch):
    monkeypatch.setattr(installers.platform, "machine", lambda: "riscv64")
    assert installer_for(ROOT, "miniforge", "linux", "aarch64").platform == "linux-aarch64"


def test_normalizers():
    assert normalize_os("Darwin") == "macos"
    assert normalize_os("win32") == "windows"
    assert normalize_arch("AMD64") == "x86_64"
    assert normalize_arch("arm64") == "aarch64"
    with pytest.raises(TunaError, match="installers exist for linux, macos, windows"):
        normalize_os("SunOS")


def test_unknown_flavor():
    with pytest.raises(TunaError, match="choose from miniforge, miniconda"):
        installer_for(ROOT, "anaconda", "linux", "x86_64")


def test_install_command_and_json():
    inst = installer_for(ROOT, "miniforge", "linux", "aarch64")
    assert inst.install_command() == "bash Miniforge3-Linux-aarch64.sh -b -p ~/miniforge3"
    assert inst.install_command("/tmp/x.sh") == "bash /tmp/x.sh -b -p ~/miniforge3"
    win = installer_for(ROOT, "miniconda", "windows", "x86_64")
    assert "/S" in win.install_command() and "miniconda3" in win.install_command()
    data = installer_for(ROOT, "miniconda", "macos", "aarch64").to_json()
    assert data["arch"] == "arm64" and data["platform"] == "macos-arm64"
    assert "repo.anaconda.com" in data["checksum_published"]
