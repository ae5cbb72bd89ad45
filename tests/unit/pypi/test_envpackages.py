"""The environment scan the conda-then-pip rule rests on: conda records and pip's dist-info."""

from __future__ import annotations

import json

from conda_tuna.pypi import envpackages as env_packages


# --------------------------------------------------------------------------- env scan
def make_env(tmp_path):
    prefix = tmp_path / "env"
    site = prefix / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    meta = prefix / "conda-meta"
    meta.mkdir()

    def dist(name, version, installer):
        d = site / f"{name}-{version}.dist-info"
        d.mkdir()
        (d / "RECORD").write_text("")
        if installer is not None:
            (d / "INSTALLER").write_text(installer + "\n")

    def record(name, version, files, channel="https://mirror/anaconda/pkgs/main/linux-64"):
        (meta / f"{name}-{version}-0.json").write_text(json.dumps(
            {"name": name, "version": version, "build": "0", "channel": channel,
             "files": files}))

    dist("numpy", "2.0.0", "conda")
    record("numpy", "2.0.0", ["lib/python3.12/site-packages/numpy-2.0.0.dist-info/RECORD"])
    dist("PyYAML", "6.0.1", "pip")  # conda-built with INSTALLER=pip, owned by a record
    record("pyyaml", "6.0.1", ["lib/python3.12/site-packages/PyYAML-6.0.1.dist-info/RECORD"])
    dist("rich", "13.7.1", "pip")
    dist("legacy_thing", "0.1", None)
    record("python", "3.12.4", ["bin/python3.12"])
    (meta / "history").write_text("")
    (meta / "broken.json").write_text("{")
    return prefix


def test_env_scan_tells_conda_from_pip(tmp_path):
    prefix = make_env(tmp_path)
    records = env_packages.conda_records(prefix)
    assert sorted(r.name for r in records) == ["numpy", "python", "pyyaml"]
    pip = env_packages.pip_installed(prefix)
    assert sorted(d.label for d in pip) == ["legacy_thing 0.1", "rich 13.7.1"]
    assert env_packages.pip_installed(prefix, records) == pip  # parsed records agree
    assert all(d.installed_at() > 0 for d in pip)
    owned = env_packages.owners(records)
    assert owned["pyyaml"].name == "pyyaml" and owned["python"].name == "python"
    assert env_packages.normalize("Foo_Bar.baz") == "foo-bar-baz"


def test_env_scan_of_empty_or_missing_prefix(tmp_path):
    assert env_packages.pip_installed(tmp_path / "nothing") == []
    assert env_packages.conda_records(tmp_path / "nothing") == []
