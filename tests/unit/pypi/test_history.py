"""conda-meta/history parsing and conda-tuna's pip records, on realistic history files."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from conda_tuna.pypi import history

DATA = Path(__file__).parent / "data"


def realistic() -> history.History:
    return history.parse((DATA / "history_realistic.txt").read_text())


def test_blocks_commands_specs_and_revisions():
    h = realistic()
    assert [b.revision for b in h.blocks] == [0, 1, 2, 3, 4]
    first, install, update, remove, revert = h.blocks
    assert first.timestamp == "2024-03-01 10:12:01"
    assert first.cmd.endswith("conda create -n work python=3.11")
    assert first.conda_version == "24.1.2"
    assert first.specs == {"update": ["python=3.11"]}
    assert [d.name for d in first.added] == ["_libgcc_mutex", "ca-certificates", "pip",
                                             "python", "tzdata"]
    assert install.specs["update"] == ["numpy", "requests[version='>=2.31']"]
    req = install.added[-1]
    assert (req.name, req.version, req.build) == ("requests", "2.31.0", "py311h06a4308_1")
    assert req.channel == "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main/noarch"
    assert [(d.name, d.version) for d in update.removed] == [("numpy", "1.26.4")]
    assert [(d.name, d.version) for d in update.added] == [("numpy", "2.0.0")]
    assert remove.specs == {"remove": ["requests"]} and not remove.added
    assert revert.specs == {"update": []} and revert.changed_names == {"numpy", "requests"}


def test_pip_lines_are_events_not_conda_changes():
    h = realistic()
    assert len(h.pip_events) == 2
    first, upgrade = h.pip_events
    assert first.cmd == "conda tuna pip install -n work tqdm rich==13.7.0"
    assert first.added == [("rich", "13.7.0"), ("tqdm", "4.66.2")]
    assert first.when == dt.datetime(2024, 3, 2, 9, 30, 12)
    assert upgrade.removed == [("rich", "13.7.0")] and upgrade.added == [("rich", "13.7.1")]
    # the pip lines did not leak into the conda block they follow
    assert all("conda-tuna-pip" not in c for b in h.blocks for c in b.comments)
    assert "rich" not in {n for b in h.blocks for n in b.changed_names}


def test_installed_state_replays_like_conda():
    state = realistic().installed_state()
    assert state["numpy"].version == "1.26.4"  # reverted to revision 1
    assert "requests" in state and state["python"].version == "3.11.8"


def test_conda_blocks_after_a_moment():
    h = realistic()
    after = h.conda_blocks_after(dt.datetime(2024, 3, 2, 9, 30, 12))
    assert [b.revision for b in after] == [2, 3, 4]


def test_old_format_state_blocks_and_truncated_last_line():
    h = history.parse((DATA / "history_old_format.txt").read_text())
    assert len(h.blocks) == 4
    assert [d.name for d in h.blocks[0].state] == ["numpy", "openssl", "python"]
    assert h.blocks[1].specs["install"] == ["scipy", "numpy >=1.10", "<2.0"]
    assert h.blocks[2].specs["neutered"] == ["python 3.5.*"]
    assert h.blocks[3].specs["install"] == []  # a cut-off line is tolerated
    assert set(h.installed_state()) == {"numpy", "python", "scipy"}


def test_empty_and_garbage():
    assert history.parse("").blocks == []
    h = history.parse("garbage\n==> not a date <==\nnot-a-dist\n+x\n")
    assert len(h.blocks) == 1 and h.blocks[0].when is None and not h.blocks[0].added


def test_append_pip_record_roundtrip(tmp_path):
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    hist = prefix / "conda-meta" / "history"
    shutil.copy(DATA / "history_realistic.txt", hist)
    before = hist.read_text()
    when = dt.datetime(2024, 4, 1, 8, 0, 0)
    history.append_pip_record(prefix, "conda tuna pip install\n  httpx", [("httpx", "0.27.0")],
                              [("h11", "0.13.0")], when)
    text = hist.read_text()
    assert text.startswith(before)  # appended, never rewritten
    parsed = history.read(prefix)
    assert len(parsed.blocks) == 5
    event = parsed.pip_events[-1]
    assert event.cmd == "conda tuna pip install httpx"
    assert event.added == [("httpx", "0.27.0")] and event.removed == [("h11", "0.13.0")]
    assert event.when == when


def test_append_repairs_missing_newline_and_creates_file(tmp_path):
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    hist = prefix / "conda-meta" / "history"
    hist.write_text("==> 2024-01-01 00:00:00 <==\n+defaults/linux-64::zlib-1.3-h0_0")
    history.append_pip_record(prefix, "conda tuna pip install x", [("x", "1")], [])
    lines = hist.read_text().splitlines()
    assert lines[1] == "+defaults/linux-64::zlib-1.3-h0_0"
    assert lines[2].startswith("# conda-tuna-pip ")
    other = tmp_path / "fresh"
    history.append_pip_record(other, "c", [("y", "2")], [])
    assert history.read(other).pip_events[0].added == [("y", "2")]


def test_conda_reads_our_lines_as_harmless_comments(tmp_path):
    """conda's own parser: same revisions and same state with and without our lines."""
    conda_history = pytest.importorskip("conda.history")
    plain = tmp_path / "plain"
    ours = tmp_path / "ours"
    text = (DATA / "history_realistic.txt").read_text()
    stripped = "".join(line for line in text.splitlines(keepends=True)
                       if "conda-tuna-pip" not in line)
    for prefix, content in ((plain, stripped), (ours, text)):
        (prefix / "conda-meta").mkdir(parents=True)
        (prefix / "conda-meta" / "history").write_text(content)
    history.append_pip_record(ours, "conda tuna pip install z", [("z", "1")], [])
    a, b = conda_history.History(str(plain)), conda_history.History(str(ours))
    assert a.construct_states() == b.construct_states()
    assert [r.get("cmd") for r in a.get_user_requests()] == [
        r.get("cmd") for r in b.get_user_requests()]
