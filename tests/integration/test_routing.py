"""Mirrors as a transport (issue 9), with real conda against a loopback world.

Three servers (tests/support/world.py): an anaconda.org-shaped upstream and two TUNA-shaped
mirrors, tuna and bfsu, all with the same package bytes. conda is configured the way users
are: channel names and upstream URLs; conda-tuna's drop-in only hands the upstream requests to
its auth handler. The request logs (headers included) prove where each request went.

The solver is whatever the sandbox runs (CONDA_TUNA_TEST_SOLVER; classic by default); every
test here passes under classic, libmamba and rattler on conda 26.7 unless it says otherwise.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.support.mirror import Fault
from tests.support.world import expire_failures, tunasync_bytes

pytestmark = pytest.mark.integration

APP = "tunatest-app-2.0-h0_0.conda"


def tuna_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("conda-tuna:")]


def packages(server) -> list[str]:
    return [p for p in server.paths() if p.endswith((".conda", ".tar.bz2"))]


def solver() -> str:
    return os.environ.get("CONDA_TUNA_TEST_SOLVER", "").strip() or "classic"


def conda_version() -> tuple[int, int]:
    from conda import __version__

    major, minor = __version__.split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


def records(prefix) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in (prefix / "conda-meta").glob("*.json")}


# --------------------------------------------------------------------------- healthy routing
def test_enable_writes_channel_settings_only(sandbox, world):
    world.setup(sandbox)
    text = sandbox.drop_in.read_text()
    assert f'channel: "{world.upstream.url}/*"' in text and 'auth: "conda-tuna"' in text
    for key in ("custom_channels", "custom_multichannels", "default_channels",
                "migrated_custom_channels", "repodata_use_shards", "channel_alias"):
        assert key not in text, key
    assert f"tuna_mirror_url: \"{world.tuna.url}\"" in text


def test_channel_names_go_to_the_mirror_and_records_keep_upstream(sandbox, world, tmp_path):
    world.setup(sandbox, ("defaults", "conda-forge"))
    prefix = tmp_path / "env"
    sandbox.run("create", "-p", str(prefix), "-y", "tunatest-app", "cf-tool").check()
    assert any(p.endswith(APP) for p in packages(world.tuna))
    assert any("/anaconda/cloud/conda-forge/linux-64/cf-tool" in p for p in packages(world.tuna))
    assert not world.upstream.requests and not world.bfsu.requests
    recs = records(prefix)
    app = next(r for n, r in recs.items() if n.startswith("tunatest-app"))
    assert app["url"] == f"{world.upstream.url}/pkgs/main/linux-64/{APP}"
    assert app["channel"].startswith(world.upstream.url)
    assert not any(world.tuna.url in json.dumps(r) for r in recs.values())
    explicit = sandbox.run("list", "-p", str(prefix), "--explicit").check().stdout
    assert f"{world.upstream.url}/conda-forge/linux-64/cf-tool-3.1-h0_0.tar.bz2" in explicit
    assert world.tuna.url not in explicit
    assert not world.authorization_seen_by_mirrors()


def test_one_extra_request_for_a_healthy_mirror(sandbox, world, tmp_path):
    """The liveness check is the only request conda-tuna adds (tunasync.json here, a HEAD of
    the first URL once the sync time is known), and only once per command."""
    world.setup(sandbox)
    for n in range(2):
        world.clear()
        sandbox.run("create", "-p", str(tmp_path / f"e{n}"), "--dry-run", "-y",
                    "tunatest-base").check()
        own = [r for r in world.tuna.requests
               if r.method == "HEAD" or r.path == "/static/tunasync.json"]
        assert len(own) == 1, [(r.method, r.path) for r in world.tuna.requests]
    assert own[0].method == "HEAD"  # the sync time is reused for 10 minutes


@pytest.mark.parametrize("how", ["-c", "spec", "envfile", "condarc"])
def test_explicit_upstream_urls_go_to_the_mirror(sandbox, world, tmp_path, how):
    if how == "spec" and solver() == "rattler":
        pytest.skip("conda-rattler-solver 0.2 cannot solve URL::pkg with a custom "
                    "channel_alias, with or without conda-tuna")
    url = f"{world.upstream.url}/conda-forge"
    world.setup(sandbox, (url,) if how == "condarc" else ("defaults",))
    prefix = str(tmp_path / "env")
    if how == "-c":
        result = sandbox.run("create", "-p", prefix, "-y", "--override-channels", "-c", url,
                             "cf-tool")
    elif how == "spec":
        result = sandbox.run("create", "-p", prefix, "-y", f"{url}::cf-tool")
    elif how == "envfile":
        env_file = tmp_path / "environment.yml"
        env_file.write_text(f"channels:\n  - {url}\n  - defaults\ndependencies:\n"
                            "  - cf-tool\n  - tunatest-base\n")
        result = sandbox.run("env", "create", "-f", str(env_file), "-p", prefix, "-y")
    else:
        result = sandbox.run("create", "-p", prefix, "-y", "cf-tool")
    result.check()
    assert any("/anaconda/cloud/conda-forge/linux-64/cf-tool" in p
               for p in packages(world.tuna)), result.output
    assert not world.upstream.requests


def test_explicit_file_with_upstream_urls(sandbox, world, tmp_path):
    """@EXPLICIT files, lock files and `conda list --explicit` output name upstream URLs: the
    packages come from the mirror, and the new environment records the same URLs."""
    world.setup(sandbox)
    up = world.upstream.url
    first = tmp_path / "first"
    sandbox.run("create", "-p", str(first), "-y", "tunatest-app").check()
    explicit = tmp_path / "explicit.txt"
    explicit.write_text(sandbox.run("list", "-p", str(first), "--explicit", "--md5")
                        .check().stdout)
    assert f"{up}/pkgs/main/linux-64/{APP}#" in explicit.read_text()
    world.clear()
    second = tmp_path / "second"
    sandbox.extra_env["CONDA_PKGS_DIRS"] = str(tmp_path / "fresh-pkgs")  # really download
    sandbox.run("create", "-p", str(second), "--file", str(explicit), "-y").check()
    assert any(p.endswith(APP) for p in packages(world.tuna))
    assert not world.upstream.requests
    app = next(r for n, r in records(second).items() if n.startswith("tunatest-app"))
    assert app["url"] == f"{up}/pkgs/main/linux-64/{APP}"
    specs = tmp_path / "specs.txt"
    specs.write_text("cf-tool\n")
    world.clear()
    sandbox.run("create", "-p", str(tmp_path / "third"), "-y", "-c", "conda-forge",
                "--file", str(specs)).check()
    assert any("cf-tool" in p for p in packages(world.tuna)) and not world.upstream.requests


def test_search_goes_to_the_mirror(sandbox, world):
    world.setup(sandbox, ("conda-forge",))
    sandbox.run("search", "cf-tool").check()
    assert any("/anaconda/cloud/conda-forge/" in p for p in world.tuna.paths())
    assert not world.upstream.requests


def test_unmirrored_channels_labels_and_subdirs_stay_upstream(sandbox, world, tmp_path):
    world.setup(sandbox)
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "-c", "nvidia",
                "nv-tool").check()
    assert any("/nvidia/linux-64/" in p for p in world.upstream.paths())
    assert not [p for s in (world.tuna, world.bfsu) for p in s.paths() if "nvidia" in p]
    world.clear()
    result = sandbox.run("search", "--override-channels", "-c", "conda-forge/label/dev",
                         "cf-tool")
    assert any("/conda-forge/label/dev/" in p for p in world.upstream.paths()), result.output
    assert not [p for s in (world.tuna, world.bfsu) for p in s.paths() if "label" in p]


def test_a_subdir_the_mirror_lacks_goes_to_the_next_mirror_carrying_it(sandbox, world,
                                                                      tmp_path):
    """SJTUG has no linux-aarch64 for conda-forge: those requests go to the next chain entry
    that carries it (here tuna), the rest stays on SJTUG."""
    world.configure(sandbox, mirrors={"sjtug": world.bfsu, "tuna": world.tuna})
    sandbox.write_condarc(world.condarc(("conda-forge",), "plugins:\n  tuna_fallback_mirrors:\n"
                                        "    - tuna\n    - upstream\n"))
    sandbox.run("tuna", "enable", "--mirror", "sjtug", "-y").check()
    sandbox.extra_env["CONDA_SUBDIR"] = "linux-aarch64"
    sandbox.run("create", "-p", str(tmp_path / "env"), "--dry-run", "-y", "cf-tool").check()
    assert any("/conda-forge/linux-aarch64/repodata.json" in p for p in world.tuna.paths())
    assert not any("linux-aarch64" in p for p in world.bfsu.paths())
    assert any("/conda-forge/noarch/repodata.json" in p for p in world.bfsu.paths())
    assert not world.upstream.requests


def test_verbose_names_each_routed_host_once(sandbox, world, tmp_path):
    world.setup(sandbox, ("defaults", "conda-forge"))
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "--dry-run", "-y", "-v",
                         "tunatest-base").check()
    routed = [line for line in tuna_lines(result) if "go to tuna" in line]
    assert routed == [f"conda-tuna: requests for {world.upstream.url} go to tuna "
                      f"({world.tuna.url})"]
    quiet = sandbox.run("create", "-p", str(tmp_path / "env"), "--dry-run", "-y",
                        "tunatest-base").check()
    assert not tuna_lines(quiet)


# --------------------------------------------------------------------------- failover
def test_a_package_the_mirror_lacks_comes_from_the_sister_in_the_same_command(
        sandbox, world, tmp_path):
    world.setup(sandbox)
    world.tuna.suffix_faults[APP] = Fault(status=404)
    prefix = tmp_path / "env"
    result = sandbox.run("create", "-p", str(prefix), "-y", "tunatest-app").check()
    assert tuna_lines(result) == [f"conda-tuna: mirror tuna lacks {APP}; using bfsu instead."]
    assert [p for p in packages(world.bfsu)] == [f"/anaconda/pkgs/main/linux-64/{APP}"]
    assert any(p.endswith("tunatest-base-1.0-h0_0.tar.bz2") for p in packages(world.tuna))
    app = next(r for n, r in records(prefix).items() if n.startswith("tunatest-app"))
    assert app["url"] == f"{world.upstream.url}/pkgs/main/linux-64/{APP}"
    assert not world.upstream.requests


@pytest.mark.parametrize("fault", ["503", "hang", "refuse"])
def test_a_mirror_failing_at_first_request_costs_one_line(sandbox, world, tmp_path, fault):
    world.setup(sandbox)
    if fault == "503":
        world.tuna.faults["/"] = Fault(status=503)
    elif fault == "hang":
        world.tuna.faults["/"] = Fault(hang=True)
    else:
        world.tuna.stop()
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-app").check()
    (line,) = tuna_lines(result)
    # issue 12: what failed in words (base/neterrors.py), never an exception class or errno
    host = world.tuna.url.split("://", 1)[1]
    why = {"503": f"{host} answered HTTP 503", "hang": f"timed out: no answer from {host} "
           "within 1.5 s", "refuse": f"{host} refused the connection"}[fault]
    assert line.startswith("conda-tuna: mirror tuna failed (") and why in line, line
    assert line.endswith("using bfsu instead.")
    assert "disable" not in result.output
    assert any(p.endswith(APP) for p in packages(world.bfsu))
    assert len(world.tuna.requests) <= 1  # the liveness check, then never again
    assert not world.upstream.requests


def test_a_recovered_mirror_is_used_again_by_the_next_command(sandbox, world, tmp_path):
    world.setup(sandbox)
    world.tuna.faults["/"] = Fault(status=503)
    sandbox.run("create", "-p", str(tmp_path / "e1"), "--dry-run", "-y",
                "tunatest-base").check()
    world.clear()  # tuna heals
    remembered = sandbox.run("create", "-p", str(tmp_path / "e2"), "--dry-run", "-y",
                             "tunatest-base").check()
    assert "using bfsu instead" in remembered.stderr  # within 30 s: still skipped, said so
    assert not world.tuna.requests
    expire_failures(sandbox)  # 30 s later
    world.clear()
    again = sandbox.run("create", "-p", str(tmp_path / "e3"), "--dry-run", "-y",
                        "tunatest-base").check()
    assert not tuna_lines(again)
    assert any("/anaconda/pkgs/main/" in p for p in world.tuna.paths())
    assert not world.bfsu.requests


def test_every_site_503_fails_at_once_with_the_honest_message(sandbox, world, tmp_path):
    world.setup(sandbox)
    for server in world.servers:
        server.faults["/"] = Fault(status=503)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-app")
    assert result.returncode != 0
    assert "every mirror and upstream failed" in result.output
    assert "most likely the network or a proxy" in result.output
    assert "conda tuna mirrors --probe" in result.output
    assert "disable" not in result.output and "Traceback" not in result.output


def test_everything_down_with_a_timeout_lets_conda_report(sandbox, world, tmp_path):
    """A timeout may be a slow link: the line is printed once, and conda's own error
    follows instead of conda-tuna calling everything down."""
    world.setup(sandbox)
    world.tuna.faults["/"] = Fault(status=503)
    world.bfsu.stop()
    world.upstream.faults["/"] = Fault(hang=True)
    sandbox.extra_env["CONDA_REMOTE_READ_TIMEOUT_SECS"] = "2"
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-app")
    assert result.returncode != 0
    lines = [line for line in tuna_lines(result) if "every mirror and upstream failed" in line]
    assert len(lines) == 1 and "conda tuna mirrors --probe" in lines[0]
    assert "disable" not in result.output and "Traceback" not in result.output


def test_a_stale_mirror_gives_way_to_a_fresh_sister(sandbox, world, tmp_path):
    world.setup(sandbox)
    world.tuna.files["/static/tunasync.json"] = tunasync_bytes(age_hours=50)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "--dry-run", "-y",
                         "tunatest-base").check()
    (line,) = tuna_lines(result)
    assert line.startswith("conda-tuna: mirror tuna is stale (last sync 2.1 d ago)")
    assert line.endswith("using bfsu instead.")
    assert [r.path for r in world.tuna.requests] == ["/static/tunasync.json"]
    assert any("/anaconda/pkgs/main/" in p for p in world.bfsu.paths())


def test_when_every_mirror_is_stale_the_first_is_used_not_upstream(sandbox, world, tmp_path):
    world.setup(sandbox)
    world.tuna.files["/static/tunasync.json"] = tunasync_bytes(age_hours=50)
    world.bfsu.files["/static/tunasync.json"] = tunasync_bytes(age_hours=60)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "--dry-run", "-y",
                         "tunatest-base").check()
    (line,) = tuna_lines(result)
    assert "every mirror is stale" in line and "using tuna anyway" in line
    assert not world.upstream.requests
    assert any("/anaconda/pkgs/main/" in p for p in world.tuna.paths())


def test_hint_names_the_mirror_that_answered(sandbox, world, tmp_path):
    from conda.plugins.hookspec import CondaSpecs

    if not hasattr(CondaSpecs, "conda_error_hints"):
        pytest.skip("conda_error_hints (conda 26.7+) is not in this conda")
    world.setup(sandbox)
    world.tuna.suffix_faults[APP] = Fault(status=403)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "--json",
                         "tunatest-app")
    assert result.returncode != 0
    error = json.loads(result.stdout)  # package downloads fail as a CondaMultiError
    hints = {h["hint_code"]: h["text"] for e in [error, *error.get("errors", [])]
             for h in (e.get("guidance") or {}).get("hints", [])}
    assert f"{world.tuna.url}/anaconda/pkgs/main/linux-64/{APP}" in hints[
        "tuna_mirror_answered"]
    assert "disable" not in result.output


# --------------------------------------------------------------------------- status
def test_status_shows_where_each_channel_goes_now(sandbox, world, tmp_path):
    world.setup(sandbox, ("defaults", "conda-forge", "nvidia"))
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] and status["routing"]["chain"] == ["tuna", "bfsu", "upstream"]
    rows = {(r["channel"], r["channel_url"]): r for r in status["channels"]}
    cf = rows[("conda-forge", f"{world.upstream.url}/conda-forge")]
    assert cf["url"] == f"{world.tuna.url}/anaconda/cloud/conda-forge"
    assert cf["via"] == "mirror" and cf["mirror"] == "tuna"
    nv = rows[("nvidia", f"{world.upstream.url}/nvidia")]
    assert nv["via"] == "upstream" and "NVIDIA" in nv["reason"]
    # a failure a moment ago: the sister serves it now, and status says why
    world.tuna.faults["/"] = Fault(status=503)
    sandbox.run("create", "-p", str(tmp_path / "env"), "--dry-run", "-y",
                "tunatest-base").check()
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    main = next(r for r in status["channels"] if r["channel_url"].endswith("/pkgs/main"))
    assert main["url"] == f"{world.bfsu.url}/anaconda/pkgs/main" and main["mirror"] == "bfsu"
    assert f"tuna: {world.tuna.url.split('://', 1)[1]} answered HTTP 503" in main["reason"]


def test_blank_mirror_url_turns_routing_off_entirely(sandbox, world, tmp_path):
    world.setup(sandbox)
    sandbox.extra_env["CONDA_PLUGINS_TUNA_MIRROR_URL"] = ""
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-base").check()
    assert not world.tuna.requests and not world.bfsu.requests
    assert any("/pkgs/main/linux-64/" in p for p in world.upstream.paths())
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] is False and "tuna_mirror_url is empty" in status["routing"][
        "why_off"]
    assert all(r["via"] == "upstream" for r in status["channels"])


# --------------------------------------------------------------------------- channel_settings
def test_users_channel_settings_conflict(sandbox, world):
    world.configure(sandbox)
    pattern = f"{world.upstream.url}/*"
    sandbox.write_condarc(world.condarc(extra=f'channel_settings:\n  - channel: "{pattern}"\n'
                                              "    auth: my-auth\n"))
    refused = sandbox.run("tuna", "enable", "--url", world.tuna.url, "-y")
    assert refused.returncode == 1 and "my-auth" in refused.output
    assert "--force" in refused.output and not sandbox.drop_in.exists()
    forced = sandbox.run("tuna", "enable", "--url", world.tuna.url, "-y", "--force").check()
    assert "conda-tuna's would win" in forced.output
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    (conflict,) = status["channel_settings_conflicts"]
    assert conflict["auth"] == "my-auth" and conflict["wins"] == "conda-tuna"
    assert conflict["source"] == str(sandbox.condarc)


def test_env_scope_loses_to_the_users_channel_settings_and_status_says_so(sandbox, world,
                                                                           tmp_path):
    world.configure(sandbox)
    sandbox.write_condarc(world.condarc())
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)  # an (empty) environment
    (prefix / "conda-meta" / "history").write_text("")
    sandbox.extra_env["CONDA_PREFIX"] = str(prefix)
    pattern = f"{world.upstream.url}/*"
    sandbox.write_condarc(world.condarc(extra=f'channel_settings:\n  - channel: "{pattern}"\n'
                                              "    auth: my-auth\n"))
    sandbox.run("tuna", "enable", "--url", world.tuna.url, "--scope", "env", "-y",
                "--force").check()
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    (conflict,) = status["channel_settings_conflicts"]
    assert conflict["wins"] == "user"
    main = next(r for r in status["channels"] if r["channel_url"].endswith("/pkgs/main"))
    assert main["via"] == "upstream" and "my-auth" in main["reason"]


# --------------------------------------------------------------------------- 0.1 drop-ins
OLD_DROP_IN = """\
# Written by conda-tuna: routes conda through a package mirror.
# conda-tuna-meta: {{"mirror": "tuna", "url": "{m}", "version": "0.1.0"}}
custom_channels:
  conda-forge: "{m}/anaconda/cloud"
default_channels:
  - "{m}/anaconda/pkgs/main"
repodata_use_shards: false
plugins:
  tuna_mirror: "tuna"
  tuna_mirror_url: "{m}"
"""


def test_an_old_drop_in_is_replaced_by_enable_and_removed_by_disable(sandbox, world,
                                                                     tmp_path):
    world.configure(sandbox)
    sandbox.write_condarc(world.condarc())
    sandbox.drop_in.parent.mkdir(parents=True)
    sandbox.drop_in.write_text(OLD_DROP_IN.format(m=world.tuna.url))
    used = sandbox.run("create", "-p", str(tmp_path / "env"), "--dry-run", "-y",
                       "tunatest-base").check()
    assert "written by conda-tuna 0.1" in used.stderr and "conda tuna enable" in used.stderr
    enabled = sandbox.run("tuna", "enable", "--url", world.tuna.url, "-y").check()
    assert "written by conda-tuna 0.1" in enabled.output
    assert "custom_channels" not in sandbox.drop_in.read_text()
    sandbox.drop_in.write_text(OLD_DROP_IN.format(m=world.tuna.url))
    disabled = sandbox.run("tuna", "disable").check()
    assert "written by conda-tuna 0.1" in disabled.output
    assert not sandbox.drop_in.exists()
