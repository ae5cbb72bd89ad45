"""Did conda change an environment after pip installed into it? (the `conda doctor` check)

Evidence for when pip installed a distribution: conda-tuna's own lines in the history (for
`conda tuna pip install`) and, for a bare `pip install`, the install time of its dist-info
(RECORD's mtime). conda's blocks carry their own (local) time stamps. A conda block that
linked or unlinked packages after a pip package still present was installed breaks the
"conda first, then pip" order: conda solved without knowing that package.

Pure Python, no conda import.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ..i18n import _
from .envpackages import PythonDist, normalize
from .history import History

# architecture: pure


@dataclass
class Finding:
    """One conda transaction that ran after pip packages were installed."""

    revision: int
    timestamp: str
    cmd: str | None
    conda_changed: list[str]
    pip_packages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"revision": self.revision, "time": self.timestamp, "cmd": self.cmd,
                "conda_changed": self.conda_changed, "pip_packages": self.pip_packages}


def pip_install_times(history: History, dists: list[PythonDist]) -> dict[str, _dt.datetime]:
    """Normalized name -> when the pip package now present was installed."""
    recorded: dict[tuple[str, str], _dt.datetime] = {}
    for event in history.pip_events:
        when = event.when
        if when is None:
            continue
        for name, version in event.added:
            recorded[(normalize(name), version)] = when
    times = {}
    for dist in dists:
        when = recorded.get((dist.key, dist.version))
        stamp = dist.installed_at() if when is None else 0.0
        if stamp:
            when = _dt.datetime.fromtimestamp(stamp).replace(microsecond=0)
        if when is not None:
            times[dist.key] = when
    return times


def conda_after_pip(history: History, pip_dists: list[PythonDist]) -> list[Finding]:
    """conda blocks that changed packages after pip packages (still present) went in."""
    times = pip_install_times(history, pip_dists)
    if not times:
        return []
    labels = {d.key: d.label for d in pip_dists}
    findings = []
    for block in history.conda_blocks_after(min(times.values())):
        earlier = sorted(labels[k] for k, t in times.items() if t < block.when)
        if earlier:
            findings.append(Finding(block.revision, block.timestamp, block.cmd,
                                    sorted(block.changed_names), earlier))
    return findings


def describe(findings: list[Finding]) -> list[str]:
    """Human lines for `conda doctor`."""
    lines = []
    for f in findings:
        what = ", ".join(f.conda_changed[:10]) + (" ..." if len(f.conda_changed) > 10 else "")
        line = _("revision {revision} ({time}): conda changed {changed} after pip installed "
                 "{pip}").format(revision=f.revision, time=f.timestamp, changed=what,
                                 pip=", ".join(f.pip_packages))
        lines.append(f"{line}  [{f.cmd}]" if f.cmd else line)
    return lines
