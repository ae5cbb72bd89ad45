"""`conda doctor` check "tuna-conda-after-pip": did conda change packages after pip did?

Thin adapter around ``pypi/order.py`` (history + dist-info evidence) printing conda doctor's
marks.
"""

from __future__ import annotations

from pathlib import Path


def doctor_check(prefix: str, verbose: bool) -> None:
    from ..pypi import history
    from ..pypi.envpackages import pip_installed
    from ..pypi.order import conda_after_pip, describe
    from .marks import OK_MARK, X_MARK

    dists = pip_installed(Path(prefix))
    if not dists:
        print(f"{OK_MARK} No pip-installed packages in {prefix}.")
        return
    findings = conda_after_pip(history.read(Path(prefix)), dists)
    if not findings:
        print(f"{OK_MARK} conda has not changed {prefix} since pip installed "
              f"{len(dists)} package(s) (conda first, then pip).")
        if verbose:
            print("    pip packages: " + ", ".join(d.label for d in dists))
        return
    print(f"{X_MARK} conda changed packages in {prefix} after pip installed into it; "
          "conda did not know about pip's packages when it solved:")
    for line in describe(findings):
        print(f"    {line}")
    print("    Check them (`pip check` inside the environment); to be safe, recreate the "
          "environment with conda packages first and pip packages last.")
