"""pip config editing with exact restore."""

from __future__ import annotations

import configparser
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
    assert pip_config.set_index(edited, URL) == edited  # idempotent


def test_set_index_trusted_host_for_plain_http():
    edited = pip_config.set_index("", "http://10.0.0.5/pypi/web/simple", "10.0.0.5")
    parser = configparser.RawConfigParser()
    parser.read_string(edited)
    assert parser.get("global", "trusted-host") == "10.0.0.5"


def test_apply_restore_exact_bytes(tmp_path):
    path = tmp_path / "pip" / "pip.conf"
    path.parent.mkdir()
    original = b"# keep me\r\n[global]\r\nindex-url = https://corp/simple\r\ncert = /x.pem\r\n"
    path.write_bytes(original)
    os.chmod(path, 0o600)
    first = pip_config.apply(path, URL)
    assert first["changed"] and first["backup"]
    assert pip_config.apply(path, URL)["changed"] is False
    assert (path.stat().st_mode & 0o777) == 0o600
    preview = pip_config.restore(path, dry_run=True)
    assert preview["how"] == "restored" and path.read_bytes() != original
    assert pip_config.restore(path)["how"] == "restored"
    assert path.read_bytes() == original and (path.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["pip.conf"]
    assert pip_config.restore(path) is None


def test_apply_restore_when_file_did_not_exist(tmp_path):
    path = tmp_path / "cfg" / "pip" / "pip.conf"
    pip_config.apply(path, URL)
    assert f"index-url = {URL}" in path.read_text()
    assert pip_config.restore(path)["how"] == "deleted"
    assert not (tmp_path / "cfg").exists()


def test_restore_keeps_later_user_edits(tmp_path):
    path = tmp_path / "pip.conf"
    path.write_text("[global]\nindex-url = https://corp/simple\n")
    pip_config.apply(path, URL)
    path.write_text(path.read_text() + "retries = 9\n")
    result = pip_config.restore(path)
    assert result["how"] == "kept-edits"
    assert path.read_text() == "[global]\nindex-url = https://corp/simple\nretries = 9\n"
    assert os.path.exists(result["backup"])


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
