"""Architecture check with real conda against a loopback mirror whose repodata has packages
for only some subdirs. Runs on x86_64: the aarch64 cases set CONDA_SUBDIR or --platform.

Channels are configured the way TUNA's help page does it (default_channels pointing at the
mirror), so conda names the channel `defaults` as a user would see it.

The diagnosis of a failed solve reaches the user by the newest hook the running conda has:
an error hint (conda >= 26.7), an exception observer printing before conda's error (26.5-26.6)
or an atexit handler printing after it (24.11-26.4). Tests take the route of the conda they
run; `test_older_conda_routes` also runs this conda as if it were older (hiding the newer hook
specifications from its plugin manager), so every route is shown under every solver here.
The last section names the conda behaviour the check relies on that is not public API.
"""

from __future__ import annotations

import json
import platform
import re
from pathlib import Path

import pytest

from tests.support.conda_runner import CondaResult, CondaSandbox, without_hooks
from tests.support.mirror import MirrorServer, MirrorTree, Pkg

pytestmark = pytest.mark.integration

AARCH64 = {"CONDA_SUBDIR": "linux-aarch64"}
WARNING = "conda-tuna warning:"
HINT_RE = re.compile(r"^\s*- \((tuna_arch_\w+)\) conda-tuna: (.*)$")
ERROR_RE = re.compile(r"\w*(PackagesNotFound|Unsatisfiable)\w*Error|ResolvePackageNotFound")
ROUTE_PRELUDES = {
    "observer": without_hooks("conda_error_hints"),
    "at_exit": without_hooks("conda_error_hints", "conda_exception_observers"),
}


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
    for subdir in ("linux-64", "linux-aarch64", "noarch"):
        write_current_repodata(tree.channel_dir("pkgs/main") / subdir)
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


def natural_route() -> str:
    """How this conda delivers the diagnosis (the test process runs the same conda)."""
    from conda.plugins.hookspec import CondaSpecs

    if hasattr(CondaSpecs, "conda_error_hints"):
        return "hint"
    return "observer" if hasattr(CondaSpecs, "conda_exception_observers") else "at_exit"


def diagnosis(result: CondaResult) -> list[str]:
    """The diagnosis lines, whichever route printed them: `conda-tuna warning: X` lines, or
    conda's "Next steps" entries `- (tuna_arch_...) conda-tuna: X` and their continuation
    lines."""
    lines: list[str] = []
    in_hint = False
    for line in result.stderr.splitlines():
        hint = HINT_RE.match(line)
        if line.startswith(WARNING):
            lines.append(line[len(WARNING):].strip())
            in_hint = False
        elif hint:
            lines.append(hint.group(2).strip())
            in_hint = True
        elif in_hint and line.startswith("    ") and not line.lstrip().startswith("- "):
            lines.append(line.strip())
        else:
            in_hint = False
    return lines


def hint_codes(result: CondaResult) -> list[str]:
    return [m.group(1) for m in map(HINT_RE.match, result.stderr.splitlines()) if m]


def assert_once_and_placed(result: CondaResult, route: str) -> list[str]:
    """Each diagnosis line appears once in the whole output, where its route puts it."""
    lines = diagnosis(result)
    assert lines, result.output
    for line in lines:
        assert result.output.count(line) == 1, (line, result.output)
    error = ERROR_RE.search(result.stderr)
    assert error, result.output
    first = min(result.stderr.index(line) for line in lines)
    if route == "hint":
        assert "Next steps" in result.stderr and first > error.start(), result.stderr
        assert WARNING not in result.output
    elif route == "observer":
        assert first < error.start() and hint_codes(result) == [], result.stderr
    else:
        assert first > error.start() and hint_codes(result) == [], result.stderr
    return lines


# ---------------------------------------------------------------------------- the diagnosis
@pytest.mark.parametrize("how", ["CONDA_SUBDIR", "--platform"])
def test_linux64_only_package_is_diagnosed_once(sandbox, arch_mirror, how, solver):
    if how == "CONDA_SUBDIR":
        configure(sandbox, arch_mirror, **AARCH64)
        result = dry_create(sandbox, "armtest-x64only")
    else:
        configure(sandbox, arch_mirror)
        result = dry_create(sandbox, "--platform", "linux-aarch64", "armtest-x64only")
    assert result.returncode != 0
    (line,) = assert_once_and_placed(result, natural_route())
    assert "armtest-x64only: no build for linux-aarch64 (machine aarch64" in line
    assert "in defaults" in line
    assert "builds exist for linux-64" in line
    if platform.machine() == "x86_64":
        assert "set by --platform/CONDA_SUBDIR; this machine is x86_64 (linux-64)" in line
    if natural_route() == "hint":
        assert hint_codes(result) == ["tuna_arch_no_build"]


@pytest.mark.parametrize("route", ["observer", "at_exit"])
def test_older_conda_routes(sandbox, arch_mirror, route, solver):
    """This conda run as conda 26.5-26.6 (no error hints) or 24.11-26.4 (no exception
    observers either) would run it: the same diagnosis, printed before or after conda's
    error, once."""
    from conda.plugins.hookspec import CondaSpecs

    if route == "observer" and not hasattr(CondaSpecs, "conda_exception_observers"):
        pytest.skip("this conda has no conda_exception_observers hook to keep (26.5+)")
    if route == natural_route():
        pytest.skip(f"this conda's own route is {route}: tested without simulation")
    sandbox.prelude = ROUTE_PRELUDES[route]
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "armtest-x64only", "armtest-needsx")
    assert result.returncode != 0
    lines = assert_once_and_placed(result, route)
    assert any(line.startswith("armtest-needsx: every build for linux-aarch64 needs "
                               "armtest-x64only") for line in lines), lines


def test_noarch_and_available_packages_are_never_warned(sandbox, arch_mirror, solver):
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "armtest-noarch", "armtest-both", "armtest-ver<2")
    assert "DryRunExit" in result.output or result.returncode == 0, result.output
    assert "linux-aarch64::armtest-both" in result.output
    assert "noarch::armtest-noarch" in result.output
    assert "conda-tuna" not in result.output


def test_dependency_missing_on_aarch64(sandbox, arch_mirror, solver):
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "armtest-needsx")
    assert result.returncode != 0
    (line,) = assert_once_and_placed(result, natural_route())
    assert ("armtest-needsx: every build for linux-aarch64 needs armtest-x64only, which has no "
            "build for linux-aarch64") in line
    assert "armtest-x64only builds exist for linux-64" in line
    if natural_route() == "hint":
        assert hint_codes(result) == ["tuna_arch_missing_dependency"]


def test_version_constraint_only_on_linux64(sandbox, arch_mirror, solver):
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "armtest-ver>=2")
    assert result.returncode != 0
    (line,) = assert_once_and_placed(result, natural_route())
    # conda prints the spec itself: "armtest-ver>=2" (26) or "armtest-ver >=2" (24-25)
    assert re.search(r"armtest-ver ?>=2: no build for linux-aarch64", line), line
    assert "(linux-aarch64 has armtest-ver 1.0 only)" in line
    assert "builds exist for linux-64" in line
    # the same spec on linux-64 is fine and silent
    configure(sandbox, arch_mirror, CONDA_SUBDIR="linux-64")
    ok = dry_create(sandbox, "armtest-ver>=2")
    assert "linux-64::armtest-ver-2.0" in ok.output
    assert "conda-tuna" not in ok.output


def test_env_create_uses_the_files_channels(sandbox, arch_mirror, tmp_path, solver):
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
    (line,) = assert_once_and_placed(result, natural_route())  # x64only is in conda-forge
    assert line.startswith("armtest-ver >=2: no build for linux-aarch64"), line
    assert "in conda-forge, defaults" in line
    assert "builds exist for linux-64 (in defaults)" in line


@pytest.mark.solver("classic", reason="only the classic solver reads current_repodata.json "
                    "first and retries with repodata.json")
def test_no_false_warning_from_current_repodata(sandbox, arch_mirror):
    """linux-64's current_repodata.json has only armtest-ver 2.0; 1.0 is in repodata.json.
    The failed first attempt must not be explained: conda's retry with the full file
    succeeds."""
    configure(sandbox, arch_mirror, CONDA_SUBDIR="linux-64")
    result = dry_create(sandbox, "armtest-ver<2")
    assert "retrying with next repodata source" in result.output
    assert "linux-64::armtest-ver-1.0" in result.output
    assert "conda-tuna" not in result.output


def conda_major() -> int:
    from conda import __version__

    return int(__version__.split(".", 1)[0])


def test_error_hint_in_json_output(sandbox, arch_mirror, solver):
    if natural_route() != "hint":
        pytest.skip("this conda has no conda_error_hints hook (added in 26.7)")
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
    assert WARNING not in result.output


def test_error_mode_stops_before_solving(sandbox, arch_mirror, solver):
    configure(sandbox, arch_mirror, CONDA_PLUGINS_TUNA_ARCH_CHECK="error", **AARCH64)
    result = dry_create(sandbox, "--json", "armtest-x64only")
    assert result.returncode == 1
    data = result.json()
    assert data["exception_name"] == "CondaTunaError"
    assert "armtest-x64only: no build for linux-aarch64" in data["message"]
    assert "builds exist for linux-64" in data["message"]
    assert "Solving environment" not in result.output
    # nothing missing: the solve goes ahead as usual
    ok = dry_create(sandbox, "armtest-both", "armtest-noarch")
    assert "linux-aarch64::armtest-both" in ok.output, ok.output


def test_off_mode_does_nothing(sandbox, arch_mirror, solver):
    configure(sandbox, arch_mirror, CONDA_PLUGINS_TUNA_ARCH_CHECK="off", **AARCH64)
    if conda_major() < 26:  # conda 25.9 itself cannot render this error as JSON (IndexedSet)
        result = dry_create(sandbox, "armtest-x64only")
        assert result.returncode != 0 and "PackagesNotFound" in result.output
        assert "conda-tuna" not in result.output and "no build for" not in result.output
        return
    result = dry_create(sandbox, "--json", "armtest-x64only")
    assert result.returncode != 0
    assert "conda-tuna" not in result.output
    hints = result.json().get("guidance", {}).get("hints", [])
    assert not [h for h in hints if h["hint_code"].startswith("tuna_arch")]


def request_log(mirror: MirrorServer) -> list[tuple[str, str]]:
    return sorted((r.method, r.path) for r in mirror.requests)


def test_check_on_makes_exactly_the_same_requests(tmp_path, arch_mirror, solver):
    """A successful create (real install) fetches the same files with the check on and off,
    under every solver: before the solve the check only records the specs."""
    seen = {}
    for mode in ("warn", "off"):
        box = configure(CondaSandbox(tmp_path / mode, solver=solver), arch_mirror,
                        CONDA_PLUGINS_TUNA_ARCH_CHECK=mode)
        arch_mirror.clear()
        result = box.run("create", "-y", "-vvv", "-p", str(tmp_path / mode / "env"),
                         "armtest-both", "armtest-noarch", "armtest-ver").check()
        assert (tmp_path / mode / "env" / "conda-meta").is_dir()
        # the check really ran (its debug line), or the comparison would prove nothing
        assert ("conda-tuna arch check: 3 spec(s) on linux-64" in result.stderr) == (
            mode == "warn")
        seen[mode] = request_log(arch_mirror)
    assert any("repodata.json" in path for _, path in seen["warn"])
    assert seen["warn"] == seen["off"]


def test_fresh_cache_warns_before_solving(sandbox, arch_mirror, solver):
    """When conda's own freshness rule (here local_repodata_ttl) lets the solver read its
    cached repodata unchanged, a name absent from it is reported before the solve, without a
    request; the failure hint then does not repeat it in plain text, and --json keeps it."""
    configure(sandbox, arch_mirror, CONDA_LOCAL_REPODATA_TTL="86400", **AARCH64)
    first = dry_create(sandbox, "armtest-x64only")  # fills the cache (linux-64 too)
    assert first.returncode != 0 and diagnosis(first), first.output
    arch_mirror.clear()
    again = dry_create(sandbox, "armtest-x64only")
    assert again.returncode != 0
    # (classic asks for current_repodata.json first; conda keeps no record of its 404s)
    assert not [p for p in arch_mirror.paths() if "/repodata.json" in p], arch_mirror.paths()
    warned = [line for line in again.stderr.splitlines() if line.startswith(WARNING)]
    assert len(warned) == 1 and "armtest-x64only: no build for linux-aarch64" in warned[0]
    assert "builds exist for linux-64" in warned[0]
    assert diagnosis(again) == [warned[0][len(WARNING):].strip()]  # once: no hint repeats it
    assert again.stderr.index(WARNING) < ERROR_RE.search(again.stderr).start()
    if natural_route() == "hint":
        data = dry_create(sandbox, "--json", "armtest-x64only").json()
        hints = {h["hint_code"]: h["text"] for h in data["guidance"]["hints"]}
        assert "armtest-x64only: no build for linux-aarch64" in hints["tuna_arch_no_build"]


def test_enabled_mirror_suggests_mirrored_channel(sandbox, arch_mirror, solver):
    sandbox.extra_env.update(AARCH64)
    sandbox.write_condarc("channels:\n  - defaults\n")
    sandbox.run("tuna", "enable", "--url", arch_mirror.url, "-y").check()
    result = dry_create(sandbox, "armtest-x64only")
    (line,) = diagnosis(result)
    assert "look in conda-forge (custom mirrors it for linux-aarch64): add -c conda-forge" in line
    # and the suggestion is right: conda-forge has it
    ok = dry_create(sandbox, "-c", "conda-forge", "armtest-x64only")
    assert "conda-forge/linux-aarch64::armtest-x64only" in ok.output, ok.output


# ---------------------------------------------------------------------------- conda behaviour
# relied on that is not public API: each test says what breaks if conda changes it.

CACHE_PROBE = """
import atexit as _atexit, json as _json, os as _os
def _dump_subdir_data_cache():
    from conda.core.subdir_data import SubdirData
    from conda.base.context import context
    from conda_tuna.archcheck.adapter import parses_in_python, solver_backend
    entries = []
    for key, data in list(SubdirData._cache_.items()):
        entry = {"key": list(key), "subdir_data": isinstance(data, SubdirData)}
        if entry["subdir_data"]:
            cache = data.repo_cache
            cache.load_state()
            entry.update(subdir=data.channel.subdir, loaded=bool(data._loaded),
                         path=str(data.cache_path_json), stale=cache.stale())
        entries.append(entry)
    report = {"entries": entries, "classic": parses_in_python(solver_backend())}
    with open(_os.environ["ARCH_PROBE_OUT"], "w") as fh:
        _json.dump(report, fh)
_atexit.register(_dump_subdir_data_cache)
"""

HOOK_PROBE = """
import atexit as _atexit, sys as _sys
_atexit.register(lambda: print("PROBE at exit", file=_sys.stderr, flush=True))
import conda_tuna.archcheck.hooks as _hooks
_pre, _post = _hooks.pre_solve, _hooks.post_solve
def _pre_solve(*args):
    print("PROBE pre-solve", file=_sys.stderr, flush=True)
    return _pre(*args)
def _post_solve(*args):
    print("PROBE post-solve", file=_sys.stderr, flush=True)
    return _post(*args)
_hooks.pre_solve, _hooks.post_solve = _pre_solve, _post_solve
"""


def probed(sandbox: CondaSandbox, tmp_path, *args: str) -> tuple[CondaResult, dict]:
    out = tmp_path / "probe.json"
    sandbox.prelude = CACHE_PROBE
    sandbox.extra_env["ARCH_PROBE_OUT"] = str(out)
    result = dry_create(sandbox, *args)
    return result, json.loads(out.read_text())


def repodata_entries(report: dict, mirror: MirrorServer, subdirs=("linux-aarch64", "noarch")):
    keys = {tuple(e["key"]): e for e in report["entries"]}
    base = f"{mirror.url}/anaconda/pkgs/main"
    return {s: keys.get((f"{base}/{s}", "repodata.json")) for s in subdirs}


def test_every_solver_leaves_its_subdir_data_in_condas_cache(sandbox, arch_mirror, tmp_path,
                                                             solver):
    """SubdirData._cache_ (private) is keyed (channel URL with credentials, repodata file) and
    every solver creates its SubdirData there (classic through Index, libmamba and rattler
    in their index helpers). If this changes, the failure path finds nothing the solver read
    and the diagnosis silently disappears on that solver."""
    configure(sandbox, arch_mirror, **AARCH64)
    result, report = probed(sandbox, tmp_path, "armtest-x64only")
    assert result.returncode != 0
    entries = repodata_entries(report, arch_mirror)
    assert all(e is not None and e["subdir_data"] for e in entries.values()), report
    # classic keeps the records loaded (queried in memory); the others only fetched the file
    assert all(e["loaded"] == report["classic"] for e in entries.values()), report


def test_cached_repodata_json_is_the_downloaded_file(sandbox, arch_mirror, arch_tree,
                                                     tmp_path, solver):
    """SubdirData.cache_path_json holds the repodata.json the server sent, byte for byte
    (RepodataCache.save). The byte-level reader depends on it: if conda stored another form
    (parsed and re-dumped, a .solv, shards only), the failure path reads nothing and the
    diagnosis disappears on libmamba and rattler."""
    configure(sandbox, arch_mirror, **AARCH64)
    _, report = probed(sandbox, tmp_path, "armtest-x64only")
    for subdir, entry in repodata_entries(report, arch_mirror).items():
        served = arch_tree.channel_dir("pkgs/main") / subdir / "repodata.json"
        assert Path(entry["path"]).read_bytes() == served.read_bytes(), subdir


def test_repodata_cache_freshness_is_condas_rule(sandbox, arch_mirror, tmp_path):
    """RepodataCache.load_state()/stale() (not public) say whether conda will read its cached
    repodata without asking the server: stale without Cache-Control max-age (this server
    sends none), fresh within local_repodata_ttl. The pre-solve warning from a fresh cache
    relies on it; if it changes, that warning could speak from a file the solver does not
    read (or never speak)."""
    configure(sandbox, arch_mirror, CONDA_REPODATA_FNS="repodata.json", **AARCH64)
    _, report = probed(sandbox, tmp_path, "armtest-both")
    assert all(e["stale"] for e in repodata_entries(report, arch_mirror).values()), report
    sandbox.extra_env["CONDA_LOCAL_REPODATA_TTL"] = "86400"
    _, report = probed(sandbox, tmp_path, "armtest-both")
    assert not any(e["stale"] for e in repodata_entries(report, arch_mirror).values()), report


def test_solver_kind_is_told_by_class(sandbox, arch_mirror, tmp_path, solver):
    """Only a solver that keeps conda's Solver.solve_final_state loads repodata through
    SubdirData.load() (classic); libmamba and rattler override it. Error mode loads ahead for
    the first (free: shared) and fetches the file for the others; if this misclassified,
    error mode would parse in Python for nothing or read an unfetched file."""
    configure(sandbox, arch_mirror, **AARCH64)
    _, report = probed(sandbox, tmp_path, "armtest-both")
    assert report["classic"] == (solver == "classic")


def test_pre_solve_hook_sees_the_solver_on_the_call_stack(sandbox, arch_mirror, solver):
    """conda calls the pre-solve hooks from Solver.solve_for_transaction with the solver as
    `self` (libmamba and rattler inherit that method). Error mode and the fresh-cache warning
    read the solver's exact channels there; if not found they fall back to the failure path
    (error mode would then no longer stop before solving)."""
    configure(sandbox, arch_mirror, **AARCH64)
    result = dry_create(sandbox, "-vvv", "armtest-both")
    assert "conda-tuna arch check: 1 spec(s) on linux-aarch64, channels from the solver" \
        in result.stderr, result.stderr[-3000:]


def test_post_solve_runs_only_after_a_successful_solve(sandbox, arch_mirror, solver):
    """conda_post_solves hooks run after a solve succeeded and never after one failed. The
    atexit route (conda 24.11-26.4) explains a solve only if no post-solve hook saw it
    succeed: if post-solve also ran on failures, the diagnosis would never be printed there;
    if it did not run on success, successful commands would be 'explained'."""
    configure(sandbox, arch_mirror, **AARCH64)
    sandbox.prelude = HOOK_PROBE
    ok = dry_create(sandbox, "armtest-both")
    assert re.findall(r"PROBE (pre-solve|post-solve)", ok.stderr)[-2:] == \
        ["pre-solve", "post-solve"], ok.stderr
    failed = dry_create(sandbox, "armtest-x64only")
    assert failed.returncode != 0
    assert "PROBE pre-solve" in failed.stderr and "PROBE post-solve" not in failed.stderr


def test_at_exit_handlers_run_after_condas_error_is_printed(sandbox, arch_mirror, solver):
    """conda prints its error and returns an exit code; `python -m conda` ends with sys.exit,
    so atexit handlers run after the error is out. The atexit route (conda 24.11-26.4)
    depends on it; if conda exited with os._exit, the diagnosis would be lost there."""
    configure(sandbox, arch_mirror, **AARCH64)
    sandbox.prelude = HOOK_PROBE + ROUTE_PRELUDES["at_exit"]
    result = dry_create(sandbox, "armtest-x64only")
    error = ERROR_RE.search(result.stderr)
    assert error and result.stderr.index("PROBE at exit") > error.start(), result.stderr
    assert result.stderr.index(WARNING) < result.stderr.index("PROBE at exit")


def test_last_attempt_reads_repodata_json(sandbox, arch_mirror, tmp_path, solver):
    """conda's install retries with repodata.json last whatever `repodata_fns` says
    (cli/install.py appends REPODATA_FN): a failure that reaches the user comes from solving
    with repodata.json, which is what the failure path reads. If conda stopped after another
    file, the diagnosis would read a subdir the solver did not finish with."""
    configure(sandbox, arch_mirror, CONDA_REPODATA_FNS="current_repodata.json", **AARCH64)
    result, report = probed(sandbox, tmp_path, "armtest-x64only")
    assert result.returncode != 0
    assert all(e is not None for e in repodata_entries(report, arch_mirror).values()), report
    assert "armtest-x64only: no build for linux-aarch64" in " ".join(diagnosis(result))


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
