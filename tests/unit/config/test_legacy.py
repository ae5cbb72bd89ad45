"""config/legacy.py: finding and repairing hand-written mirror settings (pure part)."""

from __future__ import annotations

from conda_tuna.config import legacy as lc

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
    assert [c.kind for c in changes] == ["pkgs-free", "pkgs-free"]


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
