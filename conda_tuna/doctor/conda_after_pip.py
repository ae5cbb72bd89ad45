"""`conda doctor` check "tuna-conda-after-pip": did conda change packages after pip did?

Thin adapter around ``pypi/order.py`` (history + dist-info evidence) printing conda doctor's
marks.
"""

from __future__ import annotations

from pathlib import Path


def doctor_check(prefix: str, verbose: bool) -> None:
    from ..i18n import _, ngettext
    from ..pypi import history
    from ..pypi.envpackages import pip_installed
    from ..pypi.order import conda_after_pip, describe
    from .marks import OK_MARK, X_MARK

    dists = pip_installed(Path(prefix))
    if not dists:
        print(_("{mark} No pip-installed packages in {prefix}.").format(mark=OK_MARK,
                                                                        prefix=prefix))
        return
    findings = conda_after_pip(history.read(Path(prefix)), dists)
    if not findings:
        print(ngettext("{mark} conda has not changed {prefix} since pip installed {count} "
                       "package (conda first, then pip).",
                       "{mark} conda has not changed {prefix} since pip installed {count} "
                       "packages (conda first, then pip).", len(dists)).format(
            mark=OK_MARK, prefix=prefix, count=len(dists)))
        if verbose:
            print(_("    pip packages: {names}").format(
                names=", ".join(d.label for d in dists)))
        return
    print(_("{mark} conda changed packages in {prefix} after pip installed into it; "
            "conda did not know about pip's packages when it solved:").format(
        mark=X_MARK, prefix=prefix))
    for line in describe(findings):
        print(f"    {line}")
    print(_("    Check them (`pip check` inside the environment); to be safe, recreate the "
            "environment with conda packages first and pip packages last."))
