"""Every `conda tuna` subcommand, driven with what a hostile or unlucky user, file or mirror
can send (issue 11): never a traceback from conda-tuna's code, a non-zero exit where the
input is unusable, a message that says what is wrong and what to do, and no secret echoed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conda_tuna.base.journal import JOURNAL_NAME, STATE_DIR
from tests.support.mirror import MirrorServer
from tests.support.tree import difference, tree

pytestmark = pytest.mark.integration

SECRET = "hunter2"


@dataclass
class Case:
    """One hostile run: `files` are written below the sandbox base first ({home} and
    {base} in paths and values are filled in); `code` None means 0 or 1 are both fine."""

    args: list[str]
    code: int | None
    expect: str = ""
    condarc: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "no subcommand": Case(["tuna"], 1, "Give a command"),
    "enable --url ''": Case(["tuna", "enable", "-y", "--url", ""], 1, "--url is empty"),
    "enable bad port": Case(["tuna", "enable", "-y", "--url", "http://127.0.0.1:abc"], 1,
                            "port 'abc'"),
    "enable port 0": Case(["tuna", "enable", "-y", "--url", "http://127.0.0.1:0"], 1,
                          "port '0'"),
    "enable [::1": Case(["tuna", "enable", "-y", "--url", "http://[::1"], 1, "closing bracket"),
    "enable 127.evil": Case(["tuna", "enable", "-y", "--url", "http://127.evil.example"], 1,
                            "plain http://"),
    "enable userinfo": Case(["tuna", "enable", "-y", "--url", "http://127.0.0.1@evil.example"],
                            1, "user name or password"),
    "enable password": Case(["tuna", "enable", "-y", "--json", "--url",
                             f"https://me:{SECRET}@m.example"], 1, "user name or password"),
    "enable line separator": Case(["tuna", "enable", "-y", "--url",
                                   "http://127.0.0.1:9/\u2028x"], 1, "no URL may hold"),
    "enable --mirror ''": Case(["tuna", "enable", "-y", "--mirror", ""], 1, "Unknown mirror"),
    "enable --pip, pip.conf is a directory": Case(
        ["tuna", "enable", "-y", "--pip", "--url", "https://m.example"], 1, "",
        files={"{home}/.config/pip/pip.conf/x": b""}),
    "enable --pip, uv.toml is a directory": Case(
        ["tuna", "enable", "-y", "--pip", "--url", "https://m.example"], 1, "",
        files={"{home}/.config/uv/uv.toml/x": b""}),
    "enable --pip, uv.toml is not TOML": Case(
        ["tuna", "enable", "-y", "--pip", "--url", "https://m.example"], 1,
        "uv cannot read", files={"{home}/.config/uv/uv.toml": b"[[index\n"}),
    "enable --pip, uv.toml is UTF-16": Case(
        ["tuna", "enable", "-y", "--pip", "--url", "https://m.example"], 1,
        "not UTF-8", files={"{home}/.config/uv/uv.toml": "native-tls = true\n".encode(
            "utf-16")}),
    "status, uv.toml is not TOML, UV_CONFIG_FILE missing": Case(
        ["tuna", "status", "--offline", "--json"], 0, '"uv"',
        env={"UV_CONFIG_FILE": "{base}/nope.toml", "UV_DEFAULT_INDEX": f"https://u:{SECRET}@x"},
        files={"{home}/.config/uv/uv.toml": b"\xff[[index\n"}),
    # issue 9: a broken plugins.tuna_mirror_url turns routing off (conda goes upstream);
    # status reports that, with the reason, as its answer (exit 0), never a traceback
    "status, broken tuna_mirror_url": Case(
        ["tuna", "status", "--offline"], 0, "plugins.tuna_mirror_url",
        condarc="plugins:\n  tuna_mirror_url: 'http://[::1'\n"),
    "status, tuna_mirror_url with a password": Case(
        ["tuna", "status", "--offline", "--json"], 0, "plugins.tuna_mirror_url",
        condarc=f"plugins:\n  tuna_mirror_url: https://me:{SECRET}@m.example\n"),
    "disable, damaged journal": Case(
        ["tuna", "disable"], 1, "damaged",
        files={f"{{home}}/{STATE_DIR}/{JOURNAL_NAME}": b"{not json"}),
    "check, dependencies not a list": Case(
        ["tuna", "check", "{base}/env.yml", "-c", "conda-forge"], 1, "must be a list",
        files={"{base}/env.yml": b"dependencies:\n  numpy: 1.0\n"}),
    "check, not UTF-8": Case(
        ["tuna", "check", "{base}/env.yml"], 1, "not UTF-8",
        files={"{base}/env.yml": b"dependencies:\n  - caf\xe9\n"}),
    "check, a YAML list": Case(
        ["tuna", "check", "{base}/env.yml"], 1, "not an environment file",
        files={"{base}/env.yml": b"- numpy\n"}),
    "check, not YAML": Case(
        ["tuna", "check", "{base}/env.yml"], 1, "not valid YAML",
        files={"{base}/env.yml": b"dependencies: [unclosed\n"}),
    "check, a directory": Case(["tuna", "check", "{base}/dir.yml"], 1, "no such file",
                               files={"{base}/dir.yml/x": b""}),
    "check, unknown platform": Case(["tuna", "check", "numpy", "--platform", "amiga-68k"], 1,
                                    "Unknown platform"),
    "mirrors, override with a password": Case(
        ["tuna", "mirrors"], 1, "CONDA_TUNA_MIRRORS_OVERRIDE entry",
        env={"CONDA_TUNA_MIRRORS_OVERRIDE": "{base}/override.json"},
        files={"{base}/override.json": json.dumps({"x": f"https://u:{SECRET}@h"}).encode()}),
    "mirrors, override not JSON": Case(
        ["tuna", "mirrors"], 1, "cannot read JSON",
        env={"CONDA_TUNA_MIRRORS_OVERRIDE": "{base}/override.json"},
        files={"{base}/override.json": b"\xff\xfe"}),
    "mirrors, override bad port": Case(
        ["tuna", "mirrors"], 1, "port '99999'",
        env={"CONDA_TUNA_MIRRORS_OVERRIDE": "{base}/override.json"},
        files={"{base}/override.json": b'{"x": "http://127.0.0.1:99999"}'}),
    "mirrors --probe, timeout nan": Case(
        ["tuna", "mirrors", "--probe"], 1, "plugins.tuna_probe_timeout",
        condarc="plugins:\n  tuna_probe_timeout: .nan\n",
        env={"CONDA_TUNA_MIRRORS_OVERRIDE": "{base}/override.json"},
        files={"{base}/override.json": b'{"local": "http://127.0.0.1:9"}'}),
    "mirrors --probe, timeout text": Case(
        ["tuna", "mirrors", "--probe"], 1, "plugins.tuna_probe_timeout",
        condarc="plugins:\n  tuna_probe_timeout: abc\n",
        env={"CONDA_TUNA_MIRRORS_OVERRIDE": "{base}/override.json"},
        files={"{base}/override.json": b'{"local": "http://127.0.0.1:9"}'}),
    "mirrors --probe, timeout inf": Case(
        # exit 1: no mirror answered (issue 12); the setting's warning is what is tested
        ["tuna", "mirrors", "--probe"], 1, "is outside 0.05 to 60; using 60",
        condarc="plugins:\n  tuna_probe_timeout: .inf\n",
        env={"CONDA_TUNA_MIRRORS_OVERRIDE": "{base}/override.json"},
        files={"{base}/override.json": b'{"local": "http://127.0.0.1:9"}'}),
    "mirrors --probe, timeout -1": Case(
        ["tuna", "mirrors", "--probe"], 1, "using 0.05",
        condarc="plugins:\n  tuna_probe_timeout: -1\n",
        env={"CONDA_TUNA_MIRRORS_OVERRIDE": "{base}/override.json"},
        files={"{base}/override.json": b'{"local": "http://127.0.0.1:9"}'}),
    "installer --download into a file": Case(
        ["tuna", "installer", "--os", "linux", "--arch", "x86_64", "--download",
         "{base}/a-file"], 1, "", files={"{base}/a-file": b"x"}),
    "pip install, no such env": Case(["tuna", "pip", "install", "-p", "{base}/nope", "x"], 1,
                                     "not a conda environment"),
}


def _fill(text: str, sandbox) -> str:
    return text.replace("{home}", str(sandbox.home)).replace("{base}", str(sandbox.base))


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_gets_a_clear_error_never_a_traceback(sandbox, name):
    case = CASES[name]
    if case.condarc is not None:
        sandbox.write_condarc(case.condarc)
    for rel, data in case.files.items():
        path = Path(_fill(rel, sandbox))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    sandbox.extra_env.update({k: _fill(v, sandbox) for k, v in case.env.items()})
    result = sandbox.run(*[_fill(a, sandbox) for a in case.args])
    assert "Traceback" not in result.output, result.output
    assert SECRET not in result.output
    if case.code is not None:
        assert result.returncode == case.code, result.output
    assert case.expect in result.output, result.output
    if case.code == 1 and "--json" not in case.args:
        assert "Error" in result.output  # conda's error rendering, with the next step


def test_scalar_channels_is_one_channel_with_a_note(sandbox, mirror, tmp_path):
    sandbox.run("tuna", "enable", "-y", "--url", mirror.url).check()
    env_file = tmp_path / "env.yml"
    env_file.write_text("channels: conda-forge\ndependencies:\n  - cf-tool\n")
    result = sandbox.run("tuna", "check", str(env_file), "--json")
    data = json.loads(result.stdout)
    assert data["channels"][0] == "conda-forge" and "c" not in data["channels"]
    assert any("single value" in note for note in data["notes"])
    assert result.returncode == 0, result.output


@pytest.mark.parametrize("body", [
    b'{"anaconda": "x"}', b"[1, 2, 3]", b"not json", b"\xff\xfe\x00",
    b'[{"name": "anaconda", "last_update_ts": 1e400, "status": ["x"]}]',
    b'[{"name": "anaconda", "last_update_ts": 99999999999999999999, "last_update": {}}]',
    b'[{"name": "anaconda", "last_update_ts": -5, "last_ended_ts": "soon"}]',
    b"[" * 100000,
])
def test_any_tunasync_json_gives_a_status_never_a_traceback(sandbox, tmp_path, body):
    root = tmp_path / "odd-mirror"
    (root / "static").mkdir(parents=True)
    (root / "static" / "tunasync.json").write_bytes(body)
    with MirrorServer(root, "odd") as server:
        sandbox.run("tuna", "enable", "-y", "--url", server.url).check()
        for args in (["tuna", "status"], ["tuna", "status", "--json"]):
            result = sandbox.run(*args)
            assert result.returncode == 0 and "Traceback" not in result.output, result.output
        assert "Mirror freshness" in sandbox.run("tuna", "status").output


def test_home_with_line_separators_round_trips(sandbox, mirror, tmp_path):
    """A HOME holding U+2028, U+0085 and a tab: the drop-in conda-tuna writes there (its
    metadata records paths) must still load, and disable must put everything back."""
    home = tmp_path / "we\u2028ird\x85ho\tme"
    home.mkdir()
    sandbox.extra_env.update({"HOME": str(home), "USERPROFILE": str(home)})
    (home / ".condarc").write_text("channels:\n  - defaults\n")
    before = tree(home)
    sandbox.run("tuna", "enable", "-y", "--url", mirror.url).check()
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] is True
    sandbox.run("config", "--show", "channels").check()
    sandbox.run("tuna", "disable").check()
    assert difference(before, tree(home)) == []


def test_migrate_pkgs_free_only_config(sandbox, mirror):
    original = ("channels:  # mine\n"
                "  - https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/free/  # old one\n")
    sandbox.write_condarc(original)
    result = sandbox.run("tuna", "enable", "-y", "--url", mirror.url, "--migrate").check()
    assert "conda-forge" in result.output and "# old one" in result.output
    assert "conda-forge" in sandbox.condarc.read_text()
    backups = list(sandbox.home.glob(".condarc.conda-tuna-backup-*"))
    assert len(backups) == 1 and backups[0].read_text() == original
    channels = sandbox.run("config", "--show", "channels", "--json").check().json()
    assert channels["channels"] == ["conda-forge"]
