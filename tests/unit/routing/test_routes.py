"""Where a channel's requests go now, and why: status and enable rows (no conda needed)."""

from __future__ import annotations

from conda_tuna.mirrors.catalog import MIRRORS, UPSTREAMS
from conda_tuna.routing.chain import Failure
from conda_tuna.routing.routes import MIRROR, UPSTREAM, explain

TUNA, BFSU, SJTUG = MIRRORS["tuna"], MIRRORS["bfsu"], MIRRORS["sjtug"]
CHAIN = [TUNA, BFSU, None]
T = "https://mirrors.tuna.tsinghua.edu.cn"


def test_mirrored_channel_is_served_by_the_first_usable_mirror():
    r = explain("conda-forge", "https://conda.anaconda.org/conda-forge", "linux-64", CHAIN,
                UPSTREAMS)
    assert (r.via, r.mirror, r.url) == (MIRROR, "tuna", f"{T}/anaconda/cloud/conda-forge")
    assert r.channel_url == "https://conda.anaconda.org/conda-forge"
    down = explain("defaults", "https://repo.anaconda.com/pkgs/main", "linux-64", CHAIN,
                   UPSTREAMS, unusable=lambda c: Failure("HTTP 503") if c.mirror == TUNA
                   else None)
    assert down.mirror == "bfsu" and "tuna: HTTP 503" in down.reason


def test_reasons_for_what_stays_upstream():
    nv = explain("nvidia", "https://conda.anaconda.org/nvidia", "linux-64", CHAIN, UPSTREAMS)
    assert nv.via == UPSTREAM and "NVIDIA" in nv.reason
    label = explain("conda-forge/label/dev", "https://conda.anaconda.org/conda-forge/label/dev",
                    "linux-64", CHAIN, UPSTREAMS)
    assert "label" in label.reason
    token = explain("x", "https://conda.anaconda.org/t/abc-123/conda-forge", "linux-64", CHAIN,
                    UPSTREAMS)
    assert "credentials" in token.reason and "abc-123" not in token.url + token.channel_url
    aarch = explain("conda-forge", "https://conda.anaconda.org/conda-forge", "linux-aarch64",
                    [SJTUG, None], UPSTREAMS)
    assert aarch.via == UPSTREAM and "conda-forge/linux-aarch64" in aarch.reason
    other = explain("x", "https://example.org/x", "linux-64", CHAIN, UPSTREAMS)
    assert "not an upstream URL" in other.reason
    off = explain("conda-forge", "https://conda.anaconda.org/conda-forge", "linux-64", [],
                  UPSTREAMS)
    assert "not enabled" in off.reason


def test_a_users_auth_handler_takes_the_urls_away():
    r = explain("conda-forge", "https://conda.anaconda.org/conda-forge", "linux-64", CHAIN,
                UPSTREAMS, handler="my-auth", handler_source="/home/u/.condarc")
    assert r.via == UPSTREAM and "my-auth" in r.reason and "/home/u/.condarc" in r.reason
