"""The drop-in writer: rendering, metadata and exact removal."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conda_tuna.base.errors import TunaError
from conda_tuna.config import dropin as cw
from conda_tuna.mirrors.catalog import UPSTREAMS
from conda_tuna.routing.urls import channel_settings_entries


def settings():
    return {"channel_settings": channel_settings_entries(UPSTREAMS), "channels": ["defaults"],
            "plugins": {"tuna_mirror": "tuna", "tuna_mirror_url": "https://x"}}


def test_render_is_valid_yaml_with_same_values():
    text = cw.render(settings(), {"mirror": "tuna"})
    assert yaml.safe_load(text) == settings()
    assert cw.parse_meta(text) == {"mirror": "tuna"}


def test_render_writes_channel_settings_entries_conda_reads():
    text = cw.render(settings(), {})
    assert '  - channel: "https://conda.anaconda.org/*"\n    auth: "conda-tuna"\n' in text
    assert yaml.safe_load(text)["channel_settings"][1] == {
        "channel": "https://repo.anaconda.com/*", "auth": "conda-tuna"}
    assert not cw.is_old(text)


def test_old_drop_ins_are_recognised():
    old = ("# conda-tuna-meta: {}\ncustom_channels:\n  conda-forge: https://m/anaconda/cloud\n"
           "plugins:\n  tuna_mirror_url: https://m\n")
    assert cw.is_old(old)


def test_render_quotes_keys_and_special_strings():
    text = cw.render({"a b": "x: y", "list": ["#x", "ok"], "empty": [], "flag": True}, {})
    assert yaml.safe_load(text) == {"a b": "x: y", "list": ["#x", "ok"], "empty": [],
                                    "flag": True}


@pytest.mark.parametrize(("scope", "expected"), [
    ("user", "home/.conda/condarc.d"),
    ("system", "root/condarc.d"),
    ("env", "env/condarc.d"),
])
def test_scope_dirs(tmp_path, scope, expected):
    d = cw.drop_in_dir(scope, home=tmp_path / "home", root_prefix=tmp_path / "root",
                       env_prefix=tmp_path / "env")
    assert d == tmp_path / expected


def test_env_scope_needs_env(tmp_path):
    with pytest.raises(TunaError, match="active environment"):
        cw.drop_in_dir("env", home=tmp_path, root_prefix=tmp_path, env_prefix=None)


def test_write_is_idempotent_and_remove_takes_created_dirs(tmp_path):
    path = tmp_path / "home" / ".conda" / "condarc.d" / cw.FILE_NAME
    (tmp_path / "home").mkdir()
    changed, _ = cw.write(path, settings(), {"written": "t1"})
    assert changed and path.exists()
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    changed, _ = cw.write(path, settings(), {"written": "t2"})
    assert not changed
    removed = cw.remove(path)
    assert removed is not None
    assert list((tmp_path / "home").iterdir()) == []
    assert cw.remove(path) is None


def test_remove_keeps_directories_the_user_uses(tmp_path):
    path = tmp_path / ".conda" / "condarc.d" / cw.FILE_NAME
    cw.write(path, settings(), {})
    (path.parent / "mine.yml").write_text("channels: [x]\n")
    cw.remove(path)
    assert (path.parent / "mine.yml").read_text() == "channels: [x]\n"


def test_foreign_or_broken_file_is_refused(tmp_path):
    path = tmp_path / cw.FILE_NAME
    path.write_text("channels: [conda-forge]\n")
    with pytest.raises(TunaError, match="not a valid conda-tuna file"):
        cw.write(path, settings(), {})
    with pytest.raises(TunaError):
        cw.remove(path)
    assert path.read_text() == "channels: [conda-forge]\n"


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TunaError, match="Cannot write"):
        cw.write(Path(blocker, "sub", cw.FILE_NAME), settings(), {})
