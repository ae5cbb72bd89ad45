"""platform.system()/machine() -> conda subdir, and the names shown to people."""

from __future__ import annotations

import pytest

from conda_tuna.archcheck.platforms import (
    conda_subdir,
    describe,
    machine_name,
    native_subdir,
    siblings,
)
from conda_tuna.base.errors import TunaError


@pytest.mark.parametrize(
    ("system", "machine", "subdir"),
    [
        ("Linux", "x86_64", "linux-64"),
        ("Linux", "aarch64", "linux-aarch64"),
        ("Linux", "arm64", "linux-aarch64"),  # some kernels/containers say arm64
        ("Linux", "ppc64le", "linux-ppc64le"),
        ("Linux", "s390x", "linux-s390x"),
        ("Linux", "armv7l", "linux-armv7l"),
        ("Linux", "i686", "linux-32"),
        ("Darwin", "arm64", "osx-arm64"),
        ("Darwin", "x86_64", "osx-64"),
        ("Windows", "AMD64", "win-64"),
        ("Windows", "ARM64", "win-arm64"),
        ("Windows", "x86", "win-32"),
    ],
)
def test_conda_subdir(system, machine, subdir):
    assert conda_subdir(system, machine) == subdir


@pytest.mark.parametrize(("system", "machine"), [("Plan9", "x86_64"), ("Linux", "vax")])
def test_unknown_platform_is_a_sentence(system, machine):
    with pytest.raises(TunaError, match="conda has no platform"):
        conda_subdir(system, machine)


@pytest.mark.parametrize(
    ("subdir", "machine"),
    [("linux-64", "x86_64"), ("linux-aarch64", "aarch64"), ("osx-arm64", "arm64"),
     ("win-64", "x86_64"), ("win-arm64", "ARM64"), ("linux-ppc64le", "ppc64le"),
     ("linux-s390x", "s390x"), ("linux-riscv64", "riscv64"), ("zos-z", "z")],
)
def test_machine_name(subdir, machine):
    assert machine_name(subdir) == machine


def test_describe_and_native():
    assert "Apple silicon" in describe("osx-arm64")
    assert "Kunpeng" in describe("linux-aarch64")
    assert describe("emscripten-wasm32") == "emscripten-wasm32"
    assert "-" in native_subdir()


def test_siblings_are_same_os_other_arch():
    among = {"noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "osx-64", "win-64"}
    assert siblings("linux-aarch64", among) == ["linux-64", "linux-ppc64le"]
    assert siblings("osx-arm64", among) == ["osx-64"]
    assert siblings("win-arm64", among) == ["win-64"]
