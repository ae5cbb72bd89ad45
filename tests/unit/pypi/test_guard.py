"""The conda-then-pip decisions (pure)."""

from __future__ import annotations

import json

import pytest

from conda_tuna.base.errors import TunaError
from conda_tuna.pypi import envpackages as env_packages
from conda_tuna.pypi import guard as pip_guard


# --------------------------------------------------------------------------- options
def test_split_options_takes_ours_and_leaves_pips():
    opts = pip_guard.split_options(
        ["-n", "work", "--force", "-y", "requests>=2", "-U", "--no-deps", "--dry-run", "--json"])
    assert (opts.name, opts.force, opts.yes, opts.dry_run, opts.json) == (
        "work", True, True, True, True)
    assert opts.pip_args == ["requests>=2", "-U", "--no-deps"]
    opts = pip_guard.split_options(["--prefix=/opt/env", "--conda-first", "x", "--", "--json"])
    assert opts.prefix == "/opt/env" and opts.conda_first and opts.pip_args == ["x", "--json"]
    assert pip_guard.split_options(["-pfoo", "x"]).prefix == "foo"


@pytest.mark.parametrize("argv", [["-n"], ["-n", "a", "-p", "b"]])
def test_split_options_errors(argv):
    with pytest.raises(TunaError):
        pip_guard.split_options(argv)


def test_analyse_pip_args():
    args = pip_guard.analyse_pip_args(
        ["-r", "req.txt", "Foo_Bar[extra]>=1.0,<2", "--timeout", "5", "./local", "pkg.whl",
         "baz ; python_version<'3.8'", "git+https://x/y.git", "-e", "."])
    assert [r.name for r in args.requirements] == ["Foo_Bar", "baz"]
    foo = args.requirements[0]
    assert (foo.key, foo.extras, foo.spec) == ("foo-bar", "extra", ">=1.0,<2")
    assert args.requirements[1].marker == "python_version<'3.8'"
    assert args.others == ["-r", "req.txt", "--timeout", "5", "./local", "pkg.whl",
                           "git+https://x/y.git", "-e", "."]
    assert not args.gives_index
    for given in (["-i", "u", "x"], ["--index-url=u", "x"], ["--extra-index-url", "u", "x"],
                  ["--no-index", "x"], ["-iu", "x"]):
        assert pip_guard.analyse_pip_args(given).gives_index, given


def test_requirement_files_are_found_and_parsed():
    args = pip_guard.analyse_pip_args(["-r", "a.txt", "--requirement=b.txt", "x"])
    assert args.requirement_files == ["a.txt", "b.txt"]
    reqs, nested = pip_guard.parse_requirements_text(
        "# pinned\nnumpy>=1.26  # fast\n-r more.txt\n--index-url https://x\n"
        "-e ./src\nrequests==2.32.3 \\\n    --hash=sha256:abc\n./local.whl\n"
        "torch ; platform_machine == 'x86_64'\n")
    assert [(r.name, r.spec) for r in reqs] == [("numpy", ">=1.26"), ("requests", "==2.32.3"),
                                                ("torch", "")]
    assert nested == ["more.txt"]


@pytest.mark.parametrize(("req", "spec"), [
    ("numpy", "numpy"),
    ("NumPy>=1.26", "numpy>=1.26"),
    ("torch==2.3.0", "pytorch==2.3.0"),
    ("scipy~=1.11", "scipy>=1.11,==1.*"),
    ("pandas~=2.2.1", "pandas>=2.2.1,==2.2.*"),
    ("requests!=2.30,>=2", "requests!=2.30,>=2"),
    ("x; sys_platform=='linux'", None),
    ("y===1.0", None),
])
def test_conda_spec(req, spec):
    assert pip_guard.conda_spec(pip_guard.parse_requirement(req)) == spec


def test_conda_first_candidates_skip_installed_and_unavailable():
    reqs = [pip_guard.parse_requirement(r) for r in ("numpy>=1", "torch", "tqdm", "onlypypi")]
    found = pip_guard.conda_first_candidates(reqs, installed={"tqdm"},
                                             available={"numpy", "pytorch", "tqdm"})
    assert [(c.requirement.name, c.spec) for c in found] == [("numpy", "numpy>=1"),
                                                             ("torch", "pytorch")]


def test_pip_report_and_conflicts():
    report = json.dumps({"version": "1", "install": [
        {"metadata": {"name": "Requests", "version": "2.32.3"}, "requested": True},
        {"metadata": {"name": "idna", "version": "3.7"}, "requested": False},
        {"metadata": {"name": "urllib3", "version": "2.2.2"}, "requested": False},
    ]})
    planned = pip_guard.parse_pip_report(report)
    assert planned[0] == pip_guard.Planned("Requests", "2.32.3", True)
    owned = {"idna": env_packages.CondaRecord("idna", "3.4", "py311_0", "pkgs/main")}
    found = pip_guard.conflicts(planned, owned)
    assert [c.planned.name for c in found] == ["idna"]
    error = pip_guard.refusal_message(found, "/envs/work")
    text = str(error)
    assert "idna 3.4 from pkgs/main" in text and "conda update -p /envs/work idna" in text
    assert "--force" in text
    with pytest.raises(TunaError):
        pip_guard.parse_pip_report("not json")


def test_policy_and_warning_text():
    assert pip_guard.policy("STRICT") == "strict" and pip_guard.policy(None) == "warn"
    assert pip_guard.policy("bogus") == "warn" and pip_guard.policy("off") == "off"
    dists = [env_packages.PythonDist(f"p{i}", "1.0", "pip", None, 0) for i in range(14)]
    warn = pip_guard.pip_packages_warning("/e", "env_update", dists, strict=False)
    assert "warning" in warn and "`conda env update`" in warn and "p11 1.0 ..." in warn
    assert "14 packages" in warn and "p13" not in warn
    strict = pip_guard.pip_packages_warning("/e", "install", dists[:1], strict=True)
    assert "refusing" in strict and "CONDA_PLUGINS_TUNA_PIP_POLICY=warn conda install" in strict
