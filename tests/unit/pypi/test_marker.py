"""The PEP 668 marker: added, removed, and never someone else's."""

from __future__ import annotations

import configparser

from conda_tuna.pypi import marker as pip_marker


# --------------------------------------------------------------------------- marker
def stdlib(tmp_path):
    lib = tmp_path / "env" / "lib" / "python3.12"
    lib.mkdir(parents=True)
    (lib / "os.py").write_text("")
    return tmp_path / "env", lib


def test_marker_added_removed_and_foreign_kept(tmp_path):
    prefix, lib = stdlib(tmp_path)
    assert pip_marker.ensure(prefix) == [lib / "EXTERNALLY-MANAGED"]
    parser = configparser.ConfigParser()
    parser.read(lib / "EXTERNALLY-MANAGED")
    assert "conda tuna pip install" in parser.get("externally-managed", "Error")
    assert pip_marker.ours_present(prefix)
    assert pip_marker.ensure(prefix) == []
    assert pip_marker.remove(prefix) == [lib / "EXTERNALLY-MANAGED"]
    (lib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\nError=admins\n")
    assert pip_marker.ensure(prefix) == [] and pip_marker.remove(prefix) == []
    assert (lib / "EXTERNALLY-MANAGED").read_text() == "[externally-managed]\nError=admins\n"
    assert not pip_marker.ours_present(prefix)


def test_marker_never_written_through_a_symlinked_stdlib(tmp_path):
    _, real = stdlib(tmp_path)
    linked = tmp_path / "other" / "lib"
    linked.mkdir(parents=True)
    (linked / "python3.12").symlink_to(real)
    assert pip_marker.ensure(tmp_path / "other") == []
    assert not (real / "EXTERNALLY-MANAGED").exists()
    assert pip_marker.stdlib_dirs(tmp_path / "missing") == []
