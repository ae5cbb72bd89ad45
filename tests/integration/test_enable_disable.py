"""enable / status / disable with real conda against a loopback TUNA-shaped mirror.

Every test reads the servers' request logs: traffic that should reach the mirror did, and
nothing that should stay upstream (credentials, unmirrored channels) touched the mirror.
"""

from __future__ import annotations

import pytest

from tests.support.conda_runner import snapshot
from tests.support.mirror import Fault

pytestmark = pytest.mark.integration


def enable(sandbox, mirror, *extra: str):
    return sandbox.run("tuna", "enable", "--url", mirror.url, "-y", *extra).check()


def repodata_hits(server, channel_path: str) -> list[str]:
    return [p for p in server.paths() if channel_path in p and "repodata" in p]


def test_create_without_channels_flag_uses_mirror_for_defaults(sandbox, mirror, tmp_path):
    sandbox.write_condarc("channels:\n  - defaults\n")
    enable(sandbox, mirror)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-app")
    result.check()
    assert repodata_hits(mirror, "/anaconda/pkgs/main/linux-64/")
    assert any(p.endswith("tunatest-app-2.0-h0_0.conda") for p in mirror.paths())
    assert (tmp_path / "env" / "conda-meta").is_dir()
    meta = list((tmp_path / "env" / "conda-meta").glob("tunatest-app-*.json"))
    # issue 9: the record names the channel's own URL; the mirror only served the bytes
    assert meta and "https://repo.anaconda.com/pkgs/main/linux-64" in meta[0].read_text()
    assert mirror.url not in meta[0].read_text()


def test_empty_channels_get_conda_forge_with_yes(sandbox, mirror, tmp_path):
    """conda 25.9+ starts with no channels: enable -y sets conda-forge (free for everyone,
    issue 12) so create just works, and says how to choose `defaults` instead."""
    result = enable(sandbox, mirror)
    assert "conda-tuna set `conda-forge`, which is free for everyone" in result.output
    assert "--channels defaults" in result.output
    assert '"conda-forge"' in sandbox.drop_in.read_text()
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "cf-tool").check()
    assert repodata_hits(mirror, "/anaconda/cloud/conda-forge/linux-64/")
    assert not repodata_hits(mirror, "/anaconda/pkgs/main/")


def test_channels_conda_forge_choice(sandbox, mirror, tmp_path):
    enable(sandbox, mirror, "--channels", "conda-forge")
    assert "conda-forge" in sandbox.drop_in.read_text()
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "cf-tool").check()
    assert repodata_hits(mirror, "/anaconda/cloud/conda-forge/linux-64/")
    assert not repodata_hits(mirror, "/anaconda/pkgs/main/")


def test_c_conda_forge_goes_to_mirror(sandbox, mirror, tmp_path):
    sandbox.write_condarc("channels:\n  - defaults\n")
    enable(sandbox, mirror)
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "-c", "conda-forge",
                "--override-channels", "cf-lib").check()
    assert any(p.endswith("cf-lib-1.2-h0_0.conda") for p in mirror.paths())


@pytest.mark.parametrize("how", ["-c", "spec", "condarc"])
def test_explicit_upstream_url_goes_to_mirror(sandbox, mirror, upstream, tmp_path, how):
    url = "https://conda.anaconda.org/conda-forge"
    condarc = f"channel_alias: {upstream.url}\n"
    args = ["create", "-p", str(tmp_path / "env"), "-y"]
    if how == "-c":
        args += ["--override-channels", "-c", url, "cf-tool"]
    elif how == "spec":
        from conda import __version__

        if int(__version__.split(".")[0]) < 26:
            pytest.skip("conda 24-25 resolve `https://conda.anaconda.org/<channel>::pkg` "
                        "through channel_alias, which this test points at a loopback "
                        "server (test_routing covers URL::pkg with the upstream stand-in)")
        args += ["--override-channels", "-c", "nvidia", f"{url}::cf-tool"]
    else:
        condarc += f"channels:\n  - {url}\n"
        args += ["cf-tool"]
    sandbox.write_condarc(condarc)
    enable(sandbox, mirror)
    sandbox.run(*args).check()
    assert repodata_hits(mirror, "/anaconda/cloud/conda-forge/linux-64/")
    assert any("/anaconda/cloud/conda-forge/linux-64/cf-tool" in p for p in mirror.paths())
    assert not repodata_hits(upstream, "/conda-forge/")


def test_explicit_pkgs_main_url_goes_to_mirror(sandbox, mirror, tmp_path):
    enable(sandbox, mirror)
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "--override-channels",
                "-c", "https://repo.anaconda.com/pkgs/main", "tunatest-base").check()
    assert any("/anaconda/pkgs/main/linux-64/tunatest-base" in p for p in mirror.paths())


def test_environment_yml_channels_go_to_mirror(sandbox, mirror, upstream, tmp_path):
    sandbox.write_condarc(f"channel_alias: {upstream.url}\n")
    enable(sandbox, mirror, "--channels", "defaults")
    env_file = tmp_path / "environment.yml"
    env_file.write_text(
        "name: fromfile\nchannels:\n  - https://conda.anaconda.org/conda-forge\n"
        "  - defaults\ndependencies:\n  - cf-tool\n  - tunatest-base\n"
    )
    sandbox.run("env", "create", "-f", str(env_file), "-p", str(tmp_path / "env"),
                "-y").check()
    assert any("/anaconda/cloud/conda-forge/linux-64/cf-tool" in p for p in mirror.paths())
    assert any("/anaconda/pkgs/main/linux-64/tunatest-base" in p for p in mirror.paths())
    assert not upstream.paths()


def test_unmirrored_channel_stays_upstream(sandbox, mirror, upstream, tmp_path):
    sandbox.write_condarc(f"channel_alias: {upstream.url}\nchannels:\n  - defaults\n")
    enable(sandbox, mirror)
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "-c", "nvidia",
                "nv-tool").check()
    assert repodata_hits(upstream, "/nvidia/linux-64/")
    assert not [p for p in mirror.paths() if "nvidia" in p]


def test_status_reports_credentialed_channel_upstream(sandbox, mirror):
    sandbox.write_condarc("channels:\n  - https://conda.anaconda.org/t/abc-123/conda-forge\n")
    enable(sandbox, mirror)
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] is True
    rows = [c for c in status["channels"] if "<TOKEN>" in c["channel"]]
    assert rows and rows[0]["via"] == "upstream" and "credentials" in rows[0]["reason"]
    assert "abc-123" not in sandbox.run("tuna", "status", "--offline").output


def test_status_json_shape_and_shadowing(sandbox, mirror):
    sandbox.write_condarc(
        "channels:\n  - conda-forge\n  - nvidia\n"
        "custom_channels:\n  conda-forge: https://example.invalid/cloud\n"
    )
    enable(sandbox, mirror)
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] is True and status["scope"] == "user"
    assert status["file"] == str(sandbox.drop_in)
    assert status["mirror"]["url"] == mirror.url
    by_name = {}
    for row in status["channels"]:
        by_name.setdefault(row["channel"], []).append(row)
        assert set(row) >= {"channel", "url", "via", "reason"}
    assert by_name["conda-forge"][0]["via"] == "upstream"
    assert "shadowed" in by_name["conda-forge"][0]["reason"]
    assert by_name["nvidia"][0]["via"] == "upstream"
    assert all(r["via"] == "mirror" for r in by_name["defaults"])
    shadow = status["shadowed_by"]
    assert any(s["key"] == "custom_channels.conda-forge"
               and s["source"] == str(sandbox.condarc) for s in shadow)


def test_disable_restores_files_byte_for_byte(sandbox, mirror):
    original = "# my settings\nchannels:\n  - defaults   # keep\nshow_channel_urls: true\n"
    sandbox.write_condarc(original)
    before = snapshot(sandbox.home)
    enable(sandbox, mirror)
    assert sandbox.drop_in.exists()
    assert sandbox.condarc.read_text() == original
    again = sandbox.run("tuna", "enable", "--url", mirror.url, "-y").check()
    assert "already enabled this way (nothing changed)" in again.output
    preview = sandbox.run("tuna", "disable", "--dry-run").check().stdout
    assert preview.count(f"Would remove {sandbox.drop_in} (user scope).") == 1
    sandbox.run("tuna", "disable").check()
    assert snapshot(sandbox.home) == before
    assert not (sandbox.home / ".conda").exists()
    noop = sandbox.run("tuna", "disable").check()
    assert "not enabled" in noop.output


def test_dry_run_writes_nothing(sandbox, mirror):
    before = snapshot(sandbox.home)
    result = sandbox.run("tuna", "enable", "--url", mirror.url, "--dry-run", "-y").check()
    assert result.output.startswith("Dry run, nothing was written")
    assert "channel_settings" not in result.output  # the file only with --show-file
    shown = sandbox.run("tuna", "enable", "--url", mirror.url, "--dry-run", "-y",
                        "--show-file").check()
    assert "channel_settings" in shown.output.split("Contents of ", 1)[1]
    assert snapshot(sandbox.home) == before
    data = sandbox.run("tuna", "enable", "--url", mirror.url, "--dry-run", "--json",
                       "-y").check().json()
    assert data["dry_run"] is True and '"https://conda.anaconda.org/*"' in data["content"]
    assert "custom_channels" not in data["content"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mirror", "nosuch"], "Known mirrors: tuna, bfsu"),
        (["--url", "not-a-url"], "must start with https://"),
        (["--url", "not a url"], "no URL may hold"),
        (["--url", "http://mirror.example.org"], "plain http://"),
        # issue 11: every --url goes through conda_tuna/base/urls.py
        (["--url", ""], "--url is empty"),
        (["--url", "http://127.evil.example"], "plain http://"),
        (["--url", "http://127.0.0.1:abc"], "port 'abc' is not a number"),
        (["--url", "http://[::1"], "no closing bracket"),
        (["--url", "https://me:hunter2@m.example"], "user name or password"),
        (["--url", "http://127.0.0.1:8000/\u2028"], "no URL may hold"),
    ],
)
def test_bad_input_is_a_conda_error_and_writes_nothing(sandbox, args, message):
    before = snapshot(sandbox.home)
    result = sandbox.run("tuna", "enable", "-y", *args)
    assert result.returncode == 1
    assert message in result.output and "Traceback" not in result.output
    assert "hunter2" not in result.output
    assert snapshot(sandbox.home) == before
    as_json = sandbox.run("tuna", "enable", "-y", "--json", *args)
    assert as_json.returncode == 1 and message in as_json.json()["message"]


@pytest.mark.parametrize(
    "content",
    [
        "channels:\n  - conda-forge\n",  # a hand-written file under our name
        "# conda-tuna-meta: {broken\nchannels: []\n",  # our header, damaged
    ],
)
def test_malformed_existing_drop_in(sandbox, mirror, content):
    """A file at our path that is not (or no longer) ours is never overwritten or deleted.

    (A file that is not even YAML stops conda itself while it loads its configuration,
    before any plugin runs; conda reports that one.)
    """
    sandbox.drop_in.parent.mkdir(parents=True)
    sandbox.drop_in.write_text(content)
    for args in (["enable", "--url", mirror.url, "-y"], ["disable"], ["disable", "--json"]):
        result = sandbox.run("tuna", *args)
        assert result.returncode == 1, result.output
        assert "not a valid conda-tuna file" in result.output
        assert "Traceback" not in result.output
    assert sandbox.drop_in.read_text() == content


def test_system_scope_that_cannot_be_created(sandbox, mirror, tmp_path):
    """An unusable system scope is a clear error before anything is written (also as root)."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the base installation should be\n")
    sandbox.extra_env["CONDA_ROOT_PREFIX"] = str(blocker / "miniconda3")
    status_before = sandbox.run("tuna", "status", "--json", "--offline").json()
    result = sandbox.run("tuna", "enable", "--url", mirror.url, "--scope", "system", "-y")
    assert result.returncode == 1 and "Cannot write" in result.output, result.output
    assert "--scope user" in result.output and "Traceback" not in result.output
    assert blocker.read_text().startswith("a file")
    assert sandbox.run("tuna", "status", "--json", "--offline").json() == status_before


def test_system_scope_without_permission(sandbox, mirror, tmp_path):
    locked = tmp_path / "locked-root"
    locked.mkdir()
    locked.chmod(0o500)
    sandbox.extra_env["CONDA_ROOT_PREFIX"] = str(locked)
    try:
        import os

        if os.geteuid() == 0:
            pytest.skip("root ignores directory permissions")
        result = sandbox.run("tuna", "enable", "--url", mirror.url, "--scope", "system", "-y")
        assert result.returncode == 1 and "Cannot write" in result.output
    finally:
        locked.chmod(0o700)


def test_env_scope_only_affects_that_environment(sandbox, mirror, tmp_path):
    sandbox.write_condarc("channels:\n  - defaults\n")
    enable(sandbox, mirror)
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-base").check()
    sandbox.run("tuna", "disable").check()
    sandbox.extra_env["CONDA_PREFIX"] = str(tmp_path / "env")
    sandbox.run("tuna", "enable", "--url", mirror.url, "--scope", "env", "-y").check()
    assert (tmp_path / "env" / "condarc.d" / "conda-tuna.yml").exists()
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] and status["scope"] == "env"
    sandbox.run("tuna", "disable", "--scope", "env").check()
    assert not (tmp_path / "env" / "condarc.d").exists()


def test_users_default_channels_elsewhere_are_respected(sandbox, mirror, upstream, tmp_path):
    """issue 9: conda-tuna no longer renames channels. A hand-written default_channels that
    points somewhere else is the user's choice: `defaults` goes there, untouched, and status
    names the setting."""
    sandbox.write_condarc(
        f"channels:\n  - defaults\ndefault_channels:\n  - {upstream.url}/pkgs/main\n"
    )
    enable(sandbox, mirror)
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert any(s["key"] == "default_channels" for s in status["shadowed_by"])
    row = next(r for r in status["channels"] if r["channel"] == "defaults")
    assert row["via"] == "upstream" and "shadowed by default_channels" in row["reason"]
    upstream.faults["/pkgs/main/"] = Fault(status=404)  # nothing there: only where it went
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "--dry-run", "tunatest-base")
    assert any("/pkgs/main/" in p for p in upstream.paths())
    # nothing of `defaults` went to the mirror (at most its liveness check, started early)
    assert not [p for p in mirror.paths() if "/anaconda/" in p]
