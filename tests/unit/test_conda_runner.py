"""The sandbox's solver choice: CONDA_TUNA_TEST_SOLVER, and what the `solver` fixture covers."""

from __future__ import annotations

from tests.support import conda_runner
from tests.support.conda_runner import CondaSandbox


def test_default_solver_is_classic(monkeypatch, tmp_path):
    monkeypatch.delenv(conda_runner.SOLVER_ENV, raising=False)
    assert conda_runner.default_solver() == "classic"
    assert CondaSandbox(tmp_path).env()["CONDA_SOLVER"] == "classic"


def test_env_var_chooses_the_solver_of_every_run(monkeypatch, tmp_path):
    monkeypatch.setenv(conda_runner.SOLVER_ENV, " Rattler ")
    assert CondaSandbox(tmp_path).env()["CONDA_SOLVER"] == "rattler"
    assert conda_runner.solvers_under_test() == ["rattler"]  # one leg, one solver
    assert CondaSandbox(tmp_path, solver="libmamba").env()["CONDA_SOLVER"] == "libmamba"


def test_fixture_covers_every_installed_solver_when_unset(monkeypatch):
    monkeypatch.delenv(conda_runner.SOLVER_ENV, raising=False)
    solvers = conda_runner.solvers_under_test()
    assert solvers[0] == "classic"
    assert set(solvers) <= set(conda_runner.SOLVERS)


def test_missing_solvers_are_named(monkeypatch):
    assert conda_runner.solver_missing_reason("classic") is None
    assert "unknown solver" in conda_runner.solver_missing_reason("mamba2")
    monkeypatch.setattr(conda_runner.importlib.util, "find_spec", lambda name: None)
    assert "conda-rattler-solver is not installed" in conda_runner.solver_missing_reason(
        "rattler")
    assert "libmambapy" in conda_runner.solver_missing_reason("libmamba")


def test_version_gates(monkeypatch):
    versions = {"conda": "25.9.1", "conda-libmamba-solver": "26.6.0",
                "conda-rattler-solver": "0.2.0"}
    monkeypatch.setattr(conda_runner.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(conda_runner, "_distribution_version", versions.get)
    assert "needs conda >= 26.5" in conda_runner.solver_missing_reason("libmamba")
    assert "needs conda >= 26.7" in conda_runner.solver_missing_reason("rattler")
    versions["conda"] = "26.7.2.dev56+g0f64223fb"
    assert conda_runner.solver_missing_reason("libmamba") is None
    assert conda_runner.solver_missing_reason("rattler") is None


def test_only_a_native_crash_is_retried():
    finalizing = ("Fatal Python error: PyGILState_Release: thread state 0x1 must be current "
                  "when releasing\nPython runtime state: finalizing (tstate=0x2)\n")
    assert conda_runner.died_of_signal(-6, finalizing)
    assert conda_runner.died_of_signal(-11, "Fatal Python error: Segmentation fault\n")
    assert not conda_runner.died_of_signal(1, finalizing)
    assert not conda_runner.died_of_signal(-11, "")  # no report: not Python's crash
    assert not conda_runner.died_of_signal(-9, "Fatal Python error: x\n")  # killed from outside


class _Log:
    """A server stand-in with the mark/rewind protocol of tests.support.mirror.MirrorServer."""

    def __init__(self) -> None:
        self.requests: list[str] = ["before"]

    def mark(self) -> int:
        return len(self.requests)

    def rewind(self, mark: int) -> None:
        del self.requests[mark:]


def _crash_once(sandbox, log: _Log, codes: list[int]):
    """A `_spawn` that changes the sandbox and the log like conda would, then exits with the
    next of `codes` (a crash report on stderr for negative ones)."""
    runs = []

    def spawn(cmd, args, timeout, stdin):
        runs.append(sorted(p.name for p in sandbox.base.rglob("*")))
        (sandbox.base / "pkgs" / f"cache-{len(runs)}").write_text("written by a run")
        log.requests.append(f"run {len(runs)}")
        code = codes[len(runs) - 1]
        err = "Fatal Python error: Segmentation fault\n" if code < 0 else ""
        return conda_runner.CondaResult(list(args), code, "out", err)

    return spawn, runs


def test_a_crashed_rattler_run_is_repeated_from_the_same_start(tmp_path, monkeypatch, capsys):
    """The repeated run sees the files and the server log as they were before the first."""
    sandbox = conda_runner.CondaSandbox(tmp_path, solver="rattler")
    log = _Log()
    sandbox.servers.append(log)
    spawn, runs = _crash_once(sandbox, log, [-11, 0])
    monkeypatch.setattr(sandbox, "_spawn", spawn)
    result = sandbox.run("create", "-n", "x", "--dry-run")
    assert result.returncode == 0
    assert runs[0] == runs[1]  # the first run's file was taken away again
    assert sorted(p.name for p in (tmp_path / "pkgs").iterdir()) == ["cache-2"]
    assert log.requests == ["before", "run 2"]
    assert "running it again" in capsys.readouterr().out


def test_a_crash_is_repeated_at_most_twice_and_only_under_rattler(tmp_path, monkeypatch):
    sandbox = conda_runner.CondaSandbox(tmp_path, solver="rattler")
    log = _Log()
    sandbox.servers.append(log)
    spawn, runs = _crash_once(sandbox, log, [-6, -11, 0])
    monkeypatch.setattr(sandbox, "_spawn", spawn)
    assert sandbox.run("info").returncode == 0
    assert len(runs) == 3 and log.requests == ["before", "run 3"]
    again = conda_runner.CondaSandbox(tmp_path / "r", solver="rattler")
    spawn, runs = _crash_once(again, log, [-11, -11, -11, 0])
    monkeypatch.setattr(again, "_spawn", spawn)
    assert again.run("info").returncode == -11  # a command that keeps crashing fails
    assert len(runs) == 1 + conda_runner.RATTLER_REPEATS
    classic = conda_runner.CondaSandbox(tmp_path / "c", solver="classic")
    spawn, runs = _crash_once(classic, log, [-11, 0])
    monkeypatch.setattr(classic, "_spawn", spawn)
    assert classic.run("info").returncode == -11
    assert len(runs) == 1


def test_without_hooks_hides_hook_specifications_like_an_older_conda():
    """The prelude removes hook specifications before conda builds its plugin manager (a
    name this conda never had is ignored, so the same prelude runs on every version)."""
    class Specs:
        conda_error_hints = object()
        conda_exception_observers = object()

    namespace = {}
    code = conda_runner.without_hooks("conda_error_hints", "conda_from_the_future")
    exec(code.replace("import conda.plugins.hookspec as _spec", ""),
         {"_spec": type("M", (), {"CondaSpecs": Specs})}, namespace)
    assert not hasattr(Specs, "conda_error_hints")
    assert hasattr(Specs, "conda_exception_observers")


def test_a_prelude_runs_conda_as_python_m_conda_does(tmp_path):
    box = CondaSandbox(tmp_path, prelude="PRELUDE = 1\n")
    assert box.prelude + conda_runner._RUN_CONDA == \
        "PRELUDE = 1\n\nimport sys\nfrom conda.cli import main\nsys.exit(main())\n"


def test_sandbox_locale_is_neutral_whatever_the_callers(monkeypatch, tmp_path):
    """conda-tuna speaks English in every sandboxed run unless the test chooses a locale."""
    for name, value in {"LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN:en", "LC_ALL": "zh_CN.UTF-8",
                        "LC_MESSAGES": "zh_CN.UTF-8",
                        "CONDA_PLUGINS_TUNA_LANGUAGE": "zh_CN"}.items():
        monkeypatch.setenv(name, value)
    env = CondaSandbox(tmp_path).env()
    assert env["LANG"] == "C.UTF-8"
    assert not {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "CONDA_PLUGINS_TUNA_LANGUAGE"} & set(env)
    chinese = CondaSandbox(tmp_path, extra_env={"LANG": "zh_CN.UTF-8"}).env()
    assert chinese["LANG"] == "zh_CN.UTF-8"


def test_the_test_process_starts_in_a_neutral_locale():
    import os

    from conda_tuna import i18n

    assert os.environ.get("LANG") == "C.UTF-8"
    assert not {"LANGUAGE", "LC_ALL", "LC_MESSAGES"} & set(os.environ)
    assert i18n.current_language() == i18n.ENGLISH
