"""conda first, then pip: real conda, a real Python and a real pip, all from a loopback mirror.

The mirror carries pkgs/main with `python` (the host CPython made into a real installation,
see tests/support/pip_world.py), `pip`, and pure-Python conda packages (tunapure, tunaboth);
its PyPI index carries wheels (tunapip and tunalater only on PyPI, tunapure 2.0 that would
replace conda's 1.0, tunadep that needs tunapure>=2, tunaboth that conda also has).
Every test reads the mirror's request log and the environment's files.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.support.conda_runner import CondaSandbox
from tests.support.mirror import MirrorServer
from tests.support.pip_world import PY_VER, SITE, build_world

pytestmark = pytest.mark.integration

#: only conda-tuna's doctor check: conda's REQUESTS_CA_BUNDLE check would go online
CHECK = "tuna-conda-after-pip"
PIP_ENV = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore",
           "PIP_NO_CACHE_DIR": "1"}


@pytest.fixture(scope="module")
def world_tree(tmp_path_factory):
    tree = build_world(tmp_path_factory.mktemp("pip-world"))
    if tree is None:
        pytest.skip("this Python has no bundled pip wheel (ensurepip) to build a pip package")
    return tree


@pytest.fixture
def world(world_tree):
    with MirrorServer(world_tree.root, "tuna") as server:
        yield server


def make_sandbox(tmp_path, world, policy: str | None = None) -> CondaSandbox:
    sandbox = CondaSandbox(tmp_path / "sandbox", extra_env=dict(PIP_ENV))
    condarc = "channels:\n  - defaults\n"
    if policy:
        condarc += f"plugins:\n  tuna_pip_policy: {policy}\n"
    sandbox.write_condarc(condarc)
    sandbox.run("tuna", "enable", "--url", world.url, "-y").check()
    return sandbox


def create_env(sandbox: CondaSandbox, prefix, *specs: str):
    sandbox.run("create", "-p", str(prefix), "-y", "python", "tunapure", *specs).check()
    probe = subprocess.run([str(prefix / "bin" / "python"), "-c",
                            "import sys, sysconfig; print(sys.prefix); "
                            "print(sysconfig.get_path('stdlib'))"],
                           capture_output=True, text=True)
    lines = probe.stdout.split()
    if probe.returncode or lines[:1] != [str(prefix)]:
        pytest.skip(f"the host Python cannot be relocated into a test environment: {probe}")
    return prefix


@pytest.fixture
def sandbox(tmp_path, world):
    return make_sandbox(tmp_path, world)


@pytest.fixture
def env(sandbox, tmp_path):
    return create_env(sandbox, tmp_path / "env")


def site(prefix):
    return prefix / SITE


def dist_info(prefix, name: str) -> list[str]:
    return sorted(p.name for p in site(prefix).glob(f"{name}-*.dist-info"))


def installer(prefix, name: str, version: str) -> str:
    return (site(prefix) / f"{name}-{version}.dist-info" / "INSTALLER").read_text().strip()


def pypi_hits(server, project: str) -> list[str]:
    return [p for p in server.paths() if p.startswith(f"/pypi/web/simple/{project}/")]


def bare_pip(prefix, world, *args: str, env=None):
    return subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "install",
                           "--index-url", f"{world.url}/pypi/web/simple", *args],
                          capture_output=True, text=True, env=env)


# --------------------------------------------------------------------------- pip install

def doctor_selects(check: str) -> list[str]:
    """`conda doctor NAME` runs one check on conda 26+; 24-25 run them all (no selection)."""
    import inspect

    from conda.plugins.types import CondaHealthCheck

    return [check] if "fixer" in inspect.signature(CondaHealthCheck).parameters else []

def test_pypi_only_package_goes_through_mirror_index(sandbox, env, world):
    world.clear()
    result = sandbox.run("tuna", "pip", "install", "-p", str(env), "tunapip").check()
    assert pypi_hits(world, "tunapip"), world.paths()
    assert all(p.startswith(("/pypi/web/simple/", "/anaconda/")) for p in world.paths())
    assert dist_info(env, "tunapip") == ["tunapip-1.0.dist-info"]
    assert installer(env, "tunapip", "1.0") == "pip"
    history = (env / "conda-meta" / "history").read_text()
    assert "# conda-tuna-pip" in history and "+pypi::tunapip==1.0" in history
    assert "pypi/web/simple" in result.output
    # conda sees the pip package (channel pypi) and its own history stays readable
    listed = {p["name"]: p for p in sandbox.run("list", "-p", str(env), "--json").check().json()}
    assert listed["tunapip"]["channel"] == "pypi"
    revisions = sandbox.run("list", "-p", str(env), "--revisions", "--json").check().json()
    assert len(revisions) == 1  # our lines are comments, not a revision of their own


def test_replacing_conda_package_is_refused_and_conda_copy_untouched(sandbox, env, world):
    before = (site(env) / "tunapure" / "__init__.py").read_text()
    for request in ("tunapure==2.0", "tunadep"):  # directly, and through a dependency
        result = sandbox.run("tuna", "pip", "install", "-p", str(env), request)
        assert result.returncode != 0, result.output
        assert "tunapure 1.0" in result.output and "conda update" in result.output
        assert "Traceback" not in result.output
    assert dist_info(env, "tunapure") == ["tunapure-1.0.dist-info"]
    assert installer(env, "tunapure", "1.0") == "conda"
    assert (site(env) / "tunapure" / "__init__.py").read_text() == before
    assert not dist_info(env, "tunadep")
    # --force lets pip replace it, and the history says so
    sandbox.run("tuna", "pip", "install", "-p", str(env), "--force", "tunapure==2.0").check()
    assert dist_info(env, "tunapure") == ["tunapure-2.0.dist-info"]
    history = (env / "conda-meta" / "history").read_text()
    assert "-pypi::tunapure==1.0" in history and "+pypi::tunapure==2.0" in history


def test_conda_first_with_json(sandbox, env, world):
    dry = sandbox.run("tuna", "pip", "install", "-p", str(env), "--dry-run", "--json",
                      "tunaboth", "tunapip").check().json()
    assert dry["dry_run"] is True and dry["conda_first"][0]["spec"] == "tunaboth"
    assert {p["name"] for p in dry["planned"]} == {"tunaboth", "tunapip"}
    assert not dist_info(env, "tunapip") and not dist_info(env, "tunaboth")
    world.clear()
    out = sandbox.run("tuna", "pip", "install", "-p", str(env), "--conda-first", "--json",
                      "tunaboth", "tunapip").check().json()
    assert out["success"] is True
    assert out["conda_first"] == [{"requirement": "tunaboth", "spec": "tunaboth",
                                   "with_conda": True}]
    assert out["index_url"] == f"{world.url}/pypi/web/simple"
    assert [i["name"] for i in out["installed"]] == ["tunapip"]
    assert list((env / "conda-meta").glob("tunaboth-1.5-*.json"))
    assert installer(env, "tunaboth", "1.5") == "conda"
    assert any("/anaconda/pkgs/main/" in p and "tunaboth-1.5" in p for p in world.paths())
    assert not pypi_hits(world, "tunaboth")


def test_requirements_file_conda_first_with_yes(sandbox, env, world, tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# deps\ntunaboth>=1.0\ntunapip\n")
    world.clear()
    sandbox.run("tuna", "pip", "install", "-p", str(env), "-y", "-r", str(req)).check()
    assert installer(env, "tunaboth", "1.5") == "conda"  # conda took it, pip found it satisfied
    assert installer(env, "tunapip", "1.0") == "pip"
    assert not pypi_hits(world, "tunaboth")
    events = (env / "conda-meta" / "history").read_text()
    assert "+pypi::tunapip==1.0" in events and "+pypi::tunaboth" not in events


def test_user_given_index_is_respected(sandbox, env, world, tmp_path):
    # an index of the user's own (here: the same files under another path) wins over ours
    other = world.url + "/pypi/web/simple"
    world.clear()
    sandbox.run("tuna", "pip", "install", "-p", str(env), "-i", other + "/", "tunalater").check()
    assert pypi_hits(world, "tunalater")
    assert installer(env, "tunalater", "0.3") == "pip"


# --------------------------------------------------------------------------- conda after pip
def test_conda_install_after_pip_warns_and_doctor_reports(sandbox, env, world):
    sandbox.run("tuna", "pip", "install", "-p", str(env), "tunapip").check()
    time.sleep(1.1)  # history stamps have one-second resolution
    result = sandbox.run("install", "-p", str(env), "-y", "tunaboth").check()
    assert "conda-tuna: warning:" in result.stderr and "tunapip 1.0" in result.stderr
    assert "conda first, then pip" in result.stderr
    doctor = sandbox.run("doctor", "-p", str(env), "-v", *doctor_selects(CHECK)).check()
    assert "conda changed" in doctor.output and "tunaboth" in doctor.output
    assert "tunapip 1.0" in doctor.output
    # policy off: silent
    sandbox.extra_env["CONDA_PLUGINS_TUNA_PIP_POLICY"] = "off"
    quiet = sandbox.run("install", "-p", str(env), "-y", "tunapure").check()
    assert "conda-tuna" not in quiet.stderr


def test_env_update_from_file_warns_for_the_files_environment(sandbox, tmp_path):
    env = create_env(sandbox, sandbox.base / "envs" / "work")
    sandbox.run("tuna", "pip", "install", "-n", "work", "tunapip").check()
    spec = tmp_path / "environment.yml"
    spec.write_text("name: work\nchannels:\n  - defaults\ndependencies:\n  - tunaboth\n")
    result = sandbox.run("env", "update", "-f", str(spec)).check()
    assert f"into {env}, which holds 1 package installed by pip: tunapip 1.0" in (
        result.stderr)
    assert installer(env, "tunaboth", "1.5") == "conda"


def test_doctor_is_quiet_for_conda_then_pip(sandbox, env):
    sandbox.run("tuna", "pip", "install", "-p", str(env), "tunapip").check()
    doctor = sandbox.run("doctor", "-p", str(env), *doctor_selects(CHECK)).check()
    assert "conda has not changed" in doctor.output


# --------------------------------------------------------------------------- strict
def test_strict_marker_refusals_and_disable(tmp_path, world):
    sandbox = make_sandbox(tmp_path, world, policy="strict")
    home_pip = sandbox.home / ".config" / "pip" / "pip.conf"
    env = create_env(sandbox, tmp_path / "env")
    marker = env / "lib" / f"python{PY_VER}" / "EXTERNALLY-MANAGED"
    assert marker.is_file() and "conda tuna pip install" in marker.read_text()
    world.clear()
    bare = bare_pip(env, world, "tunapip")
    assert bare.returncode != 0 and "conda tuna pip install" in bare.stdout + bare.stderr
    assert not dist_info(env, "tunapip") and not pypi_hits(world, "tunapip")
    sandbox.run("tuna", "pip", "install", "-p", str(env), "tunapip").check()
    assert installer(env, "tunapip", "1.0") == "pip"
    # conda on top of pip packages is refused, and nothing is installed
    refused = sandbox.run("install", "-p", str(env), "-y", "tunaboth")
    assert refused.returncode != 0 and "refusing" in refused.output
    assert "tunapip 1.0" in refused.output and "Traceback" not in refused.output
    assert not list((env / "conda-meta").glob("tunaboth-*.json"))
    # a one-command override by environment variable; the marker stays
    sandbox.extra_env["CONDA_PLUGINS_TUNA_PIP_POLICY"] = "warn"
    sandbox.run("install", "-p", str(env), "-y", "tunaboth").check()
    del sandbox.extra_env["CONDA_PLUGINS_TUNA_PIP_POLICY"]
    assert marker.is_file()
    # a marker conda-tuna did not write is never touched
    foreign_env = create_env(sandbox, tmp_path / "foreign")
    foreign = foreign_env / "lib" / f"python{PY_VER}" / "EXTERNALLY-MANAGED"
    foreign.write_text("[externally-managed]\nError=managed by the admins\n")
    sandbox.run("install", "-p", str(foreign_env), "-y", "tunaboth").check()
    assert foreign.read_text() == "[externally-managed]\nError=managed by the admins\n"
    assert not home_pip.exists()
    out = sandbox.run("tuna", "disable", "--json").check().json()
    assert str(marker) in out["pip_markers_removed"]
    assert not marker.exists() and foreign.is_file()
    assert bare_pip(env, world, "tunalater").returncode == 0


def test_relaxing_policy_with_conda_config_removes_marker(tmp_path, world):
    sandbox = make_sandbox(tmp_path, world, policy="strict")
    env = create_env(sandbox, tmp_path / "env")
    marker = env / "lib" / f"python{PY_VER}" / "EXTERNALLY-MANAGED"
    assert marker.is_file()
    result = sandbox.run("config", "--set", "plugins.tuna_pip_policy", "warn")
    if "'plugins.tuna_pip_policy': unknown parameter" in result.output:
        pytest.skip("this conda's `conda config` cannot set plugin settings (24.x)")
    result.check()
    assert not marker.exists()


# --------------------------------------------------------------------------- enable --pip
def test_enable_pip_points_pip_at_mirror_and_disable_restores_bytes(sandbox, env, world):
    conf = sandbox.home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    original = (b"# my pip settings\r\n[global]\r\ntimeout = 30\r\n"
                b"index-url = http://127.0.0.1:9/simple\r\n\r\n[install]\r\nno-compile = yes\r\n")
    conf.write_bytes(original)
    out = sandbox.run("tuna", "enable", "--url", world.url, "--pip", "-y", "--json").check()
    pip = out.json()["pip"]
    assert pip["file"] == str(conf) and pip["index_url"] == f"{world.url}/pypi/web/simple"
    # real pip reads it, and keeps the user's other settings
    listed = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "config", "list"],
                            capture_output=True, text=True, env=sandbox.env()).stdout
    assert f"global.index-url='{world.url}/pypi/web/simple'" in listed
    assert "global.timeout='30'" in listed and "install.no-compile='yes'" in listed
    world.clear()
    bare = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "tunalater"],
                          capture_output=True, text=True, env=sandbox.env())
    assert bare.returncode == 0, bare.stderr
    assert pypi_hits(world, "tunalater")
    # conda tuna pip install sees pip's own config and does not add an index of its own
    result = sandbox.run("tuna", "pip", "install", "-p", str(env), "--json", "tunapip").check()
    assert result.json()["index_url"] is None
    sandbox.run("tuna", "disable").check()
    assert conf.read_bytes() == original
    assert sorted(p.name for p in conf.parent.iterdir()) == ["pip.conf"]


def test_enable_pip_env_scope_and_disable_removes_file(sandbox, env, world):
    sandbox.run("tuna", "enable", "--url", world.url, "--pip", "--scope", "env", "-p",
                str(env), "-y").check()
    conf = env / "pip.conf"
    assert f"index-url = {world.url}/pypi/web/simple" in conf.read_text()
    sandbox.run("tuna", "disable", "--scope", "env", "-p", str(env)).check()
    assert not conf.exists()
    assert not (sandbox.home / ".config" / "pip").exists()


def test_pip_without_python_is_a_clear_error(sandbox, tmp_path):
    bare_env = tmp_path / "nopython"
    sandbox.run("create", "-p", str(bare_env), "-y").check()
    result = sandbox.run("tuna", "pip", "install", "-p", str(bare_env), "--json", "tunapip")
    assert result.returncode != 0
    error = json.loads(result.stdout)
    assert "has no Python" in error["message"] and "Traceback" not in result.output


@pytest.mark.parametrize("blank", [False, True], ids=["configured", "settings-blanked"])
def test_password_channel_never_reaches_the_mirror(sandbox, env, world, world_tree,
                                                   tmp_path, blank):
    """issue 9: `conda tuna pip install` asks the channels which requirements conda carries;
    a user:password@ channel used to reach the mirror as HTTP Basic auth. Now conda's own
    auth takes it upstream, and the mirror sees no credentials (also with every conda-tuna
    setting blanked)."""
    import json as _json

    password = "pw-5ecret-4567"
    with MirrorServer(world_tree.root / "anaconda", "upstream") as upstream:
        overrides = tmp_path / "upstreams.json"
        overrides.write_text(_json.dumps({"https://repo.anaconda.com": upstream.url,
                                          "https://conda.anaconda.org": upstream.url}))
        sandbox.extra_env["CONDA_TUNA_UPSTREAMS_OVERRIDE"] = str(overrides)
        host = upstream.url.split("://", 1)[1]
        sandbox.write_condarc(f"channels:\n  - http://user:{password}@{host}/pkgs/main\n")
        sandbox.run("tuna", "enable", "--url", world.url, "-y").check()
        if blank:
            sandbox.extra_env.update({f"CONDA_PLUGINS_TUNA_{n}": "" for n in (
                "MIRROR", "MIRROR_URL", "FAILOVER", "FALLBACK_MIRRORS", "PIP_POLICY")})
        world.clear()
        out = sandbox.run("tuna", "pip", "install", "-p", str(env), "--conda-first",
                          "--dry-run", "--json", "tunaboth").check()
        assert out.json()["conda_first"][0]["spec"] == "tunaboth"
        for request in world.requests:
            assert "authorization" not in {k.lower() for k in request.headers}
            assert password not in " ".join(request.headers.values())
        assert any(k.lower() == "authorization" for r in upstream.requests
                   for k in r.headers), [r.path for r in upstream.requests]
        assert password not in out.output
