"""Mirror health with real conda and several loopback mirrors (healthy, 503, hanging, slow).

Every probe is pointed at 127.0.0.1 through $CONDA_TUNA_MIRRORS_OVERRIDE (a JSON file of
{name: root}); a catalog name keeps that mirror's coverage, so "sjtug" still lacks
linux-aarch64. The request logs prove which mirror served what. No timing assertions: a
hanging mirror must be reported as timed out, and the command must return.
"""

from __future__ import annotations

import json
from contextlib import ExitStack

import pytest

from tests.support.mirror import Fault, MirrorServer, tunasync_job

pytestmark = pytest.mark.integration

PKG_PATH = "/anaconda/pkgs/main/linux-64/"


@pytest.fixture
def servers(mirror_tree):
    """A factory of loopback mirrors serving the standard tree; all stopped at the end."""
    with ExitStack() as stack:
        def make(name: str, fault: Fault | None = None) -> MirrorServer:
            server = stack.enter_context(MirrorServer(mirror_tree.root, name))
            if fault is not None:
                server.faults["/"] = fault
            return server

        yield make


def use_mirrors(sandbox, tmp_path, **roots: MirrorServer) -> None:
    """Point conda-tuna's mirror set at loopback servers; isolate the health cache."""
    path = tmp_path / "mirrors.json"
    path.write_text(json.dumps({name: server.url for name, server in roots.items()}))
    sandbox.extra_env["CONDA_TUNA_MIRRORS_OVERRIDE"] = str(path)
    sandbox.extra_env["XDG_CACHE_HOME"] = str(tmp_path / "cache")


def heads(server: MirrorServer) -> list[str]:
    return [r.path for r in server.requests if r.method == "HEAD"]


def fetched_packages(server: MirrorServer) -> list[str]:
    return [p for p in server.paths() if p.endswith((".conda", ".tar.bz2"))]


# --------------------------------------------------------------------------- probes / auto
def test_probe_reports_each_mirror_and_the_hanging_one_as_timed_out(sandbox, servers,
                                                                    tmp_path):
    healthy, broken = servers("healthy"), servers("broken", Fault(status=503))
    hang, slow = servers("hang", Fault(hang=True)), servers("slow", Fault(delay=0.3))
    use_mirrors(sandbox, tmp_path, tuna=slow, bfsu=broken, nju=hang, zju=healthy)
    sandbox.extra_env["CONDA_PLUGINS_TUNA_PROBE_TIMEOUT"] = "1.5"
    result = sandbox.run("tuna", "mirrors", "--probe", "--json").check().json()
    probes = {m["name"]: m["probe"] for m in result["mirrors"]}
    assert set(probes) == {"tuna", "bfsu", "nju", "zju"}
    assert probes["nju"]["state"] == "timeout"
    assert probes["bfsu"]["state"] == "error" and probes["bfsu"]["http_status"] == 503
    assert probes["tuna"]["state"] == "ok" and probes["zju"]["state"] == "ok"
    assert result["fastest"] == "zju"
    assert len(healthy.requests) == 1 and healthy.requests[0].method == "HEAD"
    assert healthy.requests[0].path == "/anaconda/pkgs/main/linux-64/repodata.json"
    assert "conda-tuna" in healthy.requests[0].headers["User-Agent"]  # TUNA 403s without one
    text = sandbox.run("tuna", "mirrors", "--probe").check().stdout
    assert "no answer within 1.5 s" in text and "HTTP 503" in text


def test_mirrors_without_probe_makes_no_request(sandbox, servers, tmp_path):
    healthy = servers("healthy")
    use_mirrors(sandbox, tmp_path, tuna=healthy, sjtug=healthy)
    sandbox.extra_env["CONDA_SUBDIR"] = "linux-aarch64"
    result = sandbox.run("tuna", "mirrors", "--json").check().json()
    cover = {m["name"]: m["carries_subdir"] for m in result["mirrors"]}
    assert cover == {"tuna": True, "sjtug": False}
    assert result["probed"] is False and not healthy.requests


def test_auto_picks_the_fastest_healthy_mirror(sandbox, servers, tmp_path):
    healthy, broken = servers("healthy"), servers("broken", Fault(status=503))
    hang, slow = servers("hang", Fault(hang=True)), servers("slow", Fault(delay=0.3))
    use_mirrors(sandbox, tmp_path, tuna=slow, bfsu=broken, nju=hang, zju=healthy)
    sandbox.extra_env["CONDA_PLUGINS_TUNA_PROBE_TIMEOUT"] = "1.5"
    out = sandbox.run("tuna", "enable", "--mirror", "auto", "-y", "--json").check().json()
    assert out["mirror"]["name"] == "zju" and out["mirror"]["url"] == healthy.url
    assert "fastest healthy mirror carrying linux-64" in out["mirror"]["why"]
    assert "nju: timed out" in out["mirror"]["why"]
    assert healthy.url in sandbox.drop_in.read_text()


def test_auto_on_aarch64_never_picks_a_mirror_without_the_subdir(sandbox, servers, tmp_path):
    fast, slow = servers("fast"), servers("slow", Fault(delay=0.2))
    use_mirrors(sandbox, tmp_path, sjtug=fast, tuna=slow)
    sandbox.extra_env["CONDA_SUBDIR"] = "linux-aarch64"
    result = sandbox.run("tuna", "enable", "--mirror", "auto", "-y").check()
    assert f"Enabled tuna ({slow.url})" in result.stdout
    assert "sjtug skipped (does not carry linux-aarch64)" in result.stdout
    assert not fast.requests  # not even probed
    assert heads(slow) == ["/anaconda/pkgs/main/linux-aarch64/repodata.json"]


# --------------------------------------------------------------------------- failover
def enable_on(sandbox, server: MirrorServer, channels: str = "defaults") -> None:
    sandbox.write_condarc(f"channels:\n  - {channels}\n")
    sandbox.run("tuna", "enable", "--url", server.url, "-y").check()


def test_create_fails_over_to_the_sister_while_the_active_mirror_answers_503(
        sandbox, servers, tmp_path):
    active, sister = servers("tuna"), servers("bfsu")
    use_mirrors(sandbox, tmp_path, tuna=active, bfsu=sister)  # default chain: sister
    enable_on(sandbox, active)
    active.faults["/anaconda/"] = Fault(status=503)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-app").check()
    lines = [line for line in result.stderr.splitlines() if line.startswith("conda-tuna:")]
    assert len(lines) == 1, result.stderr  # announced in one line
    assert f"tuna ({active.url}) is failing (HTTP 503)" in lines[0]
    assert f"uses bfsu ({sister.url}) instead" in lines[0]
    assert f"conda tuna enable --url {sister.url}" in lines[0]
    # the active mirror saw only the health check; the sister served repodata and packages
    assert [(r.method, r.path) for r in active.requests] == [
        ("HEAD", PKG_PATH + "repodata.json")]
    assert any(PKG_PATH + "tunatest-app-2.0-h0_0.conda" in p for p in sister.paths())
    record = next((tmp_path / "env" / "conda-meta").glob("tunatest-app-*.json")).read_text()
    assert sister.url in record and active.url not in record
    assert active.url in sandbox.drop_in.read_text()  # nothing written: this process only
    # the failed check is cached: the next command fails over without asking again
    again = sandbox.run("create", "-p", str(tmp_path / "env2"), "-y", "--json",
                        "tunatest-base").check()
    assert again.json()["success"] is True  # stdout stays one JSON document
    assert "uses bfsu" in again.stderr
    assert len(active.requests) == 1


def test_whole_channel_404_fails_over_like_august_2026(sandbox, servers, tmp_path):
    """TUNA came back with pkgs/* answering 404: that is a failure too, not "no packages"."""
    active, sister = servers("tuna"), servers("bfsu")
    use_mirrors(sandbox, tmp_path, tuna=active, bfsu=sister)
    enable_on(sandbox, active)
    active.faults["/anaconda/pkgs/"] = Fault(status=404)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-base").check()
    assert "is failing (HTTP 404)" in result.stderr
    assert fetched_packages(sister) and not fetched_packages(active)


def require_hooks(*names: str) -> None:
    """Skip on a conda without these hooks (error hints and exception observers: 26.x)."""
    from conda.plugins.hookspec import CondaSpecs

    missing = [n for n in names if not hasattr(CondaSpecs, n)]
    if missing:
        from conda import __version__

        pytest.skip(f"conda {__version__} has no {', '.join(missing)} hook")


def test_mirror_failing_after_a_cached_healthy_check_is_remembered(sandbox, servers,
                                                                   tmp_path):
    """The check said healthy (cached), then the mirror broke: that command gets the hint,
    the next one fails over at once, without probing the broken mirror again."""
    require_hooks("conda_error_hints", "conda_exception_observers")
    active, sister = servers("tuna"), servers("bfsu")
    use_mirrors(sandbox, tmp_path, tuna=active, bfsu=sister)
    enable_on(sandbox, active)
    sandbox.run("create", "-p", str(tmp_path / "e1"), "--dry-run", "-y",
                "tunatest-base").check()
    active.faults["/anaconda/"] = Fault(status=503)
    broken = sandbox.run("create", "-p", str(tmp_path / "e2"), "-y", "tunatest-base")
    assert broken.returncode != 0 and "(tuna_mirror_failed)" in broken.output
    assert f"conda tuna enable --url {sister.url}" in broken.output
    active.clear()
    sandbox.run("create", "-p", str(tmp_path / "e3"), "-y", "tunatest-base").check()
    assert not active.requests
    assert fetched_packages(sister)


def test_hanging_mirror_fails_over_to_a_configured_root_url(sandbox, servers, tmp_path):
    active, good = servers("tuna", Fault(hang=True)), servers("good")
    use_mirrors(sandbox, tmp_path, tuna=active)
    sandbox.write_condarc(f"channels:\n  - defaults\nplugins:\n  tuna_fallback_mirrors:\n"
                          f"    - {good.url}\n")
    sandbox.run("tuna", "enable", "--url", active.url, "-y").check()
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-base").check()
    assert "timed out" in result.stderr and f"uses custom ({good.url})" in result.stderr
    assert len(active.requests) == 1  # the bounded health check, then never again
    assert fetched_packages(good)


def test_fails_over_to_upstream_when_the_sister_is_down_too(sandbox, servers, upstream,
                                                            tmp_path):
    active, sister = servers("tuna", Fault(status=503)), servers("bfsu", Fault(status=502))
    use_mirrors(sandbox, tmp_path, tuna=active, bfsu=sister)
    sandbox.write_condarc(f"channel_alias: {upstream.url}\nchannels:\n  - conda-forge\n")
    sandbox.run("tuna", "enable", "--url", active.url, "-y").check()
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "cf-tool").check()
    assert "uses upstream" in result.stderr and "conda tuna disable" in result.stderr
    assert any("/conda-forge/linux-64/cf-tool" in p for p in upstream.paths())
    assert heads(sister) == ["/anaconda/cloud/conda-forge/linux-64/repodata.json"]
    assert len(active.requests) == 1


def test_healthy_mirror_costs_one_request_per_cache_period(sandbox, servers, tmp_path):
    good = servers("tuna")
    use_mirrors(sandbox, tmp_path, tuna=good)
    enable_on(sandbox, good)
    for n in range(2):
        sandbox.run("create", "-p", str(tmp_path / f"e{n}"), "--dry-run", "-y",
                    "tunatest-base").check()
    assert heads(good) == [PKG_PATH + "repodata.json"]
    sandbox.extra_env["CONDA_PLUGINS_TUNA_HEALTH_CACHE_SECONDS"] = "0"
    sandbox.run("create", "-p", str(tmp_path / "e3"), "--dry-run", "-y",
                "tunatest-base").check()
    assert len(heads(good)) == 2


def test_hint_names_mirror_and_command_when_failover_is_off(sandbox, servers, tmp_path):
    require_hooks("conda_error_hints")
    active, sister = servers("tuna"), servers("bfsu")
    use_mirrors(sandbox, tmp_path, tuna=active, bfsu=sister)
    enable_on(sandbox, active)
    active.faults["/anaconda/"] = Fault(status=503)
    sandbox.extra_env["CONDA_PLUGINS_TUNA_FAILOVER"] = "false"
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-app")
    assert result.returncode != 0
    assert "(tuna_mirror_failed)" in result.output
    assert f"tuna ({active.url}) failed (HTTP 503)" in result.output
    assert f"conda tuna enable --url {sister.url}" in result.output
    assert not heads(active) and not sister.requests  # off means no probing at all
    as_json = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "--json",
                          "tunatest-app")
    assert as_json.returncode != 0
    error = json.loads(as_json.stdout)
    hints = {h["hint_code"]: h["text"] for h in error["guidance"]["hints"]}
    assert f"conda tuna enable --url {sister.url}" in hints["tuna_mirror_failed"]


def test_no_hint_for_errors_on_other_hosts(sandbox, servers, upstream, tmp_path):
    good = servers("tuna")
    use_mirrors(sandbox, tmp_path, tuna=good)
    sandbox.write_condarc(f"channel_alias: {upstream.url}\nchannels:\n  - defaults\n")
    sandbox.run("tuna", "enable", "--url", good.url, "-y").check()
    upstream.faults["/nvidia/"] = Fault(status=503)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "--override-channels",
                         "-c", "nvidia", "nv-tool")
    assert result.returncode != 0 and "HTTP 503" in result.output
    assert "tuna_mirror_failed" not in result.output


# --------------------------------------------------------------------------- freshness
@pytest.fixture
def status_mirror(tmp_path):
    """A mirror whose tunasync.json says: anaconda's last run failed, pypi is 50 h old."""
    root = tmp_path / "status-mirror"
    (root / "static").mkdir(parents=True)
    (root / "static" / "tunasync.json").write_text(json.dumps([
        tunasync_job("anaconda", age_hours=3, status="failed", failed=True),
        tunasync_job("pypi", age_hours=50),
        tunasync_job("other"),
    ]))
    with MirrorServer(root, "status") as server:
        yield server


def test_status_shows_freshness_with_failed_and_stale_jobs(sandbox, status_mirror, tmp_path):
    use_mirrors(sandbox, tmp_path)
    sandbox.run("tuna", "enable", "--url", status_mirror.url, "-y").check()
    sync = sandbox.run("tuna", "status", "--json").check().json()["sync"]
    assert sync["available"] is True
    assert sync["url"] == f"{status_mirror.url}/static/tunasync.json"
    anaconda, pypi = sync["jobs"]["anaconda"], sync["jobs"]["pypi"]
    assert anaconda["status"] == "failed" and anaconda["last_run_failed"] is True
    assert 2.9 < anaconda["age_hours"] < 3.2
    assert pypi["status"] == "success" and pypi["age_hours"] > 49
    assert any("anaconda: the last sync failed" in w for w in sync["warnings"])
    assert any("pypi: last successful sync is 50 h old" in w for w in sync["warnings"])
    text = sandbox.run("tuna", "status").check().stdout
    assert "Mirror freshness" in text and "status failed" in text
    assert "warning: pypi: last successful sync is 50 h old" in text
    sandbox.extra_env["CONDA_PLUGINS_TUNA_SYNC_MAX_AGE_HOURS"] = "100"
    relaxed = sandbox.run("tuna", "status", "--json").check().json()["sync"]
    assert not any(w.startswith("pypi") for w in relaxed["warnings"])


def test_status_freshness_offline_and_network_errors_are_unknown(sandbox, status_mirror,
                                                                 tmp_path):
    use_mirrors(sandbox, tmp_path)
    sandbox.run("tuna", "enable", "--url", status_mirror.url, "-y").check()
    status_mirror.clear()
    offline = sandbox.run("tuna", "status", "--json", "--offline").check().json()["sync"]
    assert offline["available"] is False and "offline" in offline["error"]
    assert offline["jobs"]["anaconda"]["status"] == "unknown"
    assert not status_mirror.requests
    status_mirror.faults["/static/"] = Fault(status=503)
    broken = sandbox.run("tuna", "status", "--json").check().json()["sync"]
    assert broken["available"] is False and "503" in broken["error"]
    status_mirror.faults["/static/"] = Fault(hang=True)
    sandbox.extra_env["CONDA_PLUGINS_TUNA_PROBE_TIMEOUT"] = "0.5"
    result = sandbox.run("tuna", "status")
    result.check()
    assert "Mirror freshness: unknown" in result.stdout and "Traceback" not in result.output


# --------------------------------------------------------------------------- doctor
LEGACY = """\
# copied from a blog post in 2019
channels:
  - {m}/anaconda/pkgs/main   # main first
  - {m}/anaconda/pkgs/free
  - {m}/anaconda/cloud/conda-forge
  - {m}/anaconda/cloud/intel
  - defaults
show_channel_urls: true   # keep me
channel_alias: {m}/anaconda/cloud
use_only_tar_bz2: true
custom_channels:
  pytorch: {m}/anaconda/cloud
"""
KIND_TAGS = ("[mirror-url]", "[pkgs-free]", "[channel-alias]", "[use-only-tar-bz2]",
             "[stale-cloud]")


def empty_env(sandbox, tmp_path):
    """An empty environment for `conda doctor` to look at, made by the classic solver
    whatever the test's solver: conda-rattler-solver 0.2.0 fails `create --offline` when
    no repodata is cached (FileNotFoundError from SparseRepoData), and the environment is
    only the place doctor runs in."""
    prefix = tmp_path / "doctor-env"
    sandbox.run("create", "-p", str(prefix), "-y", "--offline", "--solver", "classic").check()
    return prefix


def assert_repaired(sandbox, mirror, original: str) -> None:
    text = sandbox.condarc.read_text()
    assert mirror.url not in text
    assert "# copied from a blog post in 2019" in text and "# keep me" in text
    assert "use_only_tar_bz2" not in text and "channel_alias" not in text
    backups = list(sandbox.home.glob(".condarc.conda-tuna-backup-*"))
    assert len(backups) == 1 and backups[0].read_text() == original


def test_doctor_finds_each_legacy_pattern_and_fix_repairs_with_backup(sandbox, mirror,
                                                                      tmp_path):
    use_mirrors(sandbox, tmp_path, tuna=mirror)
    original = LEGACY.format(m=mirror.url)
    sandbox.write_condarc(original)
    prefix = empty_env(sandbox, tmp_path)
    import inspect

    from conda.plugins.types import CondaHealthCheck

    if "fixer" not in inspect.signature(CondaHealthCheck).parameters:
        # conda 24-25: `conda doctor` runs every check and has no --fix (enable --migrate
        # repairs there, tested below); our check must still report each pattern
        report = sandbox.run("doctor", "-p", str(prefix)).stdout
        for tag in KIND_TAGS:
            assert tag in report, report
        return
    report = sandbox.run("doctor", "-p", str(prefix), "tuna-legacy-config").check().stdout
    for tag in KIND_TAGS:
        assert tag in report, report
    fixed = sandbox.run("doctor", "-p", str(prefix), "tuna-legacy-config", "--fix",
                        "-y").check().stdout
    assert "Migrated" in fixed and "use_only_tar_bz2: True removed" in fixed
    assert f"Enabled conda-tuna with tuna ({mirror.url})" in fixed
    assert_repaired(sandbox, mirror, original)
    assert mirror.url in sandbox.drop_in.read_text()
    again = sandbox.run("doctor", "-p", str(prefix), "tuna-legacy-config").check().stdout
    assert "No hand-written mirror settings" in again
    # and conda still reaches the mirror, now through conda-tuna's routing
    mirror.clear()
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "--override-channels", "-c",
                "defaults", "tunatest-base").check()  # (intel would go to the real upstream)
    assert any(PKG_PATH + "tunatest-base" in p for p in mirror.paths())


def test_enable_migrate_reports_every_change_in_json(sandbox, mirror, tmp_path):
    use_mirrors(sandbox, tmp_path, tuna=mirror)
    original = LEGACY.format(m=mirror.url)
    sandbox.write_condarc(original)
    out = sandbox.run("tuna", "enable", "--url", mirror.url, "--migrate", "-y",
                      "--json").check().json()
    (item,) = out["migrated"]
    assert item["file"] == str(sandbox.condarc)
    kinds = {c["kind"] for c in item["changes"]}
    assert {"mirror-url", "pkgs-free", "channel-alias", "use-only-tar-bz2",
            "stale-cloud"} <= kinds
    assert_repaired(sandbox, mirror, original)
    channels = sandbox.run("config", "--show", "channels", "--json").check().json()
    assert channels["channels"] == ["defaults", "conda-forge", "intel"]


# --------------------------------------------------------------------------- conda internals
def test_conda_internals_that_failover_relies_on(tmp_path):
    """Fails loudly when conda changes what failover.repoint uses (not public plugin API)."""
    from conda.base.context import context, reset_context
    from conda.common.configuration import YamlRawParameter
    from conda.models.channel import Channel

    from conda_tuna.base import yaml as conda_yaml
    from conda_tuna.config import dropin as config_writer
    from conda_tuna.mirrors.catalog import custom_mirror
    from conda_tuna.routing import failover
    from conda_tuna.routing.routes import conda_settings

    assert isinstance(context.raw_data, dict)
    try:  # conda 25+; conda 24 has a module-level function (see failover)
        from conda.plugins.config import PluginConfig as plugin_settings_owner
    except ImportError:
        import conda.base.context as plugin_settings_owner
    for owner, name in ((context, "_reset_cache"), (YamlRawParameter, "make_raw_parameters"),
                        (plugin_settings_owner, "remove_all_plugin_settings"),
                        (Channel, "_reset_state")):
        assert callable(getattr(owner, name, None)), f"conda no longer has {owner}.{name}"
    loaded = conda_yaml.yaml_loads("channels:\n  - defaults  # keep\n")
    assert loaded["channels"] == ["defaults"]
    assert "# keep" in conda_yaml.yaml_dumps(loaded)  # round trip keeps comments

    first, second = custom_mirror("http://127.0.0.1:1"), custom_mirror("http://127.0.0.1:2")
    drop_in = tmp_path / "condarc.d" / config_writer.FILE_NAME
    drop_in.parent.mkdir()
    settings = conda_settings(first, channels=["defaults"])
    settings["plugins"] = {"tuna_mirror": "first", "tuna_mirror_url": first.root}
    drop_in.write_text(config_writer.render(settings, {"url": first.root}))
    before = drop_in.read_bytes()
    reset_context([str(drop_in)])
    try:
        assert Channel("conda-forge").base_url == f"{first.root}/anaconda/cloud/conda-forge"
        assert failover.repoint(first, second)
        assert Channel("conda-forge").base_url == f"{second.root}/anaconda/cloud/conda-forge"
        assert Channel("defaults").urls(False, ("linux-64",))[0] == (
            f"{second.root}/anaconda/pkgs/main/linux-64")
        assert context.plugins.tuna_mirror_url == second.root
        assert list(context.channels) == ["defaults"]
        assert failover.repoint(first, None)  # upstream: no mirror settings at all
        assert Channel("conda-forge").base_url == "https://conda.anaconda.org/conda-forge"
        assert Channel("defaults").urls(False, ("linux-64",))[0] == (
            "https://repo.anaconda.com/pkgs/main/linux-64")
        assert context.plugins.tuna_mirror_url == ""
        assert drop_in.read_bytes() == before  # in memory only
    finally:
        reset_context()
