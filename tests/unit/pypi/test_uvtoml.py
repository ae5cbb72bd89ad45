"""uv.toml editing with exact restore, and what would make uv ignore it."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conda_tuna.pypi import uvtoml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the editor checks its work with tomli there
    tomllib = pytest.importorskip("tomli", reason="Python 3.10 without tomli reads no TOML")

URL = "https://mirrors.tuna.tsinghua.edu.cn/pypi/web/simple"


# --------------------------------------------------------------------------- where
def test_user_config_path_rules(tmp_path):
    home = tmp_path / "home"
    assert uvtoml.user_config_path({}, home, "linux") == home / ".config/uv/uv.toml"
    assert uvtoml.user_config_path({"XDG_CONFIG_HOME": str(tmp_path / "x")}, home,
                                   "linux") == tmp_path / "x/uv/uv.toml"
    # uv (etcetera) ignores a relative XDG_CONFIG_HOME, as the XDG spec says
    assert uvtoml.user_config_path({"XDG_CONFIG_HOME": "rel"}, home,
                                   "linux") == home / ".config/uv/uv.toml"
    # macOS: uv uses the XDG layout, not ~/Library (unlike pip)
    assert uvtoml.user_config_path({}, home, "darwin") == home / ".config/uv/uv.toml"
    win = uvtoml.user_config_path({"APPDATA": str(tmp_path / "Roaming")}, home, "win32")
    assert win == tmp_path / "Roaming" / "uv" / "uv.toml"


def test_system_config_path_rules(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    (second / "uv").mkdir(parents=True)
    (second / "uv" / "uv.toml").write_text("")
    dirs = f"{first}:{second}"
    assert uvtoml.system_config_path({"XDG_CONFIG_DIRS": dirs}, "linux") == (
        second / "uv" / "uv.toml")
    assert uvtoml.system_config_path({"XDG_CONFIG_DIRS": dirs, "UV_NO_SYSTEM_CONFIG": "1"},
                                     "linux") is None
    # uv stops at the first empty entry
    found = uvtoml.system_config_path({"XDG_CONFIG_DIRS": f"{first}::{second}"}, "linux")
    assert found != second / "uv" / "uv.toml"


# --------------------------------------------------------------------------- editing
@pytest.mark.parametrize("original", [
    "",
    "native-tls = true\n",
    "# mine\r\nindex-url = \"https://corp/simple\"\r\n\r\n[pip]\r\nnative-tls = true\r\n",
    "[pip]\ncompile-bytecode = true",  # only a table, no final newline
    "extra-index-url = [\n  \"https://a/simple\",\n  # a comment\n  \"https://b/simple\",\n]\n"
    "index-url = 'https://old/simple'  # old mirror\n[[index]]\nname = \"x\"\nurl = \"https://x\"\n",
    "\ufeffcache-dir = \"/tmp/c\"\n",
    "\"index-url\" = \"https://quoted/simple\"\n",
])
def test_set_index_keeps_other_settings_and_strip_restores(original):
    edited = uvtoml.set_index(original, URL)
    before = tomllib.loads(original.removeprefix("\ufeff"))
    after = tomllib.loads(edited.removeprefix("\ufeff"))
    assert after == {**before, "index-url": URL}
    assert uvtoml.edit_is_exact(original.encode(), edited.encode(), URL)
    assert uvtoml.strip_ours(edited) == original
    again = uvtoml.edit(edited.encode(), URL, ours=True)  # enable again: no second copy
    assert again == edited.encode()
    assert edited.startswith("\ufeff" if original.startswith("\ufeff") else uvtoml.TAG)


def test_the_users_index_url_is_commented_out_not_lost():
    edited = uvtoml.set_index('index-url = "https://corp/simple"\n', URL)
    assert f'{uvtoml.REPLACED}index-url = "https://corp/simple"' in edited
    assert uvtoml.has_our_lines(edited.encode())
    assert not uvtoml.has_our_lines(b'index-url = "x"\n')


@pytest.mark.parametrize("text", [
    # a multi-line string holding a header-like line, before the user's own key
    'cache-keys = """\n[fake]\nindex-url = "inside"\n"""\nindex-url = "https://corp/simple"\n',
    # a multi-line value of index-url itself (uv would reject it; TOML reads it)
    'index-url = """\nhttps://corp/simple"""\nnative-tls = true\n',
    "index-url = [\n  'a',\n  # conda-tuna lookalike below\n# conda-tuna\n]\n",
])
def test_multi_line_values_are_taken_whole(text):
    edited = uvtoml.edit(text.encode(), URL)
    assert uvtoml.edit_is_exact(text.encode(), edited, URL)
    assert uvtoml.strip_bytes(edited) == text.encode()


def test_an_edit_toml_would_read_differently_is_refused(monkeypatch):
    """Should the line scan ever miss, the parse check refuses (nothing is written)."""
    monkeypatch.setattr(uvtoml, "_statement_end", lambda lines, start: start + 1)
    text = 'cache-keys = """\n[fake]\n"""\nindex-url = "https://corp/simple"\n'
    edited = uvtoml.edit(text.encode(), URL)
    assert not uvtoml.edit_is_exact(text.encode(), edited, URL)
    found = uvtoml.blockers(uvtoml.Path("uv.toml"), text.encode(), edited, URL, {})
    assert any("by hand" in f for f in found), found


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_toml_string_reads_back(value):
    assert tomllib.loads(f"k = {uvtoml.toml_string(value)}")["k"] == value


# --------------------------------------------------------------------------- properties
PIECES = st.sampled_from([
    "[pip]", "[[index]]", " [tool]", "index-url = \"x\"", "'index-url'=\"y\"", "index-url",
    "url = \"u\"", "default = true", "[", "]", "\"\"\"", "# note", "", " ", "\t",
    "# conda-tuna", uvtoml.TAG, uvtoml.REPLACED + "a", uvtoml.ESCAPED + "b", "\ufeff",
    "\x85", "\u2028", "é", "=",
])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r", ""])
TEXTS = st.one_of(
    st.lists(st.tuples(st.lists(PIECES, max_size=3).map(" ".join), ENDINGS), max_size=10)
    .map(lambda parts: "".join(a + b for a, b in parts)),
    st.text(max_size=60),
)


@settings(max_examples=500)
@given(TEXTS)
@example(uvtoml.TAG + "\nindex-url = \"mine\"\n")
@example("\ufeff# conda-tuna\n")
@example("\ufeff\ufeffindex-url = 1")
def test_edit_then_restore_is_the_identity_for_any_text(text):
    edited = uvtoml.set_index(text, URL)
    assert uvtoml.strip_ours(edited) == text
    assert uvtoml.set_index(uvtoml.strip_ours(edited), URL) == edited


@settings(max_examples=300)
@given(st.binary(max_size=80))
@example(b"native-tls = true\n# caf\xe9 (Latin-1)\n")
@example(b"\xff\xfei\x00n\x00")  # UTF-16: uv cannot read it, and it comes back as it was
def test_edit_then_restore_is_the_identity_for_any_bytes(data):
    assert uvtoml.strip_bytes(uvtoml.edit(data, URL)) == data
    assert uvtoml.edit(uvtoml.edit(data, URL), URL, ours=True) == uvtoml.edit(data, URL)


# Valid uv.toml-like documents, rendered with varied layout: comments, blank lines, CRLF,
# multi-line arrays, quoted keys, tables and arrays of tables after the root keys.
_KEYS = ["cache-dir", "native-tls", "offline", "extra-index-url", "\"no-cache\"",
         "index-url", "'index-url'", "python-preference"]
_VALUES = st.one_of(
    st.booleans().map(lambda b: "true" if b else "false"),
    st.integers(-5, 5).map(str),
    st.sampled_from(['"https://corp/simple"', "'literal'", '"[not a table]"',
                     '"index-url = x"', '[\n  "a",\n  # c\n  "b",\n]', '[]',
                     '"""\none\ntwo\n"""']),
)
_COMMENTS = st.sampled_from(["", "# a comment", "   ", "# [pip] in a comment",
                             "# index-url = \"commented\""])
_TABLES = st.lists(st.sampled_from([
    "[pip]\nindex-url = \"https://pip/simple\"\n",
    "[pip]\ncompile-bytecode = true\n",
    "[[index]]\nname = \"a\"\nurl = \"https://a/simple\"\n",
    "[[index]]\nurl = \"https://b/simple\"\nexplicit = true\n",
    "[tool.x]\nindex-url = 'nested'\n",
]), max_size=3, unique=True).filter(lambda ts: sum(t.startswith("[pip]") for t in ts) < 2)


@st.composite
def documents(draw) -> str:
    keys = draw(st.lists(st.sampled_from(_KEYS), max_size=5,
                         unique_by=lambda k: k.strip("\"'")))
    lines: list[str] = []
    for key in keys:
        lines.append(draw(_COMMENTS))
        spaces = draw(st.sampled_from(["", " ", "\t"]))
        lines.append(f"{spaces}{key}{spaces}={spaces}{draw(_VALUES)}")
        if draw(st.booleans()):
            lines[-1] += "  # trailing"
    text = "\n".join(lines) + ("\n" if lines else "") + "".join(draw(_TABLES))
    text = text.replace("\n", draw(st.sampled_from(["\n", "\r\n"])))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text


@settings(max_examples=400)
@given(documents())
@example('index-url = "https://corp/simple"\n[pip]\nindex-url = "https://pip/simple"\n')
def test_uv_reads_our_index_and_every_other_setting_unchanged(text):
    before = tomllib.loads(text)
    edited = uvtoml.set_index(text, URL)
    assert tomllib.loads(edited) == {**before, "index-url": URL}
    assert uvtoml.edit_is_exact(text.encode(), edited.encode(), URL)
    assert uvtoml.strip_ours(edited) == text


@settings(max_examples=500)
@given(st.one_of(TEXTS, documents()))
def test_any_text_toml_can_read_gets_exactly_our_index(text):
    try:
        before = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError:
        return  # uv cannot read it either: blockers() says so and nothing is written
    if isinstance(before.get("index-url"), dict):
        return  # `index-url.x = 1` or an [index-url] table: refused, tested above
    edited = uvtoml.set_index(text, URL)
    assert tomllib.loads(edited.removeprefix("\ufeff")) == {**before, "index-url": URL}


# --------------------------------------------------------------------------- blockers
def _blockers(tmp_path, user: str | None = None, system: str | None = None,
              environ: dict[str, str] | None = None) -> list[str]:
    target = tmp_path / "home" / ".config" / "uv" / "uv.toml"
    old = user.encode() if user is not None else None
    system_file = None
    if system is not None:
        system_file = tmp_path / "xdg" / "uv" / "uv.toml"
        system_file.parent.mkdir(parents=True)
        system_file.write_text(system)
    return uvtoml.blockers(target, old, uvtoml.edit(old, URL), URL, environ or {}, system_file)


@pytest.mark.parametrize(("user", "system", "environ", "reason"), [
    (None, None, {"UV_INDEX_URL": "https://me:hunter2@corp/simple"}, "$UV_INDEX_URL is set"),
    (None, None, {"UV_DEFAULT_INDEX": "https://corp/simple"}, "$UV_DEFAULT_INDEX is set"),
    (None, None, {"UV_CONFIG_FILE": "/ci/uv.toml"}, "reads that file instead"),
    (None, None, {"UV_NO_CONFIG": "1"}, "reads no configuration file"),
    ('[[index]]\nurl = "https://corp/simple"\ndefault = true\n', None, {}, "[[index]]"),
    ('[pip]\nindex-url = "https://corp/simple"\n', None, {}, "[pip] section"),
    ('[[pip.index]]\nurl = "https://corp/simple"\ndefault = true\n', None, {},
     "[[pip.index]]"),
    ("no-index = true\n", None, {}, "no-index"),
    ("index-url = \n", None, {}, "uv cannot read"),
    ("index-url.x = 1\n", None, {}, "by hand"),
    (None, '[[index]]\nurl = "https://site/simple"\ndefault = true\n', {}, "[[index]]"),
    (None, "[[index\n", {}, "uv cannot read"),
])
def test_settings_that_would_make_enable_pip_pointless_for_uv(tmp_path, user, system,
                                                               environ, reason):
    found = _blockers(tmp_path, user, system, environ)
    assert any(reason in f for f in found), found
    assert not any("hunter2" in f for f in found)


@pytest.mark.parametrize(("user", "system", "environ"), [
    (None, None, {}),
    ('index-url = "https://corp/simple"\n', None, {}),  # replaced (and restored by disable)
    ('[[index]]\nurl = "https://extra/simple"\n', None, {"PIP_INDEX_URL": "x"}),
    (None, 'index-url = "https://site/simple"\n[pip]\nindex-url = "x"\n', {}),
    (None, None, {"UV_NO_CONFIG": "0", "UV_INDEX_URL": " "}),
])
def test_nothing_blocks_an_ordinary_setup(tmp_path, user, system, environ):
    assert _blockers(tmp_path, user, system, environ) == []


def test_without_a_toml_reader_only_a_new_file_is_written(tmp_path, monkeypatch):
    """Python 3.10 without tomli: a missing uv.toml gets conda-tuna's two lines (nothing to
    check); an existing one, or a system file, is left alone with the reason."""
    monkeypatch.setattr(uvtoml, "_toml", None)
    assert not uvtoml.can_parse()
    assert _blockers(tmp_path) == []
    found = _blockers(tmp_path, user="native-tls = true\n")
    assert len(found) == 1 and "tomli" in found[0] and "by hand" in found[0]
    assert any("tomli" in f for f in _blockers(tmp_path, system="native-tls = true\n"))


# --------------------------------------------------------------------------- status
def _home(tmp_path, text: str | None) -> dict[str, str]:
    if text is not None:
        path = tmp_path / "cfg" / "uv" / "uv.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CONFIG_DIRS": str(tmp_path / "no")}


def test_describe_without_any_file(tmp_path):
    found = uvtoml.describe(_home(tmp_path, None), tmp_path)
    assert found["exists"] is False and found["set_by_conda_tuna"] is False
    assert (found["default_index"], found["source"]) == (uvtoml.PYPI, "default")


def test_describe_after_enable_and_with_what_overrides_it(tmp_path):
    environ = _home(tmp_path, uvtoml.edit(None, URL).decode())
    found = uvtoml.describe(environ, tmp_path)
    assert found["set_by_conda_tuna"] and found["index_url"] == URL
    assert found["default_index"] == URL and found["source"].endswith("uv.toml")
    assert found["notes"] == []
    found = uvtoml.describe({**environ, "UV_DEFAULT_INDEX": "https://u:secret@corp/simple"},
                            tmp_path)
    assert found["source"] == "$UV_DEFAULT_INDEX"
    assert "secret" not in found["default_index"]
    assert any("UV_DEFAULT_INDEX" in n and "secret" not in n for n in found["notes"])


def test_describe_a_system_default_index_beats_the_user_index_url(tmp_path):
    environ = _home(tmp_path, uvtoml.edit(None, URL).decode())
    site = tmp_path / "site"
    (site / "uv").mkdir(parents=True)
    (site / "uv" / "uv.toml").write_text('[[index]]\nurl = "https://site/simple"\n'
                                         "default = true\n")
    found = uvtoml.describe({**environ, "XDG_CONFIG_DIRS": str(site)}, tmp_path)
    assert found["default_index"] == "https://site/simple"
    assert found["system_file"] == str(site / "uv" / "uv.toml")
    assert any("[[index]]" in n for n in found["notes"])


def test_describe_uv_config_file_replaces_the_user_file(tmp_path):
    environ = _home(tmp_path, uvtoml.edit(None, URL).decode())
    ci = tmp_path / "ci.toml"
    ci.write_text('index-url = "https://ci/simple"\n')
    found = uvtoml.describe({**environ, "UV_CONFIG_FILE": str(ci)}, tmp_path)
    assert (found["default_index"], found["source"]) == ("https://ci/simple", str(ci))
