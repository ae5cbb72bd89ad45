"""Mirror health with real conda and several loopback mirrors (healthy, 503, hanging, slow).

Every probe is pointed at 127.0.0.1 through $CONDA_TUNA_MIRRORS_OVERRIDE (a JSON file of
{name: root}); a catalog name keeps that mirror's coverage, so "sjtug" still lacks
linux-aarch64. Routing tests also use $CONDA_TUNA_UPSTREAMS_OVERRIDE (the `world` fixture,
tests/support/world.py). The request logs prove which mirror served what. No timing
assertions: a hanging mirror must be reported as timed out, and the command must return.
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
    assert probes["nju"]["state"] == "timeout" and probes["nju"]["kind"] == "timeout"
    assert probes["bfsu"]["state"] == "error" and probes["bfsu"]["http_status"] == 503
    assert probes["bfsu"]["kind"] == "http" and probes["tuna"]["kind"] is None
    assert result["success"] is True and result["answered"] == 2
    assert probes["tuna"]["state"] == "ok" and probes["zju"]["state"] == "ok"
    assert result["fastest"] == "zju"
    assert len(healthy.requests) == 1 and healthy.requests[0].method == "HEAD"
    assert healthy.requests[0].path == "/anaconda/pkgs/main/linux-64/repodata.json"
    assert "conda-tuna" in healthy.requests[0].headers["User-Agent"]  # TUNA 403s without one
    text = sandbox.run("tuna", "mirrors", "--probe").check().stdout
    assert f"timed out: no answer from {hang.url[7:]} within 1.5 s" in text
    assert f"{broken.url[7:]} answered HTTP 503" in text


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
    assert result.stdout.startswith("conda-tuna is enabled: conda's requests now go through "
                                    "mirror tuna.")
    assert f"Mirror:  tuna (Tsinghua University TUNA), {slow.url}, chosen by --mirror auto: " \
        "fastest healthy mirror carrying linux-aarch64" in result.stdout
    assert "sjtug skipped (does not carry linux-aarch64)" in result.stdout
    assert not fast.requests  # not even probed
    assert heads(slow) == ["/anaconda/pkgs/main/linux-aarch64/repodata.json"]


# --------------------------------------------------------------------------- failover
# The per-request failover itself is tested in test_routing.py; these cover the chain's
# settings and the hooks around it.
def test_whole_channel_404_fails_over_like_august_2026(sandbox, world, tmp_path):
    """TUNA came back with pkgs/* answering 404: repodata.json must exist, so that is a
    failure too, not "no packages"."""
    world.setup(sandbox)
    world.tuna.faults["/anaconda/pkgs/"] = Fault(status=404)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-base").check()
    assert "conda-tuna: mirror tuna lacks repodata.json; using bfsu instead." in result.stderr
    assert fetched_packages(world.bfsu)
    # each request asks tuna first (one missing file says nothing about the others)
    assert all(r.status == 404 for r in world.tuna.requests if "/anaconda/pkgs/" in r.path)


def test_hanging_mirror_fails_over_to_a_configured_root_url(sandbox, world, tmp_path):
    world.configure(sandbox, mirrors={"tuna": world.tuna})
    sandbox.write_condarc(world.condarc(extra="plugins:\n  tuna_fallback_mirrors:\n"
                                              f"    - {world.bfsu.url}\n"))
    sandbox.run("tuna", "enable", "--url", world.tuna.url, "-y").check()
    world.tuna.faults["/"] = Fault(hang=True)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-base").check()
    assert "timed out: no answer from" in result.stderr and "within 1.5 s" in result.stderr
    assert "using custom instead" in result.stderr
    assert len(world.tuna.requests) == 1  # the bounded liveness check, then never again
    assert fetched_packages(world.bfsu)
    assert not world.upstream.requests  # upstream is not in this chain


def test_fails_over_to_upstream_when_the_sister_is_down_too(sandbox, world, tmp_path):
    world.setup(sandbox, ("conda-forge",))
    world.tuna.faults["/"] = Fault(status=503)
    world.bfsu.faults["/"] = Fault(status=502)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "cf-tool").check()
    assert "using upstream instead" in result.stderr
    assert "disable" not in result.output  # an outage is never a reason to turn routing off
    assert any("/conda-forge/linux-64/cf-tool" in p for p in world.upstream.paths())
    assert len(world.tuna.requests) == 1 and len(world.bfsu.requests) == 1


def require_hooks(*names: str) -> None:
    """Skip on a conda without these hooks (error hints 26.7+, exception observers 26.5+)."""
    from conda.plugins.hookspec import CondaSpecs

    missing = [n for n in names if not hasattr(CondaSpecs, n)]
    if missing:
        from conda import __version__

        pytest.skip(f"conda {__version__} has no {', '.join(missing)} hook")


def test_mirror_dying_mid_command_is_remembered_for_the_next_command(sandbox, world,
                                                                      tmp_path):
    """The liveness check passed, then the mirror broke mid-command (a connection error
    cannot reach a response hook): that command fails with conda's error and a hint naming
    the mirror; the exception observer remembers it, so the next command skips it at once."""
    require_hooks("conda_error_hints", "conda_exception_observers")
    world.setup(sandbox)
    sandbox.run("create", "-p", str(tmp_path / "e1"), "--dry-run", "-y",
                "tunatest-base").check()  # the sync time is known now: liveness is a HEAD
    world.tuna.suffix_faults[".tar.bz2"] = Fault(hang=True)
    sandbox.extra_env["CONDA_REMOTE_READ_TIMEOUT_SECS"] = "2"
    broken = sandbox.run("create", "-p", str(tmp_path / "e2"), "-y", "tunatest-base")
    assert broken.returncode != 0 and "disable" not in broken.output
    assert "(tuna_mirror_answered)" in broken.output
    world.clear()
    sandbox.run("create", "-p", str(tmp_path / "e3"), "-y", "tunatest-base").check()
    assert fetched_packages(world.bfsu) and not fetched_packages(world.tuna)


def test_hint_names_mirror_when_failover_is_off(sandbox, world, tmp_path):
    require_hooks("conda_error_hints")
    world.setup(sandbox)
    world.tuna.faults["/anaconda/"] = Fault(status=503)
    sandbox.extra_env["CONDA_PLUGINS_TUNA_FAILOVER"] = "false"
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-app")
    assert result.returncode != 0
    assert "(tuna_mirror_answered)" in result.output
    assert f"conda-tuna sent this request to mirror tuna: {world.tuna.url}" in result.output
    assert "plugins.tuna_failover is off" in result.output
    assert not heads(world.tuna) and not world.bfsu.requests  # off: no liveness checks
    assert "/static/tunasync.json" not in world.tuna.paths()


def test_no_hint_for_errors_on_other_hosts(sandbox, world, tmp_path):
    world.setup(sandbox)
    world.upstream.faults["/nvidia/"] = Fault(status=503)
    result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "--override-channels",
                         "-c", "nvidia", "nv-tool")
    assert result.returncode != 0 and "HTTP 503" in result.output
    assert "tuna_mirror_answered" not in result.output


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
def test_conda_round_trip_yaml_keeps_comments():
    """`enable --migrate` rewrites a .condarc through conda's round-trip YAML (base/yaml.py,
    not public plugin API): fails loudly when conda's loader stops keeping comments."""
    from conda_tuna.base import yaml as conda_yaml

    loaded = conda_yaml.yaml_loads("channels:\n  - defaults  # keep\n")
    assert loaded["channels"] == ["defaults"]
    assert "# keep" in conda_yaml.yaml_dumps(loaded)  # round trip keeps comments
