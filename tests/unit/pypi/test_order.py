"""The conda-after-pip check: history and dist-info times."""

from __future__ import annotations

import datetime as dt
import time

from conda_tuna.pypi import history
from conda_tuna.pypi import order as pip_order
from conda_tuna.pypi.envpackages import PythonDist


# --------------------------------------------------------------------------- order
def dist(name, version, when: dt.datetime) -> PythonDist:
    return PythonDist(name, version, "pip", None, time.mktime(when.timetuple()))


def test_conda_after_pip_from_history_and_mtimes():
    text = (
        "==> 2024-03-01 10:00:00 <==\n+defaults/linux-64::python-3.11.8-h0_0\n"
        "# conda-tuna-pip 2024-03-01 11:00:00 cmd: conda tuna pip install rich\n"
        "# conda-tuna-pip 2024-03-01 11:00:00 +pypi::rich==13.7.1\n"
        "==> 2024-03-02 09:00:00 <==\n# cmd: conda install numpy\n"
        "+defaults/linux-64::numpy-1.26.4-py311_0\n"
        "==> 2024-03-04 09:00:00 <==\n# cmd: conda install scipy\n"
        "+defaults/linux-64::scipy-1.13.0-py311_0\n"
    )
    h = history.parse(text)
    # rich recorded by conda-tuna; tqdm installed by bare pip on 03-03 (dist-info mtime)
    dists = [dist("rich", "13.7.1", dt.datetime(2030, 1, 1)),
             dist("tqdm", "4.66.0", dt.datetime(2024, 3, 3, 12, 0, 0))]
    findings = pip_order.conda_after_pip(h, dists)
    assert [(f.revision, f.conda_changed, f.pip_packages) for f in findings] == [
        (1, ["numpy"], ["rich 13.7.1"]),
        (2, ["scipy"], ["rich 13.7.1", "tqdm 4.66.0"]),
    ]
    lines = pip_order.describe(findings)
    assert "conda changed numpy after pip installed rich 13.7.1" in lines[0]
    assert findings[0].to_json()["cmd"] == "conda install numpy"


def test_conda_then_pip_is_clean():
    h = history.parse("==> 2024-03-01 10:00:00 <==\n+defaults/linux-64::python-3.11.8-h0_0\n")
    assert pip_order.conda_after_pip(h, [dist("rich", "1", dt.datetime(2024, 3, 2))]) == []
    assert pip_order.conda_after_pip(h, []) == []
