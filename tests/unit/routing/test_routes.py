"""Routing rules and credential handling (no conda needed)."""

from __future__ import annotations

import pytest

from conda_tuna.mirrors.catalog import UPSTREAM_CLOUD, get_mirror
from conda_tuna.routing.routes import (
    MIRROR,
    UPSTREAM,
    conda_settings,
    has_credentials,
    redact,
    route,
    route_table,
    strip_credentials,
)

TUNA = get_mirror("tuna")
R = "https://mirrors.tuna.tsinghua.edu.cn"


def one(channel: str):
    (r,) = route(channel, TUNA)
    return r


def test_defaults_expand_to_main_and_r_and_msys2_on_windows():
    assert [r.url for r in route("defaults", TUNA)] == [
        f"{R}/anaconda/pkgs/main", f"{R}/anaconda/pkgs/r"]
    assert route("defaults", TUNA, windows=True)[-1].url == f"{R}/anaconda/pkgs/msys2"


@pytest.mark.parametrize(
    ("channel", "url", "via"),
    [
        ("conda-forge", f"{R}/anaconda/cloud/conda-forge", MIRROR),
        ("pytorch", f"{R}/anaconda/cloud/pytorch", MIRROR),
        ("nvidia", f"{UPSTREAM_CLOUD}/nvidia", UPSTREAM),
        ("someuser", f"{UPSTREAM_CLOUD}/someuser", UPSTREAM),
        ("conda-forge/label/dev", f"{UPSTREAM_CLOUD}/conda-forge/label/dev", UPSTREAM),
        ("pkgs/main", f"{R}/anaconda/pkgs/main", MIRROR),
        ("https://conda.anaconda.org/conda-forge", f"{R}/anaconda/cloud/conda-forge", MIRROR),
        ("https://conda.anaconda.org/conda-forge/", f"{R}/anaconda/cloud/conda-forge", MIRROR),
        ("https://repo.anaconda.com/pkgs/main", f"{R}/anaconda/pkgs/main", MIRROR),
        ("https://conda.anaconda.org/nvidia", f"{UPSTREAM_CLOUD}/nvidia", UPSTREAM),
        ("https://conda.anaconda.org/conda-forge/label/rc",
         f"{UPSTREAM_CLOUD}/conda-forge/label/rc", UPSTREAM),
        ("https://example.org/channel", "https://example.org/channel", UPSTREAM),
        (f"{R}/anaconda/cloud/bioconda", f"{R}/anaconda/cloud/bioconda", MIRROR),
        ("file:///srv/chan", "file:///srv/chan", UPSTREAM),
        ("/srv/local-channel", "/srv/local-channel", UPSTREAM),
    ],
)
def test_route(channel, url, via):
    r = one(channel)
    assert (r.url, r.via) == (url, via)
    assert r.reason


def test_nvidia_reason_mentions_licence():
    assert "licence" in one("nvidia").reason


@pytest.mark.parametrize(
    "url",
    [
        "https://conda.anaconda.org/t/abc-123/conda-forge",
        "https://user:secret@conda.anaconda.org/conda-forge",
        "https://conda.anaconda.org/t/xyz/private/label/main",
    ],
)
def test_credentialed_urls_stay_upstream_and_are_redacted(url):
    assert has_credentials(url)
    r = one(url)
    assert r.via == UPSTREAM and "credentials" in r.reason
    assert "abc-123" not in r.url and "secret" not in r.url and "xyz" not in r.channel


def test_no_credentials():
    assert not has_credentials("https://conda.anaconda.org/conda-forge")
    assert not has_credentials("conda-forge")
    assert not has_credentials("https://conda.anaconda.org/tools/t")


def test_redact_and_strip():
    assert redact("https://u:pw@h.org/t/tok/c") == "https://u:***@h.org/t/<TOKEN>/c"
    assert redact("https://tok@h.org/c") == "https://***@h.org/c"
    assert strip_credentials("https://u:pw@h.org/t/tok/c") == "https://h.org/c"


def test_settings_map_every_mirrored_channel_and_keep_labels_upstream():
    s = conda_settings(TUNA)
    cc = s["custom_channels"]
    assert cc["conda-forge"] == f"{R}/anaconda/cloud"
    assert cc["conda-forge/label"] == UPSTREAM_CLOUD
    assert cc["pkgs/main"] == f"{R}/anaconda"
    assert "nvidia" not in cc
    assert s["custom_multichannels"] == {"defaults": [f"{R}/anaconda/pkgs/main",
                                                      f"{R}/anaconda/pkgs/r"]}
    assert s["default_channels"] == s["custom_multichannels"]["defaults"]
    assert s["migrated_custom_channels"]["conda-forge"] == UPSTREAM_CLOUD
    assert s["migrated_custom_channels"]["pkgs/main"] == "https://repo.anaconda.com"
    assert s["repodata_use_shards"] is False
    assert "channel_alias" not in s and "channels" not in s


def test_settings_follow_mirror_coverage():
    sjtug = conda_settings(get_mirror("sjtug"))
    assert sjtug["custom_channels"]["conda-forge"].startswith("https://mirror.sjtu.edu.cn")


def test_settings_add_channels_only_when_asked():
    assert conda_settings(TUNA, channels=["conda-forge"])["channels"] == ["conda-forge"]


def test_route_table_dedupes():
    table = route_table(["defaults", "conda-forge", "defaults"], TUNA)
    assert [r.channel for r in table] == ["defaults", "defaults", "conda-forge"]


def test_routing_keys_are_exactly_what_conda_settings_writes():
    from conda_tuna.routing.routes import ROUTING_KEYS

    assert set(conda_settings(TUNA)) == set(ROUTING_KEYS)
