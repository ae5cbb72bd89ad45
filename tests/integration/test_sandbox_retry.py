"""The harness's answer to py-rattler's crash at exit (tests/support/conda_runner.py), with
real conda: a run that dies of SIGSEGV after conda has finished is repeated from the same
start, so a test counting requests or relying on a one-shot fault sees exactly one run.

Runs where the rattler solver is installed and the leg's solver is rattler (or none is named):
the repetition exists only for rattler's runs.
"""

from __future__ import annotations

import pytest

from tests.support.conda_runner import CondaSandbox, solver_missing_reason, solvers_under_test
from tests.support.mirror import Fault

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif("rattler" not in solvers_under_test()
                       or solver_missing_reason("rattler") is not None,
                       reason="the repeated run exists for the rattler solver only"),
]

#: Makes conda die of SIGSEGV at exit -- after it has done its work, as py-rattler does --
#: the first time only (a marker file outside the sandbox remembers).
_CRASH_AT_EXIT_ONCE = """
import atexit, faulthandler, os, signal
_marker = {marker!r}
if not os.path.exists(_marker):
    open(_marker, "w").close()
    faulthandler.enable()
    atexit.register(lambda: os.kill(os.getpid(), signal.SIGSEGV))
"""


def test_a_crash_at_exit_is_repeated_from_the_same_start(tmp_path, world, capsys):
    base = tmp_path / "sandbox"
    sandbox = CondaSandbox(base, solver="rattler")
    world.setup(sandbox)
    world.clear()
    world.tuna.suffix_faults["repodata.json"] = Fault(status=503, times=1)
    marker = tmp_path / "crashed-once"
    sandbox.prelude = _CRASH_AT_EXIT_ONCE.format(marker=str(marker))
    result = sandbox.run("create", "-p", str(base / "env"), "--dry-run", "-y",
                         "tunatest-base").check()
    assert marker.exists() and "running it again" in capsys.readouterr().out
    # the one run the test sees: tuna's 503 was used up by it, so it went on through bfsu
    assert "using bfsu instead" in result.stderr
    log = [(r.method, r.path, r.status) for r in world.tuna.requests]
    assert [r for r in log if r[1] == "/static/tunasync.json"] == \
        [("GET", "/static/tunasync.json", 200)], log  # one liveness check: one run
    assert [r[2] for r in log if r[2] == 503] == [503], log
    assert not (base / "env").exists()
