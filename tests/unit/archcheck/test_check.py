"""The pure architecture check: which specs have no build, why, where they exist."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from conda_tuna.archcheck import check as arch_check
from conda_tuna.archcheck.check import (
    AVAILABLE,
    MISSING,
    MISSING_DEPENDENCY,
    NameIndex,
    Request,
    Source,
    spec_name,
)
from conda_tuna.mirrors.catalog import MIRRORS


@dataclass
class Rec:
    name: str
    version: str
    build: str = "h0_0"
    depends: list[str] = field(default_factory=list)


def match(spec: str, rec: Rec) -> bool:
    """A tiny stand-in for MatchSpec: name, plus one optional ==, >= or < constraint."""
    m = re.match(r"^\s*([\w.\-]+)\s*(==|>=|<|=)?\s*([\w.]+)?", spec.rpartition("::")[2])
    assert m
    name, op, ver = m.groups()
    if name != rec.name:
        return False
    if not op:
        return True
    have, want = tuple(map(int, rec.version.split("."))), tuple(map(int, ver.split(".")))
    return {"==": have == want, "=": have[:len(want)] == want, ">=": have >= want,
            "<": have < want}[op]


class Counting:
    """A source lookup that counts how often it is asked (to prove the index memoises)."""

    def __init__(self, records: list[Rec]) -> None:
        self.records = records
        self.calls: dict[str, int] = {}

    def __call__(self, name: str) -> list[Rec]:
        self.calls[name] = self.calls.get(name, 0) + 1
        return [r for r in self.records if r.name == name]


def source(channel: str, subdir: str, *records: Rec) -> Source:
    return Source(channel, subdir, Counting(list(records)))


@pytest.fixture
def aarch64() -> NameIndex:
    return NameIndex([
        source("defaults", "linux-aarch64",
               Rec("both", "1.0"), Rec("ver", "1.0"),
               Rec("needsx", "1.0", depends=["x64only"]),
               Rec("deep", "1.0", depends=["middle >=1"]),
               Rec("middle", "1.0", depends=["x64only", "__glibc >=2.17"]),
               Rec("cyc-a", "1.0", depends=["cyc-b"]), Rec("cyc-b", "1.0", depends=["cyc-a"])),
        source("defaults", "noarch", Rec("noa", "1.0", "0")),
    ])


@pytest.fixture
def elsewhere() -> NameIndex:
    return NameIndex([
        source("defaults", "linux-64", Rec("x64only", "1.0"), Rec("ver", "2.0"),
               Rec("mkl", "2024.0")),
        source("defaults", "win-64", Rec("x64only", "1.0"), Rec("mkl", "2024.0")),
        source("conda-forge", "osx-64", Rec("x64only", "1.0")),
    ])


def results(index: NameIndex, *specs: str) -> dict[str, arch_check.Result]:
    return {r.request.text: r for r in arch_check.check(
        [Request.of(s) for s in specs], index, match, "linux-aarch64")}


def test_available_noarch_virtual_and_cycles(aarch64):
    found = results(aarch64, "both", "noa", "ver<2", "__cuda", "cyc-a")
    assert {k: r.status for k, r in found.items()} == dict.fromkeys(found, AVAILABLE)
    assert (found["both"].channel, found["both"].version) == ("defaults", "1.0")
    assert found["noa"].build == "0"


def test_missing_spec_and_version(aarch64):
    found = results(aarch64, "x64only", "ver>=2")
    assert found["x64only"].status == MISSING
    assert found["x64only"].finding.other_versions == ()
    assert found["ver>=2"].status == MISSING
    assert found["ver>=2"].finding.other_versions == ("1.0",)


def test_missing_dependency_direct_and_deep(aarch64):
    found = results(aarch64, "needsx", "deep")
    assert found["needsx"].status == MISSING_DEPENDENCY
    assert found["needsx"].finding.dependency == "x64only"
    assert found["needsx"].finding.via == ()
    assert found["deep"].finding.dependency == "x64only"
    assert found["deep"].finding.via == ("middle",)


def test_depth_limit_stops_walking():
    index = NameIndex([source("c", "linux-aarch64", Rec("a", "1", depends=["b"]),
                              Rec("b", "1", depends=["c"]), Rec("c", "1", depends=["gone"]))])
    shallow = arch_check.check([Request.of("a")], index, match, "linux-aarch64", max_depth=2)
    deep = arch_check.check([Request.of("a")], index, match, "linux-aarch64", max_depth=5)
    assert shallow[0].status == AVAILABLE
    assert deep[0].finding.via == ("b", "c")


def test_index_asks_each_source_once_per_name():
    lookup = Counting([Rec("lib", "1.0")] + [Rec(f"app{i}", "1.0", depends=["lib"])
                                             for i in range(50)])
    index = NameIndex([Source("c", "linux-aarch64", lookup)])
    specs = [Request.of(f"app{i}") for i in range(50)] * 2
    assert all(r.status == AVAILABLE for r in arch_check.check(specs, index, match, "x"))
    assert lookup.calls["lib"] == 1
    assert max(lookup.calls.values()) == 1


def test_confirm_only_for_names_no_source_found():
    """A fast lookup that may miss (a sorted-key search) is trusted for names some source
    has; a name nobody found is asked again through each source's slow, exact `confirm`."""
    fast_target = Counting([Rec("app", "1.0", depends=["lib", "hidden"])])
    fast_noarch = Counting([Rec("lib", "1.0", "0")])
    slow_target = Counting([Rec("hidden", "1.0")])
    slow_noarch = Counting([])
    index = NameIndex([Source("c", "linux-aarch64", fast_target, slow_target),
                       Source("c", "noarch", fast_noarch, slow_noarch)])
    (result,) = arch_check.check([Request.of("app")], index, match, "linux-aarch64")
    assert result.status == AVAILABLE
    assert "lib" not in slow_target.calls and "lib" not in slow_noarch.calls
    assert slow_target.calls["hidden"] == 1 and slow_noarch.calls["hidden"] == 1
    assert [r.name for _, r in index.records("hidden")] == ["hidden"]
    assert slow_target.calls["hidden"] == 1  # remembered


def test_locate_and_warning_text(aarch64, elsewhere):
    findings = arch_check.diagnose([Request.of("x64only"), Request.of("needsx"),
                                    Request.of("ver>=2"), Request.of("typo")],
                                   aarch64, match, "linux-aarch64")
    arch_check.locate(findings, elsewhere, match, unchecked={"osx-arm64"})
    by = {f.spec: f for f in findings}
    assert by["x64only"].elsewhere == {"linux-64": ("defaults",), "osx-64": ("conda-forge",),
                                       "win-64": ("defaults",)}
    assert by["ver>=2"].elsewhere == {"linux-64": ("defaults",)}
    assert not arch_check.relevant(by["typo"])
    assert all(arch_check.relevant(by[s]) for s in ("x64only", "needsx", "ver>=2"))
    note = arch_check.machine_note("linux-aarch64", "linux-aarch64")
    assert arch_check.format_warning(by["ver>=2"], note) == (
        "ver>=2: no build for linux-aarch64 (machine aarch64) in defaults "
        "(linux-aarch64 has ver 1.0 only); builds exist for linux-64 "
        "(not checked: osx-arm64)")
    text = arch_check.format_warning(by["needsx"], note)
    assert text.startswith("needsx: every build for linux-aarch64 needs x64only, which has no "
                           "build for linux-aarch64 (machine aarch64) in defaults; "
                           "x64only builds exist for linux-64 (in defaults), osx-64 (in "
                           "conda-forge), win-64 (in defaults)")


def test_issue_example_wording():
    finding = arch_check.Finding("mkl", "mkl", MISSING, "linux-aarch64", ("defaults",),
                                 elsewhere={"linux-64": ("defaults",), "win-64": ("defaults",)})
    assert arch_check.format_warning(finding, arch_check.machine_note("linux-aarch64", None)) \
        == "mkl: no build for linux-aarch64 (machine aarch64) in defaults; builds exist for " \
           "linux-64, win-64"
    cross = arch_check.machine_note("linux-aarch64", "linux-64")
    assert cross == ("machine aarch64, set by --platform/CONDA_SUBDIR; this machine is "
                     "x86_64 (linux-64)")


def test_mirror_notes_from_catalog():
    finding = arch_check.Finding("tool", "tool", MISSING, "linux-aarch64",
                                 ("defaults", "pytorch-lts"))
    arch_check.mirror_notes(finding, MIRRORS["tuna"], enabled=True)
    assert finding.notes == (
        "tuna does not mirror pytorch-lts for linux-aarch64",
        "look in conda-forge (tuna mirrors it for linux-aarch64): add -c conda-forge")
    sjtug = arch_check.Finding("tool", "tool", MISSING, "linux-aarch64",
                               ("defaults", "conda-forge"))
    arch_check.mirror_notes(sjtug, MIRRORS["sjtug"], enabled=True)
    assert sjtug.notes == ("sjtug does not mirror defaults for linux-aarch64",
                           "sjtug does not mirror conda-forge for linux-aarch64")
    off = arch_check.Finding("tool", "tool", MISSING, "osx-arm64", ("defaults",))
    arch_check.mirror_notes(off, MIRRORS["tuna"], enabled=False)
    assert off.notes == ("look in conda-forge (it has osx-arm64 builds): add -c conda-forge",)


@pytest.mark.parametrize(
    ("spec", "name"),
    [("numpy", "numpy"), ("numpy>=1.2", "numpy"), ("conda-forge::NumPy 1.2", "numpy"),
     ("pkgs/main/linux-64::python=3.11=h1", "python"), ("ruamel.yaml[version='>0.17']",
                                                       "ruamel.yaml"),
     ("__glibc >=2.17", "__glibc")],
)
def test_spec_name(spec, name):
    assert spec_name(spec) == name


def test_json_shape(aarch64):
    found = results(aarch64, "both", "ver>=2")
    assert found["both"].to_json() == {"status": "available", "channel": "defaults",
                                       "version": "1.0", "build": "h0_0"}
    data = found["ver>=2"].to_json()
    assert data["status"] == "missing" and data["available_versions"] == ["1.0"]
