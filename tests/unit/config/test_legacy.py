"""config/legacy.py: finding and repairing hand-written mirror settings (pure part)."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conda_tuna.config import legacy as lc
from conda_tuna.mirrors.catalog import MIRRORS

T = "https://mirrors.tuna.tsinghua.edu.cn"
HOSTS = {"mirrors.tuna.tsinghua.edu.cn", "mirrors.bfsu.edu.cn"}


def blog_post_config() -> dict:
    return {
        "channels": [f"{T}/anaconda/pkgs/main/", f"{T}/anaconda/pkgs/free",
                     f"{T}/anaconda/pkgs/r", f"{T}/anaconda/cloud/conda-forge",
                     f"{T}/anaconda/cloud/intel", "nvidia", "defaults"],
        "default_channels": [f"{T}/anaconda/pkgs/main", f"{T}/anaconda/pkgs/r"],
        "custom_channels": {"pytorch": f"{T}/anaconda/cloud",
                            "mine": "https://conda.example.org"},
        "channel_alias": f"{T}/anaconda/cloud",
        "use_only_tar_bz2": True,
        "show_channel_urls": True,
    }


def test_every_pattern_is_found():
    changes = lc.analyse(blog_post_config(), HOSTS)
    kinds = {c.kind for c in changes}
    assert kinds == {"mirror-url", "pkgs-free", "channel-alias", "use-only-tar-bz2", "duplicate",
                     "stale-cloud"}
    by_old = {(c.key, str(c.old)): c for c in changes}
    assert by_old[("channels", f"{T}/anaconda/pkgs/main/")].new == "defaults"
    assert by_old[("channels", f"{T}/anaconda/pkgs/free")].new is None
    assert by_old[("channels", f"{T}/anaconda/pkgs/r")].new is None  # 'defaults' already
    assert by_old[("channels", f"{T}/anaconda/cloud/conda-forge")].new == "conda-forge"
    stale = by_old[("channels", f"{T}/anaconda/cloud/intel")]
    assert (stale.kind, stale.new) == ("stale-cloud", "intel")
    assert ("custom_channels.pytorch", f"{T}/anaconda/cloud") in by_old
    assert not any("mine" in c.key for c in changes)


def test_apply_repairs_and_keeps_everything_else():
    data = blog_post_config()
    lc.apply(data, lc.analyse(data, HOSTS))
    assert data["channels"] == ["defaults", "conda-forge", "intel", "nvidia"]  # order kept
    assert "default_channels" not in data
    assert data["custom_channels"] == {"mine": "https://conda.example.org"}
    assert "channel_alias" not in data and "use_only_tar_bz2" not in data
    assert data["show_channel_urls"] is True
    assert lc.analyse(data, HOSTS) == []  # idempotent


def test_plain_names_and_other_hosts_are_left_alone():
    data = {"channels": ["conda-forge", "defaults", "https://conda.example.org/internal",
                         "https://conda.anaconda.org/conda-forge"],
            "channel_alias": "https://conda.example.org", "use_only_tar_bz2": False}
    assert lc.analyse(data, HOSTS) == []


def test_upstream_pkgs_free_is_flagged_too():
    changes = lc.analyse({"channels": ["https://repo.anaconda.com/pkgs/free", "free"]}, HOSTS)
    assert [c.kind for c in changes] == ["pkgs-free", "pkgs-free", "fallback-channel"]


def test_dominant_host_picks_the_mirror_the_user_used():
    changes = lc.analyse(blog_post_config(), HOSTS)
    assert lc.dominant_host(changes, HOSTS) == "mirrors.tuna.tsinghua.edu.cn"
    assert lc.dominant_host([], HOSTS) is None


def test_change_description_and_backup_name(tmp_path):
    change = lc.Change("use-only-tar-bz2", "use_only_tar_bz2", True, None, "why")
    assert change.describe() == "use_only_tar_bz2: True removed (why)"
    target = tmp_path / ".condarc"
    first = lc.backup_path(target)
    first.write_text("x")
    second = lc.backup_path(target)
    assert first.name.startswith(".condarc.conda-tuna-backup-") and second != first


# --------------------------------------------------------------------------- issue 11

COVERAGE = {m.host: m for m in MIRRORS.values()}


def test_only_pkgs_free_leaves_conda_forge_and_says_so():
    data = {"channels": [f"{T}/anaconda/pkgs/free/"]}
    changes = lc.analyse(data, HOSTS, COVERAGE)
    lc.apply(data, changes)
    assert data["channels"] == ["conda-forge"]
    fallback = [c for c in changes if c.kind == "fallback-channel"]
    assert fallback and "conda-forge" in fallback[0].describe()
    assert "defaults" in fallback[0].reason  # what to write instead, with the licence
    assert not [c for c in lc.analyse(data, HOSTS, COVERAGE) if c.actionable]


def test_channel_the_mirror_does_not_carry_is_repaired_with_the_right_reason():
    (change,) = lc.analyse({"channels": [f"{T}/anaconda/cloud/my-private-chan"]}, HOSTS,
                           COVERAGE)[:1]
    assert change.kind == "not-mirrored" and change.new == "my-private-chan"
    assert "does not carry my-private-chan" in change.reason
    (carried,) = lc.analyse({"channels": [f"{T}/anaconda/cloud/bioconda"]}, HOSTS, COVERAGE)
    assert carried.kind == "mirror-url" and "routes the name to the mirror" in carried.reason
    (nopkgs,) = lc.analyse({"channels": [f"{T}/anaconda/pkgs/nonsense", "defaults"]}, HOSTS,
                           COVERAGE)
    assert nopkgs.kind == "not-mirrored" and nopkgs.new is None


def test_a_url_on_the_mirror_host_that_is_not_a_channel_is_kept_with_a_note():
    data = {"channels": [f"{T}/some/other/repo", "defaults"]}
    changes = lc.analyse(data, HOSTS, COVERAGE)
    assert [(c.kind, c.actionable) for c in changes] == [("kept", False)]
    lc.apply(data, changes)
    assert data["channels"] == [f"{T}/some/other/repo", "defaults"]
    assert "kept" in changes[0].describe()


@pytest.mark.skipif(importlib.util.find_spec("conda") is None,
                    reason="needs conda's ruamel round trip (comments)")
def test_comment_of_a_removed_entry_is_listed():
    from conda_tuna.base.yaml import yaml_loads

    data = yaml_loads(f"channels:\n  - {T}/anaconda/pkgs/free  # the old free channel\n"
                      "  - defaults  # keep\nuse_only_tar_bz2: true  # for speed\n")
    changes = lc.analyse(data, HOSTS, COVERAGE)
    notes = lc.apply(data, changes)
    assert any("# the old free channel" in n for n in notes)
    assert any("# for speed" in n for n in notes)
    described = " ".join(c.describe() for c in changes)
    assert "in the backup" in described and "# keep" not in described


NAMES = st.sampled_from([
    "defaults", "conda-forge", "nvidia", "free", "pkgs/free", f"{T}/anaconda/pkgs/main",
    f"{T}/anaconda/pkgs/free", f"{T}/anaconda/pkgs/r/", f"{T}/anaconda/cloud/conda-forge",
    f"{T}/anaconda/cloud/intel", f"{T}/anaconda/cloud/unknown-chan", f"{T}/anaconda",
    f"{T}/elsewhere", "https://conda.example.org/x", "https://mirrors.bfsu.edu.cn/anaconda/"
    "cloud/pytorch", f"{T}/anaconda/cloud/conda-forge/label/dev",
])


@given(st.lists(NAMES, max_size=8))
def test_repair_is_idempotent_and_never_leaves_channels_empty(channels):
    data = {"channels": list(channels)}
    lc.apply(data, lc.analyse(data, HOSTS, COVERAGE))
    assert not [c for c in lc.analyse(data, HOSTS, COVERAGE) if c.actionable]
    if channels:
        assert data["channels"]
    assert len(data["channels"]) == len(set(map(str, data["channels"])))
