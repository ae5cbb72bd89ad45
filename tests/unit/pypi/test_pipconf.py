"""pip config editing with exact restore."""

from __future__ import annotations

import configparser
import hashlib
import io
import json
import os

import pytest

from conda_tuna.pypi import pipconf as pip_config

URL = "https://mirrors.tuna.tsinghua.edu.cn/pypi/web/simple"


# --------------------------------------------------------------------------- pip config
@pytest.mark.parametrize("original", [
    "",
    "[global]\ntimeout = 60\n",
    "# mine\r\n[global]\r\nindex-url = https://example.org/simple\r\ntimeout=5\r\n"
    "[install]\r\nno-compile = yes\r\n",
    "[install]\nuser = true",  # no [global], no final newline
    "[install]\nuser = true\n",
    "[GLOBAL]\nindex_url: https://old\n\n[freeze]\ntimeout = 10\n",
])
def test_set_index_keeps_other_settings_and_strip_restores(original):
    edited = pip_config.set_index(original, URL)
    parser = configparser.RawConfigParser()
    parser.read_string(edited)
    section = "global" if parser.has_section("global") else "GLOBAL"
    assert parser.get(section, "index-url") == URL
    if "timeout" in original:
        assert any(parser.has_option(s, "timeout") for s in parser.sections())
    assert pip_config.strip_ours(edited) == original
    # idempotent: enable again replaces conda-tuna's lines instead of adding more
    again = pip_config.edit(edited.encode(), URL, ours=True)
    assert again == edited.encode()


def test_set_index_trusted_host_for_plain_http():
    edited = pip_config.set_index("", "http://10.0.0.5/pypi/web/simple", "10.0.0.5")
    parser = configparser.RawConfigParser()
    parser.read_string(edited)
    assert parser.get("global", "trusted-host") == "10.0.0.5"


def test_user_config_path_rules(tmp_path):
    home = tmp_path / "home"
    explicit = tmp_path / "explicit.conf"
    assert pip_config.user_config_path({}, home, "linux") == home / ".config/pip/pip.conf"
    assert pip_config.user_config_path({"XDG_CONFIG_HOME": str(tmp_path / "x")}, home,
                                       "linux") == tmp_path / "x/pip/pip.conf"
    assert pip_config.user_config_path({"PIP_CONFIG_FILE": str(explicit)}, home,
                                       "linux") == home / ".config/pip/pip.conf"
    explicit.write_text("")
    assert pip_config.user_config_path({"PIP_CONFIG_FILE": str(explicit)}, home,
                                       "linux") == explicit
    assert pip_config.user_config_path({"APPDATA": "C:/A"}, home, "win32").name == "pip.ini"
    (home / "Library/Application Support/pip").mkdir(parents=True)
    assert "Library" in str(pip_config.user_config_path({}, home, "darwin"))


def test_configured_index(tmp_path):
    home = tmp_path / "home"
    prefix = tmp_path / "env"
    prefix.mkdir()
    assert pip_config.configured_index(prefix, {}, home) is None
    assert pip_config.configured_index(prefix, {"PIP_INDEX_URL": "u"}, home) == "u"
    (prefix / "pip.conf").write_text("[install]\nextra-index-url = https://extra\n")
    assert pip_config.configured_index(prefix, {}, home) == "https://extra"
    assert pip_config.configured_index(prefix, {"PIP_CONFIG_FILE": os.devnull}, home) is None


# --------------------------------------------------------------------------- issue 11
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = st.sampled_from([
    "[global]", "[GLOBAL]", "[install]", "[ global ]", "index-url = x", "index_url: y",
    "--index-url=z", "trusted-host = h", "timeout = 5", "  continued", "\tmore", "# note",
    "; note", "", " ", "# conda-tuna", "# conda-tuna-replaced: a", "# conda-tuna-escaped: b",
    pip_config.TAG, pip_config.ADDED_SECTION, pip_config.NO_FINAL_NEWLINE_LINE, "\ufeff",
    "\x85", "\u2028", "\x0c", "é", "=", "[", "]",
])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r", ""])
TEXTS = st.one_of(
    st.lists(st.tuples(st.lists(PIECES, max_size=3).map(" ".join), ENDINGS), max_size=10)
    .map(lambda parts: "".join(a + b for a, b in parts)),
    st.text(max_size=60),
)


@settings(max_examples=500)
@given(text=TEXTS, trusted=st.sampled_from([None, "10.0.0.5"]))
@example(text="[global]\nindex-url =\n    https://corp/simple\n", trusted=None)
@example(text="# conda-tuna-replaced: mine\n[global]\n", trusted=None)
@example(text="[global]\n  timeout = 5", trusted=None)
def test_edit_then_restore_is_the_identity_for_any_text(text, trusted):
    edited = pip_config.set_index(text, URL, trusted)
    assert pip_config.strip_ours(edited) == text
    assert pip_config.set_index(pip_config.strip_ours(edited), URL, trusted) == edited


@settings(max_examples=300)
@given(st.binary(max_size=80))
@example(b"[global]\ntimeout = 5\n# caf\xe9 (Latin-1)\n")
def test_edit_then_restore_is_the_identity_for_any_bytes(data):
    assert pip_config.strip_bytes(pip_config.edit(data, URL)) == data
    edited_twice = pip_config.edit(pip_config.edit(data, URL), URL, ours=True)
    assert edited_twice == pip_config.edit(data, URL)


def _view(text: str) -> dict[str, dict[str, str]] | None:
    """What pip reads: a file opened in text mode (universal newlines), RawConfigParser."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.Error:
        return None
    return {s: dict(parser.items(s)) for s in parser.sections()}


@settings(max_examples=500)
@given(TEXTS)
@example("[global]\nindex-url = https://corp/simple\n   https://second/simple\ntimeout=5\n")
@example("[global]\n  timeout = 5\n")
def test_pip_reads_our_index_and_every_other_setting_unchanged(text):
    before = _view(text)
    if before is None:
        return  # pip cannot read it either
    after = _view(pip_config.set_index(text, URL))
    assert after is not None
    assert after["global"]["index-url"] == URL
    for section, values in before.items():
        for key, value in values.items():
            if section == "global" and key.replace("_", "-").lstrip("-") in (
                    "index-url", "trusted-host"):
                continue
            assert after[section][key] == value


def test_continuation_lines_are_commented_with_their_key():
    text = "[global]\nindex-url =\n    https://corp/simple\ntimeout = 5\n"
    edited = pip_config.set_index(text, URL)
    assert f"{pip_config.REPLACED}    https://corp/simple" in edited
    assert _view(edited)["global"]["index-url"] == URL


@pytest.mark.parametrize(("files", "environ", "reason"), [
    ({}, {"PIP_INDEX_URL": "https://me:hunter2@corp/simple"}, "$PIP_INDEX_URL is set"),
    ({"user": "[install]\nindex-url = https://corp/simple\n"}, {}, "[install] section"),
    ({"site": "[global]\nindex-url = https://corp/simple\n"}, {}, "reads it after"),
    ({}, {"PIP_CONFIG_FILE": os.devnull}, "reads no configuration file"),
])
def test_settings_that_would_make_enable_pip_pointless(tmp_path, files, environ, reason):
    home, prefix = tmp_path / "home", tmp_path / "env"
    prefix.mkdir()
    target = pip_config.user_config_path(environ, home, "linux")
    target.parent.mkdir(parents=True)
    if "user" in files:
        target.write_text(files["user"])
    if "site" in files:
        (prefix / "pip.conf").write_text(files["site"])
    current = target.read_bytes() if target.exists() else None
    new = pip_config.edit(current, URL)
    found = pip_config.blockers(target, new, [prefix], environ, home)
    assert any(reason in f for f in found), found
    assert not any("hunter2" in f for f in found)


def test_nothing_blocks_a_plain_setup(tmp_path):
    home, prefix = tmp_path / "home", tmp_path / "env"
    prefix.mkdir()
    target = pip_config.user_config_path({}, home, "linux")
    assert pip_config.blockers(target, pip_config.edit(None, URL), [prefix], {}, home) == []


def _legacy(path, original: bytes | None):
    """What conda-tuna 0.1 left: the edited file, its backup and its state file."""
    new = pip_config.edit(original, URL)
    path.write_bytes(new)
    backup = path.with_name(path.name + ".conda-tuna-backup")
    if original is not None:
        backup.write_bytes(original)
    state = {"existed": original is not None,
             "backup": str(backup) if original is not None else None, "mode": 0o644,
             "written_sha256": hashlib.sha256(new).hexdigest(),
             "created_dirs": []}
    path.with_name(f".{path.name}.conda-tuna.json").write_text(json.dumps(state))
    return backup


@pytest.mark.parametrize("original", [b"[global]\ntimeout = 5\n", None])
def test_what_conda_tuna_0_1_left_is_restored(tmp_path, original):
    path = tmp_path / "pip.conf"
    _legacy(path, original)
    result = pip_config.restore_legacy(path)
    assert result["how"] == ("restored" if original else "deleted")
    assert (path.read_bytes() if path.exists() else None) == original
    assert sorted(p.name for p in tmp_path.iterdir()) == (["pip.conf"] if original else [])


def test_0_1_with_its_backup_deleted_keeps_the_users_settings(tmp_path):
    path = tmp_path / "pip.conf"
    original = b"[global]\ntimeout = 5\n"
    _legacy(path, original).unlink()
    assert pip_config.restore_legacy(path)["how"] == "kept-edits"
    assert path.read_bytes() == original  # rebuilt from the file: nothing lost
