"""Atomic writes: the old file or the new one, never half a file."""

from __future__ import annotations

import os

import pytest

from conda_tuna.base import files


def test_atomic_write_leaves_no_temp_files_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.yml"
    target.write_text("old\n")

    def boom(*_a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        files.atomic_write(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.yml"]
