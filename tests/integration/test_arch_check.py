"""Architecture check with real conda against a loopback mirror whose repodata has packages
for only some subdirs. Runs on x86_64: the aarch64 cases set CONDA_SUBDIR or --platform.

Channels are configured the way TUNA's help page does it (default_channels pointing at the
mirror), so conda names the channel `defaults` as a user would see it.
"""

from __future__ import annotations

import json
import platform
import re

import pytest

from tests.support.conda_runner import CondaSandbox
from tests.support.mirror import MirrorServer, MirrorTree, Pkg

pytestmark = pytest.mark.integration

AARCH64 = {"CONDA_SUBDIR": "linux-aarch64"}
WARNING = "conda-tuna warning:"


@pytest.fixture(scope="module")
def arch_tree(tmp_path_factory) -> MirrorTree:
    tree = MirrorTree(tmp_path_factory.mktemp("arch-mirror"))
    tree.add(
        "pkgs/main",
        Pkg("armtest-x64only", "1.0", "linux-64"),
        Pkg("armtest-x64only", "1.0", "win-64"),
        Pkg("armtest-both", "1.0", "linux-64"),
        Pkg("armtest-both", "1.0", "linux-aarch64"),
        Pkg("armtest-noarch", "0.5", "noarch", noarch="generic"),
        Pkg("armtest-needsx", "1.0", "linux-64", depends=["armtest-x64only"]),
        Pkg("armtest-needsx", "1.0", "linux-aarch64", depends=["armtest-x64only"]),
        Pkg("armtest-ver", "1.0", "linux-64"),
        Pkg("armtest-ver", "1.0", "linux-aarch64"),
        Pkg("armtest-ver", "2.0", "linux-64"),
    )
    tree.add("pkgs/r", Pkg("r-armtest", "1.0", "linux-64"))  # `defaults` includes pkgs/r
    tree.add("cloud/conda-forge", Pkg("armtest-x64only", "1.0", "linux-aarch64"))
    tree.write()
    write_current_repodata(tree.channel_dir("pkgs/main") / "linux-64")
    return tree


def write_current_repodata(subdir_dir) -> None:
    """current_repodata.json as the real mirrors serve it: only the newest version of each
    package (conda tries it first and falls back to repodata.json)."""
    full = json.loads((subdir_dir / "repodata.json").read_text())
    newest: dict[str, tuple[str, str]] = {}
    for fn, rec in full["packages"].items():
        if rec["name"] not in newest or rec["version"] > newest[rec["name"]][1]:
            newest[rec["name"]] = (fn, rec["version"])
    keep = {fn for fn, _ in newest.values()}
    current = {**full, "packages": {k: v for k, v in full["packages"].items() if k in keep}}
    (subdir_dir / "current_repodata.json").write_text(json.dumps(current))


@pytest.fixture
def arch_mirror(arch_tree):
    with MirrorServer(arch_tree.root, "arch") as server:
        yield server


def configure(sandbox: CondaSandbox, mirror: MirrorServer, **env: str) -> CondaSandbox:
    """TUNA's recommended .condarc, pointing at the loopback mirror."""
    sandbox.write_condarc(
        "channels:\n  - defaults\n"
        f"default_channels:\n  - {mirror.url}/anaconda/pkgs/main\n"
        f"custom_channels:\n  conda-forge: {mirror.url}/anaconda/cloud\n"
    )
    sandbox.extra_env.update(env)
    return sandbox


def dry_create(sandbox: CondaSandbox, *args: str):
    return sandbox.run("create", "-n", "archtest", "--dry-run", *args)


def warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(WARNING)]


@pytest.mark.parametrize("how", ["CONDA_SUBDIR", "--platform"])
def test_linux64_only_package_warns_before_solver_error(sandbox, arch_mirror, how, solver):
    if how == "CONDA_SUBDIR":
        configure(sandbox, arch_mirror, **AARCH64)
        result = dry_create(sandbox, "armtest-x64only")
    else:
        configure(sandbox, arch_mirror)
        result = dry_create(sandbox, "--platform", "linux-aarch64", "armtest-x64only")
    assert result.returncode != 0
    lines = warnings(result)
    assert len(lines) == 1, result.output
    if solver == "classic":
        # classic tries current_repodata.json first, then repodata.json: the hook ran twice
        # and warned once (libmamba and rattler read repodata.json only)
        assert "retrying with next repodata source" in result.output
    line = lines[0]
    assert "armtest-x64only: no build for linux-aarch64 (machine aarch64" in line
    assert "in defaults" in line
    assert "builds exist for linux-64" in line
    if platform.machine() == "x86_64":
        assert "set by --platform/CONDA_SUBDIR; this machine is x86_64 (linux-64)" in line
    # printed before conda's own error
    assert result.stderr.index(WARNING) < result.stderr.index("PackagesNotFound")


def test_noarch_and_available_packages_are_never_warned(sandbox, arch_mirror):
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "armtest-noarch", "armtest-both", "armtest-ver<2")
    assert "DryRunExit" in result.output or result.returncode == 0, result.output
    assert "linux-aarch64::armtest-both" in result.output
    assert "noarch::armtest-noarch" in result.output
    assert WARNING not in result.output


def test_dependency_missing_on_aarch64(sandbox, arch_mirror, solver):
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "armtest-needsx")
    assert result.returncode != 0
    (line,) = warnings(result)
    assert ("armtest-needsx: every build for linux-aarch64 needs armtest-x64only, which has no "
            "build for linux-aarch64") in line
    assert "armtest-x64only builds exist for linux-64" in line


def test_version_constraint_only_on_linux64(sandbox, arch_mirror):
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "armtest-ver>=2")
    assert result.returncode != 0
    (line,) = warnings(result)
    # conda prints the spec itself: "armtest-ver>=2" (26) or "armtest-ver >=2" (24-25)
    assert re.search(r"armtest-ver ?>=2: no build for linux-aarch64", line), line
    assert "(linux-aarch64 has armtest-ver 1.0 only)" in line
    assert "builds exist for linux-64" in line
    # the same spec on linux-64 is fine and silent
    configure(sandbox, arch_mirror, CONDA_SUBDIR="linux-64")
    ok = dry_create(sandbox, "armtest-ver>=2")
    assert "linux-64::armtest-ver-2.0" in ok.output
    assert WARNING not in ok.output


def test_env_create_uses_the_files_channels(sandbox, arch_mirror, tmp_path):
    """The check looks where the solver looks: here only the file names the channels."""
    sandbox.write_condarc(
        f"default_channels:\n  - {arch_mirror.url}/anaconda/pkgs/main\n"
        f"custom_channels:\n  conda-forge: {arch_mirror.url}/anaconda/cloud\n")
    sandbox.extra_env.update(AARCH64)
    env_file = tmp_path / "environment.yml"
    env_file.write_text("name: fromfile\nchannels:\n  - conda-forge\n  - defaults\n"
                        "dependencies:\n  - armtest-x64only\n  - armtest-ver>=2\n")
    result = sandbox.run("env", "create", "-f", str(env_file), "-p", str(tmp_path / "env"))
    assert result.returncode != 0
    (line,) = warnings(result)  # armtest-x64only comes from conda-forge: no warning
    assert line.startswith(f"{WARNING} armtest-ver >=2: no build for linux-aarch64")
    assert "in conda-forge, defaults" in line
    if conda_major() >= 26:  # 24-25's env create solver does not say where else it exists
        assert "builds exist for linux-64 (in defaults)" in line


@pytest.mark.solver("classic", reason="only the classic solver reads current_repodata.json "
                    "first and retries with repodata.json")
def test_no_false_warning_from_current_repodata(sandbox, arch_mirror):
    """linux-64's current_repodata.json has only armtest-ver 2.0; 1.0 is in repodata.json.
    The check must wait for conda's retry with the full file instead of warning."""
    configure(sandbox, arch_mirror, CONDA_SUBDIR="linux-64")
    result = dry_create(sandbox, "armtest-ver<2")
    assert "retrying with next repodata source" in result.output
    assert "linux-64::armtest-ver-1.0" in result.output
    assert WARNING not in result.output


def conda_major() -> int:
    from conda import __version__

    return int(__version__.split(".", 1)[0])


def test_error_hint_in_json_output(sandbox, arch_mirror, solver):
    from conda.plugins.hookspec import CondaSpecs

    if not hasattr(CondaSpecs, "conda_error_hints"):
        pytest.skip("this conda has no conda_error_hints hook (added in 26.x)")
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "--json", "armtest-x64only", "armtest-needsx")
    assert result.returncode != 0
    data = result.json()
    # which error the solver raises is its own business: classic and rattler say these
    # packages were not found, libmamba reports one unsatisfiable problem for both
    assert data["exception_name"].startswith("PackagesNotFound") \
        or data["exception_name"].endswith("UnsatisfiableError"), data["exception_name"]
    hints = {h["hint_code"]: h["text"] for h in data["guidance"]["hints"]}
    assert "armtest-x64only: no build for linux-aarch64" in hints["tuna_arch_no_build"]
    assert "builds exist for linux-64" in hints["tuna_arch_no_build"]
    assert "needs armtest-x64only" in hints["tuna_arch_missing_dependency"]


def test_error_mode_stops_before_solving(sandbox, arch_mirror):
    configure(sandbox, arch_mirror, CONDA_PLUGINS_TUNA_ARCH_CHECK="error", **AARCH64)
    result = dry_create(sandbox, "--json", "armtest-x64only")
    assert result.returncode == 1
    data = result.json()
    assert data["exception_name"] == "CondaTunaError"
    assert "armtest-x64only: no build for linux-aarch64" in data["message"]
    assert "Solving environment" not in result.output


def test_off_mode_does_nothing(sandbox, arch_mirror):
    configure(sandbox, arch_mirror, CONDA_PLUGINS_TUNA_ARCH_CHECK="off", **AARCH64)
    if conda_major() < 26:  # conda 25.9 itself cannot render this error as JSON (IndexedSet)
        result = dry_create(sandbox, "armtest-x64only")
        assert result.returncode != 0 and "PackagesNotFound" in result.output
        assert WARNING not in result.output and "no build for" not in result.output
        return
    result = dry_create(sandbox, "--json", "armtest-x64only")
    assert result.returncode != 0
    assert WARNING not in result.output
    hints = result.json().get("guidance", {}).get("hints", [])
    assert not [h for h in hints if h["hint_code"].startswith("tuna_arch")]


@pytest.mark.solver("classic", reason="the pre-solve check loads repodata with "
                    "SubdirData.load(), which only the classic solver reuses; libmamba and "
                    "rattler fetch it again (issue 10)")
def test_check_on_makes_exactly_the_same_requests(tmp_path, arch_mirror):
    """A successful create (real install) fetches the same files with the check on and off."""
    seen = {}
    for mode in ("warn", "off"):
        box = configure(CondaSandbox(tmp_path / mode), arch_mirror,
                        CONDA_PLUGINS_TUNA_ARCH_CHECK=mode)
        arch_mirror.clear()
        result = box.run("create", "-y", "-vvv", "-p", str(tmp_path / mode / "env"),
                         "armtest-both", "armtest-noarch", "armtest-ver").check()
        assert (tmp_path / mode / "env" / "conda-meta").is_dir()
        # the check really ran (its debug line), or the comparison would prove nothing
        assert ("conda-tuna arch check: 3 spec(s) on " in result.stderr) == (
            mode == "warn")
        if mode == "warn":
            # found conda's Solver on the call stack (not public API: this catches a rename)
            assert "conda-tuna arch check: channels from the solver" in result.stderr
        seen[mode] = sorted((r.method, r.path) for r in arch_mirror.requests)
    assert any("repodata.json" in path for _, path in seen["warn"])
    assert seen["warn"] == seen["off"]


def test_enabled_mirror_suggests_mirrored_channel(sandbox, arch_mirror):
    sandbox.extra_env.update(AARCH64)
    sandbox.write_condarc("channels:\n  - defaults\n")
    sandbox.run("tuna", "enable", "--url", arch_mirror.url, "-y").check()
    result = dry_create(sandbox, "armtest-x64only")
    (line,) = warnings(result)
    assert "look in conda-forge (custom mirrors it for linux-aarch64): add -c conda-forge" in line
    # and the suggestion is right: conda-forge has it
    ok = dry_create(sandbox, "-c", "conda-forge", "armtest-x64only")
    assert "conda-forge/linux-aarch64::armtest-x64only" in ok.output, ok.output


ENV_FILE = """\
name: fromx86
channels:
  - defaults
prefix: /home/someone/miniconda3/envs/fromx86
dependencies:
  - armtest-both=1.0=h0_0
  - armtest-x64only
  - armtest-needsx
  - armtest-noarch
  - armtest-ver>=2
  - __glibc=2.17=0
  - pip
  - pip:
    - requests==2.31.0
    - ./local-wheel-1.0-py3-none-manylinux2014_x86_64.whl
"""


def test_check_environment_file_two_platforms_json(sandbox, arch_mirror, tmp_path):
    configure(sandbox, arch_mirror)
    env_file = tmp_path / "environment.yml"
    env_file.write_text(ENV_FILE)
    result = sandbox.run("tuna", "check", str(env_file), "--platform", "linux-64",
                         "--platform", "linux-aarch64", "--json")
    assert result.returncode == 1, result.output
    data = result.json()
    assert data["platforms"] == ["linux-64", "linux-aarch64"]
    assert data["channels"] == ["defaults"]
    specs = {s["name"]: s["platforms"] for s in data["specs"]}
    assert set(specs) == {"armtest-both", "armtest-x64only", "armtest-needsx",
                          "armtest-noarch", "armtest-ver", "pip"}
    for name in ("armtest-both", "armtest-x64only", "armtest-needsx", "armtest-noarch",
                 "armtest-ver"):
        assert specs[name]["linux-64"]["status"] == "available", name
    aarch = {name: p["linux-aarch64"] for name, p in specs.items()}
    assert aarch["armtest-both"]["status"] == "available"
    assert aarch["armtest-noarch"]["status"] == "available"
    assert aarch["armtest-noarch"]["build"] == "0"
    assert aarch["armtest-x64only"]["status"] == "missing"
    assert aarch["armtest-x64only"]["builds_exist_for"] == {"linux-64": ["defaults"]}
    assert aarch["armtest-needsx"]["status"] == "missing_dependency"
    assert aarch["armtest-needsx"]["missing_dependency"] == "armtest-x64only"
    assert aarch["armtest-ver"]["status"] == "missing"
    assert aarch["armtest-ver"]["available_versions"] == ["1.0"]
    assert specs["armtest-ver"]["linux-64"]["version"] == "2.0"
    assert specs["pip"]["linux-aarch64"]["status"] == "missing"  # no pip package in this mirror
    assert [p["requirement"] for p in data["pip"]] == [
        "requests==2.31.0", "./local-wheel-1.0-py3-none-manylinux2014_x86_64.whl"]
    kinds = {(f["kind"], f["item"].split("=")[0]) for f in data["will_not_migrate"]}
    assert ("prefix", "prefix: /home/someone/miniconda3/envs/fromx86") in kinds
    assert ("exact_build", "armtest-both") in kinds
    assert ("virtual_package", "__glibc") in kinds
    assert ("pip_platform", "./local-wheel-1.0-py3-none-manylinux2014_x86_64.whl") in kinds


def test_check_human_output_and_exit_zero(sandbox, arch_mirror):
    configure(sandbox, arch_mirror)
    result = sandbox.run("tuna", "check", "armtest-both", "armtest-noarch", "--platform",
                         "linux-64", "--platform", "linux-aarch64")
    assert result.returncode == 0, result.output
    assert "linux-aarch64 (Linux on ARM64" in result.stdout
    assert "ok       armtest-both" in result.stdout
    assert "Everything is available." in result.stdout
    bad = sandbox.run("tuna", "check", "armtest-x64only", "--platform", "linux-aarch64")
    assert bad.returncode == 1
    assert "MISSING  armtest-x64only: no build for linux-aarch64" in bad.stdout
    assert json.loads(sandbox.run("tuna", "check", "armtest-x64only", "--platform",
                                  "linux-64", "--json").stdout)["success"] is True
    # -c replaces the channels looked in: conda-forge has the aarch64 build
    other = sandbox.run("tuna", "check", "-c", "conda-forge", "armtest-x64only", "--platform",
                        "linux-aarch64", "--json")
    assert other.returncode == 0, other.output
    (spec,) = other.json()["specs"]
    assert spec["platforms"]["linux-aarch64"]["channel"] == "conda-forge"


def test_check_rejects_unknown_platform(sandbox, arch_mirror):
    configure(sandbox, arch_mirror)
    result = sandbox.run("tuna", "check", "armtest-both", "--platform", "linux-arm64")
    assert result.returncode == 1
    assert "Unknown platform linux-arm64" in result.output
    assert "Traceback" not in result.output
