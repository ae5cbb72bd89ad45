"""Read an environment's ``conda-meta/history`` and add conda-tuna's pip records to it.

conda writes one block per transaction::

    ==> 2026-11-24 10:00:00 <==
    # cmd: /opt/conda/bin/conda install -n work numpy
    # conda version: 26.7.1
    +https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main/linux-64::numpy-2.1.0-py311h0_0
    -pkgs/main/linux-64::numpy-1.26.4-py311h0_0
    # update specs: ['numpy']

pip writes nothing there, so ``conda tuna pip install`` appends its own lines, which conda
reads as plain comments of the last block (they match none of conda's comment patterns)::

    # conda-tuna-pip 2026-11-24 10:05:00 cmd: conda tuna pip install requests
    # conda-tuna-pip 2026-11-24 10:05:00 +pypi::requests==2.32.3
    # conda-tuna-pip 2026-11-24 10:05:00 -pypi::idna==3.6

They are NOT written as a block of their own: conda's ``History.construct_states`` treats a
block without ``+``/``-`` lines as a full state snapshot, so an empty block would tell conda
the environment is empty (breaking ``conda install --revision`` and the next diff). Each line
carries its own timestamp instead, so the order of conda and pip events stays visible.

Pure Python, no conda import.
"""

from __future__ import annotations

import ast
import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

# architecture: pure

PIP_TAG = "# conda-tuna-pip"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_HEADER = re.compile(r"^==>\s*(.+?)\s*<==$")
_PIP_LINE = re.compile(
    r"^#\s*conda-tuna-pip\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(?:cmd:\s*(?P<cmd>.*)|"
    r"(?P<sign>[+-])(?:pypi::)?(?P<name>[^=\s]+)==(?P<version>\S+))\s*$"
)
_CMD = re.compile(r"^#\s*cmd:\s*(.*)$")
_CONDA_VERSION = re.compile(r"^#\s*conda version:\s*(.*)$")
_SPECS = re.compile(r"^#\s*(\w+)\s*specs:\s*(.*)$")


@dataclass(frozen=True)
class Dist:
    """One package line of a block: ``channel/subdir::name-version-build``."""

    name: str
    version: str
    build: str
    channel: str = ""

    @classmethod
    def parse(cls, text: str) -> Dist | None:
        channel, sep, rest = text.rpartition("::")
        if not sep:
            channel, rest = "", text
        parts = rest.rsplit("-", 2)
        if len(parts) != 3 or not all(parts):
            return None
        return cls(parts[0], parts[1], parts[2], channel)

    def __str__(self) -> str:
        core = f"{self.name}-{self.version}-{self.build}"
        return f"{self.channel}::{core}" if self.channel else core


@dataclass
class Block:
    """One conda transaction (one revision: its index in the file, counted from 0)."""

    revision: int
    timestamp: str
    cmd: str | None = None
    conda_version: str | None = None
    added: list[Dist] = field(default_factory=list)
    removed: list[Dist] = field(default_factory=list)
    #: package lines without +/- (old conda and `conda create --clone` write full states)
    state: list[Dist] = field(default_factory=list)
    specs: dict[str, list[str]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    @property
    def when(self) -> _dt.datetime | None:
        return parse_time(self.timestamp)

    @property
    def changed_names(self) -> set[str]:
        """Names of packages this block linked or unlinked."""
        return {d.name for d in (*self.added, *self.removed, *self.state)}

    @property
    def is_diff(self) -> bool:
        return bool(self.added or self.removed)


@dataclass
class PipEvent:
    """One `conda tuna pip install` run as recorded by conda-tuna."""

    timestamp: str
    cmd: str | None = None
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def when(self) -> _dt.datetime | None:
        return parse_time(self.timestamp)


@dataclass
class History:
    blocks: list[Block] = field(default_factory=list)
    pip_events: list[PipEvent] = field(default_factory=list)

    def conda_blocks_after(self, moment: _dt.datetime) -> list[Block]:
        """Blocks that changed packages strictly after `moment` (local time, like conda)."""
        return [b for b in self.blocks if b.is_diff and b.when is not None and b.when > moment]

    def installed_state(self) -> dict[str, Dist]:
        """name -> Dist as the history says the environment is now (conda's own replay)."""
        state: dict[str, Dist] = {}
        for block in self.blocks:
            if block.state and not block.is_diff:
                state = {d.name: d for d in block.state}
                continue
            for dist in block.removed:
                if state.get(dist.name) == dist:
                    del state[dist.name]
            for dist in block.added:
                state[dist.name] = dist
        return state


def parse_time(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.strptime(text.strip(), TIME_FORMAT)
    except ValueError:
        return None


def _specs(text: str) -> list[str]:
    """A specs list as conda writes it: a Python list literal, or old comma-separated text."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return []
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else []
    return [s.strip() for s in text.split(",") if s.strip()]


def _pip_line(line: str, events: list[PipEvent]) -> bool:
    """Fold one conda-tuna pip line into `events`; False when the line is not ours."""
    m = _PIP_LINE.match(line)
    if not m:
        return False
    stamp = m.group(1)
    if m.group("cmd") is not None or not events or events[-1].timestamp != stamp:
        events.append(PipEvent(stamp, m.group("cmd")))
    if m.group("sign"):
        target = events[-1].added if m.group("sign") == "+" else events[-1].removed
        target.append((m.group("name"), m.group("version")))
    return True


def _comment(block: Block, line: str) -> None:
    if m := _CMD.match(line):
        block.cmd = m.group(1)
    elif m := _CONDA_VERSION.match(line):
        block.conda_version = m.group(1)
    elif m := _SPECS.match(line):
        block.specs.setdefault(m.group(1), []).extend(_specs(m.group(2)))
    else:
        block.comments.append(line)


def parse(text: str) -> History:
    """Parse history text. Tolerant, like conda: unknown lines are kept or skipped, never fatal.

    Lines before the first header are ignored by conda; conda-tuna's own pip lines are
    recognised wherever they are, because they carry their own timestamp.
    """
    history = History()
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _pip_line(line, history.pip_events):
            continue
        if m := _HEADER.match(line):
            history.blocks.append(Block(len(history.blocks), m.group(1)))
            continue
        if not history.blocks:
            continue
        block = history.blocks[-1]
        if line.startswith("#"):
            _comment(block, line)
            continue
        sign = line[0] if line[0] in "+-" else ""
        dist = Dist.parse(line[1:] if sign else line)
        if dist is None:
            continue
        {"+": block.added, "-": block.removed, "": block.state}[sign].append(dist)
    return history


def history_path(prefix: Path) -> Path:
    return Path(prefix) / "conda-meta" / "history"


def read(prefix: Path) -> History:
    """The parsed history of the environment at `prefix` (empty when there is none)."""
    try:
        text = history_path(prefix).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return History()
    return parse(text)


def format_pip_record(cmd: str, added: list[tuple[str, str]],
                      removed: list[tuple[str, str]], when: _dt.datetime | None = None) -> str:
    """The lines recording one pip run (local time, as conda stamps its own blocks)."""
    stamp = (when or _dt.datetime.now()).strftime(TIME_FORMAT)
    cmd = " ".join(cmd.split())  # one line, whatever the user typed
    lines = [f"{PIP_TAG} {stamp} cmd: {cmd}"]
    lines += [f"{PIP_TAG} {stamp} -pypi::{n}=={v}" for n, v in removed]
    lines += [f"{PIP_TAG} {stamp} +pypi::{n}=={v}" for n, v in added]
    return "\n".join(lines) + "\n"


def append_pip_record(prefix: Path, cmd: str, added: list[tuple[str, str]],
                      removed: list[tuple[str, str]], when: _dt.datetime | None = None) -> str:
    """Append one pip run to the history with a single O_APPEND write; returns the text.

    Why append rather than base/files.py's atomic_write (rewrite + rename): conda itself
    appends to this file, so a rewrite could drop a block conda appends meanwhile, and it
    would replace the inode (losing hard links and the file's owner on shared installs). One
    ``write()`` of a small buffer on an O_APPEND descriptor lands whole at the end of the
    file; the worst a crash can leave is a cut-off last comment line, which both conda and
    :func:`parse` skip. A missing final newline (someone else's cut-off write) is repaired
    first so our lines never glue onto another line.
    """
    text = format_pip_record(cmd, added, removed, when)
    path = history_path(prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.fstat(fd).st_size and not _ends_with_newline(path):
            text = "\n" + text
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return text


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
