"""The mirror catalog: lookups, coverage and URL validation (no conda needed)."""

from __future__ import annotations

import pytest

from conda_tuna.base.errors import TunaError
from conda_tuna.mirrors.catalog import (
    MIRRORS,
    custom_mirror,
    get_mirror,
    is_loopback,
    mirrors_carrying,
    normalize_root,
    resolve_mirror,
)


def test_tuna_is_default_and_has_tuna_layout():
    tuna = resolve_mirror()
    assert tuna.name == "tuna"
    assert tuna.pkgs_url("main") == "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main"
    assert tuna.cloud_url == "https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud"
    assert tuna.pypi_url == "https://mirrors.tuna.tsinghua.edu.cn/pypi/web/simple"
    assert tuna.status_url == "https://mirrors.tuna.tsinghua.edu.cn/static/tunasync.json"
    assert tuna.sister == "bfsu" and MIRRORS["bfsu"].sister == "tuna"


def test_unknown_name_lists_known_mirrors():
    with pytest.raises(TunaError) as err:
        get_mirror("nosuch")
    for name in ("tuna", "bfsu", "sjtug", "ustc"):
        assert name in str(err.value)


def test_lookup_is_case_insensitive():
    assert get_mirror(" BFSU ").name == "bfsu"


def test_sjtug_lacks_aarch64_and_is_never_offered_for_it():
    sjtug = get_mirror("sjtug")
    assert not sjtug.carries("pkgs/main", "linux-aarch64")
    assert not sjtug.carries("conda-forge", "linux-aarch64")
    assert sjtug.carries("conda-forge", "linux-64")
    assert "sjtug" not in {m.name for m in mirrors_carrying("linux-aarch64")}
    assert "sjtug" in {m.name for m in mirrors_carrying("linux-64")}


@pytest.mark.parametrize(
    ("channel", "subdir", "expected"),
    [
        ("conda-forge", "linux-aarch64", True),
        ("c4aarch64", "linux-64", False),
        ("c4aarch64", "linux-aarch64", True),
        ("pytorch-lts", "osx-arm64", False),
        ("nvidia", "linux-64", False),
        ("pkgs/main", "linux-aarch64", True),
        ("pkgs/nonsense", "linux-64", False),
    ],
)
def test_tuna_coverage(channel, subdir, expected):
    assert get_mirror("tuna").carries(channel, subdir) is expected


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://mirrors.example.edu.cn/", "https://mirrors.example.edu.cn"),
        ("https://Mirrors.Example.edu.cn/anaconda", "https://mirrors.example.edu.cn"),
        ("https://m.example/sub/anaconda/cloud/", "https://m.example/sub"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_normalize_root(url, root):
    assert normalize_root(url) == root


@pytest.mark.parametrize(
    "url",
    ["", "mirrors.tuna.tsinghua.edu.cn", "ftp://x.org", "https://u:p@m.example",
     "https://m.example/?q=1"],
)
def test_malformed_urls_are_rejected(url):
    with pytest.raises(TunaError):
        normalize_root(url)


def test_plain_http_needs_opt_in_off_loopback():
    with pytest.raises(TunaError, match="plain http"):
        custom_mirror("http://mirror.lab.example")
    assert custom_mirror("http://mirror.lab.example", allow_http=True).root.startswith("http:")
    assert custom_mirror("http://localhost:9000").root == "http://localhost:9000"
    assert custom_mirror("http://[::1]:9000").root == "http://[::1]:9000"


def test_known_root_given_as_url_is_the_catalog_entry():
    assert custom_mirror("https://mirrors.bfsu.edu.cn/anaconda/").name == "bfsu"


def test_mirror_and_url_are_exclusive():
    with pytest.raises(TunaError):
        resolve_mirror("tuna", "https://m.example")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]"])
def test_loopback(host):
    assert is_loopback(host)


def test_not_loopback():
    assert not is_loopback("10.0.0.1") and not is_loopback("mirrors.tuna.tsinghua.edu.cn")


def test_host_includes_port():
    assert custom_mirror("http://127.0.0.1:8080").host == "127.0.0.1:8080"


def test_platform_coverage_per_mirror():
    """issue 12: `conda tuna mirrors` shows what each mirror carries of this machine."""
    from conda_tuna.mirrors.catalog import platform_coverage

    aarch64 = ("linux-aarch64", "noarch")
    tuna = platform_coverage(MIRRORS["tuna"], aarch64)
    assert tuna.carried == aarch64 and tuna.missing == () and tuna.complete
    assert tuna.by_channel["conda-forge"] == aarch64
    assert 0 < tuna.others < tuna.others_total  # e.g. menpo has no linux-aarch64
    sjtug = platform_coverage(MIRRORS["sjtug"], aarch64)
    assert sjtug.carried == ("noarch",) and sjtug.missing == ("linux-aarch64",)
    assert sjtug.by_channel == {"defaults": ("noarch",), "conda-forge": ("noarch",)}
    assert not sjtug.complete
    mac = platform_coverage(MIRRORS["sjtug"], ("osx-arm64", "noarch"))
    assert mac.by_channel["defaults"] == ("noarch",)
    assert mac.by_channel["conda-forge"] == ("osx-arm64", "noarch")
    assert platform_coverage(MIRRORS["sjtug"], ("linux-64", "noarch")).complete
    assert mac.to_json()["missing"] == ["osx-arm64"]
