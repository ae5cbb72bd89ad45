"""The drop-in writer: rendering, metadata and exact removal."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conda_tuna.base import journal
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


def write(root: Path, path: Path, meta: dict[str, object]) -> bool:
    """What `conda tuna enable` does with the drop-in: one journaled change at `root`."""
    with journal.session(root, "enable", {"whole": None}) as changes:
        existing = cw.read(path)
        cw.check_writable(path.parent)
        change, changed = cw.change(path, settings(), meta, existing,
                                    journaled=changes.entry(path) is not None)
        changes.apply([change] if change else [])
    return changed


def undo(root: Path) -> None:
    with journal.session(root, "disable", {"whole": None}) as changes:
        changes.restore({"whole": None})


def test_write_is_idempotent_and_undo_takes_created_dirs(tmp_path):
    home = tmp_path / "home"
    path = home / ".conda" / "condarc.d" / cw.FILE_NAME
    home.mkdir()
    assert write(home, path, {"written": "t1"}) and path.exists()
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert not write(home, path, {"written": "t2"})
    undo(home)
    assert list(home.iterdir()) == []


def test_undo_keeps_directories_the_user_uses(tmp_path):
    path = tmp_path / ".conda" / "condarc.d" / cw.FILE_NAME
    write(tmp_path, path, {})
    (path.parent / "mine.yml").write_text("channels: [x]\n")
    undo(tmp_path)
    assert (path.parent / "mine.yml").read_text() == "channels: [x]\n"
    assert not path.exists()


def test_a_drop_in_of_conda_tuna_0_1_is_taken_over_and_undone_with_its_dirs(tmp_path):
    path = tmp_path / ".conda" / "condarc.d" / cw.FILE_NAME
    path.parent.mkdir(parents=True)
    created = [str(tmp_path / ".conda"), str(path.parent)]
    path.write_text(cw.render(settings(), {"created_dirs": created}))  # 0.1: no journal
    assert not write(tmp_path, path, {})  # same settings, now journaled
    undo(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_legacy_remove_takes_created_dirs(tmp_path):
    path = tmp_path / "home" / ".conda" / "condarc.d" / cw.FILE_NAME
    path.parent.mkdir(parents=True)
    dirs = [str(tmp_path / "home" / ".conda"), str(path.parent)]
    path.write_text(cw.render(settings(), {"created_dirs": dirs}))
    assert cw.remove(path) is not None
    assert list((tmp_path / "home").iterdir()) == []
    assert cw.remove(path) is None


def test_foreign_or_broken_file_is_refused(tmp_path):
    path = tmp_path / cw.FILE_NAME
    path.write_text("channels: [conda-forge]\n")
    with pytest.raises(TunaError, match="not a valid conda-tuna file"):
        write(tmp_path, path, {})
    with pytest.raises(TunaError):
        cw.remove(path)
    assert path.read_text() == "channels: [conda-forge]\n"
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(TunaError, match="not a valid conda-tuna file"):
        cw.read(path)


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TunaError, match="Cannot write"):
        cw.check_writable(Path(blocker, "sub"))
