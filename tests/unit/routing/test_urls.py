"""URL planning: which upstream request may go to which mirror (no conda needed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conda_tuna.base.urls import has_credentials, redact  # routing uses base/urls' one rule
from conda_tuna.mirrors.catalog import MIRRORS, UPSTREAMS, Upstream
from conda_tuna.routing.urls import (
    AUTH_NAME,
    MIRROR_HEADERS,
    MUST_EXIST,
    OPTIONAL,
    Skip,
    channel_settings_entries,
    effective_entry,
    entry_matches,
    plan,
    request_carries_credentials,
    strip_headers,
    understand,
)

TUNA, BFSU, SJTUG = MIRRORS["tuna"], MIRRORS["bfsu"], MIRRORS["sjtug"]
CHAIN = [TUNA, BFSU, None]
T = "https://mirrors.tuna.tsinghua.edu.cn"
B = "https://mirrors.bfsu.edu.cn"
CF = "https://conda.anaconda.org/conda-forge"


def urls(p):
    return [c.url for c in p.candidates]


def test_cloud_and_pkgs_urls_go_to_the_chain_then_upstream():
    p = plan(f"{CF}/linux-64/repodata.json", CHAIN, UPSTREAMS)
    assert urls(p) == [f"{T}/anaconda/cloud/conda-forge/linux-64/repodata.json",
                       f"{B}/anaconda/cloud/conda-forge/linux-64/repodata.json",
                       f"{CF}/linux-64/repodata.json"]
    assert p.kind == MUST_EXIST and [c.label for c in p.candidates] == ["tuna", "bfsu",
                                                                        "upstream"]
    p = plan("https://repo.anaconda.com/pkgs/main/noarch/a-1-0.conda", CHAIN, UPSTREAMS)
    assert urls(p)[0] == f"{T}/anaconda/pkgs/main/noarch/a-1-0.conda"
    old = plan("https://repo.continuum.io/pkgs/free/linux-64/x-1-0.tar.bz2", CHAIN, UPSTREAMS)
    assert urls(old)[0] == f"{T}/anaconda/pkgs/free/linux-64/x-1-0.tar.bz2"


@pytest.mark.parametrize("url", [
    "https://conda.anaconda.org/t/SECRET/conda-forge/noarch/repodata.json",
    "https://u:p@conda.anaconda.org/conda-forge/noarch/repodata.json",
    "https://tok@conda.anaconda.org/conda-forge/noarch/repodata.json",
    "https://conda.anaconda.org/conda-forge/label/dev/noarch/repodata.json",
    "https://conda.anaconda.org/nvidia/noarch/repodata.json",
    "https://repo.anaconda.com/pkgs/snowflake/noarch/repodata.json",
    "https://example.org/conda-forge/noarch/repodata.json",
    "http://conda.anaconda.org/conda-forge/noarch/repodata.json",
    "https://conda.anaconda.org/conda-forge/noarch/repodata.json?x=1",
    "https://conda.anaconda.org/conda-forge/some/sub/channel/file",
])
def test_never_planned_to_a_mirror(url):
    assert plan(url, CHAIN, UPSTREAMS) is None


def test_skips_say_why():
    assert "credentials" in understand(f"https://u:p@{CF[8:]}/x/repodata.json",
                                       UPSTREAMS).reason
    assert "label" in understand(f"{CF}/label/dev/noarch/repodata.json", UPSTREAMS).reason
    assert isinstance(understand("https://example.org/x", UPSTREAMS), Skip)


def test_optional_files_and_terms_upstream_first():
    for name in ("repodata.json.zst", "current_repodata.json", "repodata.jlap",
                 "repodata_shards.msgpack.zst"):
        assert plan(f"{CF}/noarch/{name}", CHAIN, UPSTREAMS).kind == OPTIONAL, name
    shard = plan(f"{CF}/linux-64/shards/ab12.msgpack.zst", CHAIN, UPSTREAMS)
    assert shard.kind == OPTIONAL and shard.target.subdir == "linux-64"
    notices = plan(f"{CF}/notices.json", CHAIN, UPSTREAMS)
    assert notices.kind == OPTIONAL and notices.target.subdir is None
    terms = plan("https://repo.anaconda.com/pkgs/main/terms.json", CHAIN, UPSTREAMS)
    assert terms.candidates[0].mirror is None and terms.candidates[1].mirror == TUNA
    assert len(terms.candidates) == 3  # upstream once, first
    assert plan(f"{CF}/terms.json", CHAIN, UPSTREAMS).candidates[0].mirror == TUNA


def test_a_subdir_the_first_mirror_lacks_goes_to_the_next_that_carries_it():
    p = plan(f"{CF}/linux-aarch64/repodata.json", [SJTUG, TUNA, None], UPSTREAMS)
    assert [c.label for c in p.candidates] == ["tuna", "upstream"]
    assert plan(f"{CF}/linux-aarch64/repodata.json", [SJTUG, None], UPSTREAMS) is None
    assert plan(f"{CF}/linux-64/repodata.json", [SJTUG, None], UPSTREAMS).candidates[
        0].mirror == SJTUG


def test_upstream_only_where_the_chain_puts_it():
    assert [c.label for c in plan(f"{CF}/noarch/repodata.json", [TUNA, BFSU],
                                  UPSTREAMS).candidates] == ["tuna", "bfsu"]
    assert [c.label for c in plan(f"{CF}/noarch/repodata.json", [TUNA, None, BFSU],
                                  UPSTREAMS).candidates] == ["tuna", "upstream", "bfsu"]


def test_one_stand_in_root_can_play_both_upstreams():
    up = "http://127.0.0.1:9"
    both = (Upstream(up, "cloud"), Upstream(up, "pkgs"))
    assert urls(plan(f"{up}/pkgs/main/noarch/repodata.json", CHAIN, both))[0] == (
        f"{T}/anaconda/pkgs/main/noarch/repodata.json")
    assert urls(plan(f"{up}/conda-forge/noarch/repodata.json", CHAIN, both))[0] == (
        f"{T}/anaconda/cloud/conda-forge/noarch/repodata.json")
    assert channel_settings_entries(both) == [{"channel": f"{up}/*", "auth": AUTH_NAME}]


def test_drop_in_entries_cover_every_upstream_root():
    assert [e["channel"] for e in channel_settings_entries(UPSTREAMS)] == [
        "https://conda.anaconda.org/*", "https://repo.anaconda.com/*",
        "https://conda.binstar.org/*", "https://repo.continuum.io/*"]


def test_conda_rule_for_channel_settings():
    url = f"{CF}/noarch/repodata.json"
    assert entry_matches("https://conda.anaconda.org/*", url, "conda-forge")
    assert entry_matches("conda-forge", url, "conda-forge")
    assert not entry_matches("http://conda.anaconda.org/*", url, "conda-forge")
    assert not entry_matches("*", url, None)  # scheme-less patterns never match
    assert entry_matches("https://conda.anaconda.org/*", f"https://u:p@{url[8:]}", None)
    entries = [{"channel": "https://conda.anaconda.org/*", "auth": "mine"},
               {"channel": "https://conda.anaconda.org/*", "auth": AUTH_NAME}]
    assert effective_entry(entries, url, None)["auth"] == AUTH_NAME  # the last match wins


def test_headers_allowlist():
    out = strip_headers({"User-Agent": "c", "Authorization": "Basic x", "Anaconda-ToS-Accept":
                         "1", "anaconda-telemetry-x": "y", "If-None-Match": "e"})
    assert out == {"User-Agent": "c", "If-None-Match": "e"}
    assert "Authorization" not in MIRROR_HEADERS


def test_credentials_and_redaction():
    assert has_credentials("https://conda.anaconda.org/t/abc/conda-forge")
    assert has_credentials("https://user:pw@h.org/c")
    assert not has_credentials("https://conda.anaconda.org/tools/t")
    assert not has_credentials("conda-forge")
    assert redact("https://u:pw@h.org/t/tok/c") == "https://u:***@h.org/t/<TOKEN>/c"
    assert redact("https://tok@h.org/c") == "https://***@h.org/c"
    assert request_carries_credentials("m.org", "/anaconda/t/tok/x")
    assert not request_carries_credentials("m.org", "/anaconda/cloud/x")


# --------------------------------------------------------------------------- properties
_segment = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)
_roots = st.sampled_from([u.root for u in UPSTREAMS] + ["https://example.org",
                                                         T, "http://conda.anaconda.org"])
_channels = st.sampled_from(["conda-forge", "pkgs/main", "pkgs/r", "nvidia", "bioconda",
                             "conda-forge/label/dev", "t/SECRET/conda-forge", "someone"])
_subdirs = st.sampled_from(["noarch", "linux-64", "linux-aarch64", "osx-arm64", "win-64",
                            "zos-z", ""])
_files = st.sampled_from(["repodata.json", "repodata.json.zst", "current_repodata.json",
                          "x-1-0.conda", "x-1-0.tar.bz2", "notices.json", "terms.json",
                          "repodata_shards.msgpack.zst"])
_userinfo = st.sampled_from(["", "u:p@", "tok@", "user:pa:ss@"])
_chains = st.lists(st.sampled_from([TUNA, BFSU, SJTUG, MIRRORS["ustc"], None]), max_size=4)


@st.composite
def upstream_urls(draw):
    root = draw(_roots)
    scheme, host = root.split("://", 1)
    path = "/".join(p for p in (draw(_channels), draw(_subdirs), draw(_files)) if p)
    extra = draw(st.sampled_from(["", f"/{draw(_segment)}"]))
    return f"{scheme}://{draw(_userinfo)}{host}/{path}{extra}"


@settings(max_examples=400, deadline=None)
@given(upstream_urls(), _chains)
def test_a_credentialed_url_is_never_planned_to_a_mirror(url, chain):
    if has_credentials(url):
        assert plan(url, chain, UPSTREAMS) is None


@settings(max_examples=400, deadline=None)
@given(upstream_urls(), _chains)
def test_planning_is_idempotent(url, chain):
    """Planning twice gives the same plan, and re-planning a planned URL changes nothing: a
    mirror URL is never routed again, an upstream candidate plans to the same plan."""
    first = plan(url, chain, UPSTREAMS)
    assert plan(url, chain, UPSTREAMS) == first
    if first is None:
        return
    for cand in first.candidates:
        again = plan(cand.url, chain, UPSTREAMS)
        assert again is None if cand.mirror is not None else again == first


@settings(max_examples=400, deadline=None)
@given(upstream_urls(), _chains)
def test_an_unmirrored_channel_never_goes_to_a_mirror(url, chain):
    found = plan(url, chain, UPSTREAMS)
    if found is None:
        return
    target = found.target
    for cand in found.candidates:
        if cand.mirror is not None:
            assert cand.mirror.serves(target.upstream.layout, target.channel, target.subdir)
            assert cand.url.startswith(cand.mirror.root + "/anaconda/")
    assert "nvidia" not in url.split("/")[3:4] or all(c.mirror is None
                                                      for c in found.candidates)
