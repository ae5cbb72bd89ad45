"""What the commands print, with real conda (issue 12): enable's summary comes first and the
file only with --show-file; mirrors shows each mirror's coverage of this machine's platforms;
mirrors --probe has an exit code scripts can rely on; network failures are words with a next
step and a machine kind in --json; with no channels configured, a run that asks nobody takes
conda-forge, the prompt defaults to it, and choosing defaults brings the licence note.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.netfaults import UNRESOLVABLE_HOST, closed_port

pytestmark = pytest.mark.integration

LICENCE = "Anaconda's terms require a paid licence"
FREE = "conda-tuna set `conda-forge`, which is free for everyone"


def use_mirrors(sandbox, tmp_path, **roots: str) -> None:
    """Point conda-tuna's mirror set at these roots; isolate the health cache."""
    path = tmp_path / "mirrors.json"
    path.write_text(json.dumps(roots))
    sandbox.extra_env["CONDA_TUNA_MIRRORS_OVERRIDE"] = str(path)


def run_on_a_terminal(sandbox, *args: str, answer: str) -> subprocess.CompletedProcess:
    """`conda ...` with stdin on a pseudo-terminal (so enable may ask), typing `answer`."""
    master, slave = os.openpty()
    try:
        os.write(master, answer.encode())
        proc = subprocess.run([sys.executable, "-m", "conda", *args], stdin=slave,
                              capture_output=True, text=True, env=sandbox.env(),
                              cwd=sandbox.base, timeout=300)
    finally:
        os.close(slave)
        os.close(master)
    return proc


# --------------------------------------------------------------------------- enable's summary
def test_dry_run_starts_with_the_summary(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - defaults\n  - nvidia\n  - conda-forge\n")
    out = sandbox.run("tuna", "enable", "--url", mirror.url, "--dry-run").check().stdout
    lines = out.splitlines()
    assert lines[0] == ("Dry run, nothing was written: `conda tuna enable` would send conda's "
                        "requests through mirror custom.")
    assert lines[1] == f"  Mirror:  custom (custom mirror), {mirror.url}, given with --url"
    assert lines[2] == "  Scope:   for your user (~/.conda/condarc.d/)"
    assert lines[3] == f"  File:    {sandbox.drop_in} (would be written)"
    assert lines[4].startswith("Where each channel's requests go")
    rows = lines[5:9]
    assert rows[0].split() == ["defaults", "(pkgs/main)", "->", "mirror", "custom",
                               f"{mirror.url}/anaconda/pkgs/main"]
    assert rows[1].split()[:2] == ["defaults", "(pkgs/r)"]
    assert rows[2].split()[:4] == ["nvidia", "->", "upstream", "https://conda.anaconda.org/nvidia"]
    assert "not mirrored" in rows[2]  # why it stays upstream
    assert rows[3].split() == ["conda-forge", "->", "mirror", "custom",
                               f"{mirror.url}/anaconda/cloud/conda-forge"]
    assert LICENCE in out  # defaults is configured
    assert "at user scope" not in out and "channel_settings" not in out
    assert lines[-1] == "See what the file would contain with --show-file."
    assert not sandbox.drop_in.exists()


def test_show_file_prints_the_file_last_under_a_heading(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - conda-forge\n")
    dry = sandbox.run("tuna", "enable", "--url", mirror.url, "--dry-run",
                      "--show-file").check().stdout
    summary, _sep, contents = dry.partition(f"\nContents of {sandbox.drop_in}:\n")
    assert summary.startswith("Dry run") and "Where each channel's requests go" in summary
    assert "channel_settings:" in contents and "channel_settings" not in summary
    done = sandbox.run("tuna", "enable", "--url", mirror.url, "--show-file").check().stdout
    assert done.startswith("conda-tuna is enabled: conda's requests now go through mirror "
                           "custom.\n")
    assert f"  File:    {sandbox.drop_in} (written)" in done
    shown = done.split(f"\nContents of {sandbox.drop_in}:\n", 1)[1]
    assert shown == sandbox.drop_in.read_text(encoding="utf-8")
    again = sandbox.run("tuna", "enable", "--url", mirror.url).check().stdout
    assert again.startswith("conda-tuna was already enabled this way (nothing changed)")
    assert "(unchanged)" in again and "Contents of" not in again


def test_scope_in_plain_words(sandbox, mirror, tmp_path):
    sandbox.write_condarc("channels:\n  - conda-forge\n")
    system = sandbox.run("tuna", "enable", "--url", mirror.url, "--scope", "system",
                         "--dry-run").check().stdout
    assert "  Scope:   for everyone using this conda installation (" in system
    env = tmp_path / "envs" / "lab"
    (env / "conda-meta").mkdir(parents=True)
    scoped = sandbox.run("tuna", "enable", "--url", mirror.url, "--scope", "env", "-p",
                         str(env), "--dry-run").check().stdout
    assert f"  Scope:   for the environment {env} only ({env}/condarc.d/)" in scoped


def test_json_unchanged_in_meaning(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - conda-forge\n")
    data = sandbox.run("tuna", "enable", "--url", mirror.url, "--json").check().json()
    assert data["success"] is True and data["changed"] is True
    assert data["mirror"] == {"name": "custom", "url": mirror.url, "why": "given by --url",
                              "chosen_by": "--url"}
    assert data["file"] == str(sandbox.drop_in) and data["scope"] == "user"
    assert {r["channel"]: r["via"] for r in data["channels"]} == {
        "conda-forge": "mirror", "defaults": "mirror"}


def test_summary_in_chinese(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - conda-forge\n")
    sandbox.extra_env["LANG"] = "zh_CN.UTF-8"
    out = sandbox.run("tuna", "enable", "--url", mirror.url, "--dry-run").check().stdout
    lines = out.splitlines()
    assert lines[0].startswith("试运行，未写入任何内容")
    assert lines[2] == "  范围：  仅对当前用户生效（~/.conda/condarc.d/）"
    assert "镜像 custom" in out


# --------------------------------------------------------------------------- the channel choice
@pytest.mark.parametrize("how", ["-y", "--json", "stdin-not-a-terminal"])
def test_no_channels_and_nobody_asked_takes_conda_forge(sandbox, mirror, how):
    args = ["tuna", "enable", "--url", mirror.url]
    args += [how] if how.startswith("-") else []
    result = sandbox.run(*args, stdin="d\n").check()  # a pipe: never read as an answer
    assert '"conda-forge"' in sandbox.drop_in.read_text() and "defaults" not in \
        sandbox.drop_in.read_text().split("channels:", 1)[1].split("plugins:", 1)[0]
    if how == "--json":
        data = result.json()
        assert data["added_channels"] == ["conda-forge"]
        assert any(FREE in n for n in data["notes"])
    else:
        assert FREE in result.stdout and "--channels defaults" in result.stdout
        assert "Which channel" not in result.stdout and LICENCE not in result.stdout


def test_the_prompt_defaults_to_conda_forge(sandbox, mirror):
    proc = run_on_a_terminal(sandbox, "tuna", "enable", "--url", mirror.url, answer="\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[c]onda-forge (free for everyone) / [d]efaults" in proc.stdout
    assert proc.stdout.split("\n", 1)[1].count("[c]:") == 1
    assert '"conda-forge"' in sandbox.drop_in.read_text()
    assert LICENCE not in proc.stdout


def test_choosing_defaults_prints_the_licence_note(sandbox, mirror):
    proc = run_on_a_terminal(sandbox, "tuna", "enable", "--url", mirror.url, answer="d\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"defaults"' in sandbox.drop_in.read_text()
    assert LICENCE in proc.stdout and "more than 200 people" in proc.stdout
    flag = sandbox.run("tuna", "enable", "--url", mirror.url, "--channels", "defaults",
                       "--dry-run").check()
    assert LICENCE in flag.stdout


def test_configured_channels_are_never_changed(sandbox, mirror):
    original = "channels:  # mine\n  - defaults\n"
    sandbox.write_condarc(original)
    result = sandbox.run("tuna", "enable", "--url", mirror.url, "-y").check()
    assert sandbox.condarc.read_text() == original
    assert "channels:" not in sandbox.drop_in.read_text().split("plugins:", 1)[0] \
        .split("channel_settings:", 1)[1].replace("channel_settings", "")
    assert FREE not in result.stdout and LICENCE in result.stdout


# --------------------------------------------------------------------------- mirrors
def test_each_mirror_lists_this_machines_platforms(sandbox, mirror, tmp_path):
    use_mirrors(sandbox, tmp_path, tuna=mirror.url, sjtug=mirror.url)
    sandbox.extra_env["CONDA_SUBDIR"] = "linux-aarch64"
    out = sandbox.run("tuna", "mirrors").check().stdout
    lines = out.splitlines()
    assert lines[0] == ("Mirrors, and which of this machine's platforms (linux-aarch64 + "
                        "noarch) each one carries:")
    tuna = lines.index(next(x for x in lines if x.split()[:1] == ["tuna"]))
    sjtug = lines.index(next(x for x in lines if x.split()[:1] == ["sjtug"]))
    assert lines[tuna + 1].strip().startswith("linux-aarch64 + noarch in defaults and "
                                              "conda-forge; ")
    assert lines[sjtug + 1].strip().startswith("only noarch in defaults and conda-forge (no "
                                               "linux-aarch64)")
    data = sandbox.run("tuna", "mirrors", "--json").check().json()
    cover = {m["name"]: m["platforms"] for m in data["mirrors"]}
    assert data["subdirs"] == ["linux-aarch64", "noarch"]
    assert cover["tuna"]["carried"] == ["linux-aarch64", "noarch"]
    assert cover["sjtug"]["missing"] == ["linux-aarch64"]
    assert not mirror.requests  # coverage is catalog knowledge, no request


def test_osx_arm64_coverage_differs_per_channel(sandbox, mirror, tmp_path):
    use_mirrors(sandbox, tmp_path, sjtug=mirror.url)
    sandbox.extra_env["CONDA_SUBDIR"] = "osx-arm64"
    out = sandbox.run("tuna", "mirrors").check().stdout
    assert "defaults: noarch; conda-forge: osx-arm64 + noarch" in out


def test_probe_exit_code_when_no_mirror_answers(sandbox, tmp_path):
    """No mirror answered: conda's error (exit 1) with the reason and the next step, after
    the table; under --json conda's error document, carrying every probe."""
    use_mirrors(sandbox, tmp_path, tuna=f"http://127.0.0.1:{closed_port()}",
                bfsu=f"http://127.0.0.1:{closed_port()}")
    result = sandbox.run("tuna", "mirrors", "--probe")
    assert result.returncode == 1, result.output
    assert "refused the connection" in result.stdout and "Errno" not in result.output
    assert "CondaTunaError: No mirror answered within" in result.stderr
    assert "Next step: Nothing accepts connections at that address" in result.stderr
    data = sandbox.run("tuna", "mirrors", "--probe", "--json")
    assert data.returncode == 1
    doc = data.json()
    assert doc["exception_name"] == "CondaTunaError" and "No mirror answered" in doc["message"]
    assert doc["success"] is False and doc["answered"] == 0
    assert {m["probe"]["kind"] for m in doc["mirrors"]} == {"refused"}


def test_probe_exit_code_when_one_mirror_answers(sandbox, mirror, tmp_path):
    use_mirrors(sandbox, tmp_path, tuna=mirror.url, bfsu=f"https://{UNRESOLVABLE_HOST}")
    result = sandbox.run("tuna", "mirrors", "--probe").check()
    assert f"cannot resolve the host name {UNRESOLVABLE_HOST} (DNS)" in result.stdout
    assert "1 of 2 answered" in result.stdout
    doc = sandbox.run("tuna", "mirrors", "--probe", "--json").check().json()
    assert doc["success"] is True and doc["answered"] == 1 and doc["fastest"] == "tuna"
    probes = {m["name"]: m["probe"] for m in doc["mirrors"]}
    assert probes["bfsu"]["kind"] == "dns" and probes["bfsu"]["error"]["host"] == \
        UNRESOLVABLE_HOST


def test_probe_offline_asks_nobody_and_says_so(sandbox, mirror, tmp_path):
    use_mirrors(sandbox, tmp_path, tuna=mirror.url)
    sandbox.extra_env["CONDA_OFFLINE"] = "true"
    result = sandbox.run("tuna", "mirrors", "--probe")
    assert result.returncode == 1 and "no mirror was asked" in result.stderr
    assert not mirror.requests


# --------------------------------------------------------------------------- network words
def test_status_says_why_the_sync_status_is_unknown(sandbox):
    url = f"http://127.0.0.1:{closed_port()}"
    sandbox.write_condarc("channels:\n  - conda-forge\n")
    sandbox.run("tuna", "enable", "--url", url).check()
    out = sandbox.run("tuna", "status").check().stdout
    assert out.startswith("conda-tuna is enabled: conda's requests go through mirror custom.")
    host = url.split("://", 1)[1]
    assert (f"Mirror freshness: unknown, the sync status could not be fetched: {host} "
            "refused the connection.") in out
    assert "Next step:" in out and "Errno" not in out
    data = sandbox.run("tuna", "status", "--json").check().json()
    assert data["sync"]["network_error"]["kind"] == "refused"
    assert data["sync"]["network_error"]["host"] == host


def test_status_dns_failure_in_words(sandbox):
    sandbox.write_condarc("channels:\n  - conda-forge\n")
    sandbox.run("tuna", "enable", "--url", f"https://{UNRESOLVABLE_HOST}").check()
    result = sandbox.run("tuna", "status").check()
    assert f"cannot resolve the host name {UNRESOLVABLE_HOST} (DNS)" in result.stdout
    assert "Errno" not in result.output


def test_check_says_why_a_channel_cannot_be_fetched(sandbox):
    port = closed_port()
    sandbox.extra_env["CONDA_REMOTE_MAX_RETRIES"] = "0"
    result = sandbox.run("tuna", "check", "tunatest-base", "-c", f"http://127.0.0.1:{port}/x")
    assert result.returncode == 1
    assert f"127.0.0.1:{port} refused the connection" in result.stderr
    assert "HTTP 000" not in result.output and "Traceback" not in result.output
    data = sandbox.run("tuna", "check", "tunatest-base", "-c", f"http://127.0.0.1:{port}/x",
                       "--json")
    assert data.returncode == 1
    assert data.json()["network_error"]["kind"] == "refused"


def test_help_names_show_file_and_the_probe_exit_code(sandbox):
    enable = sandbox.run("tuna", "enable", "--help").check().stdout
    assert "--show-file" in enable and "after the summary" in " ".join(enable.split())
    mirrors = " ".join(sandbox.run("tuna", "mirrors", "--help").check().stdout.split())
    assert "Exit code 0 when at least one mirror answered, 1 when none did" in mirrors
