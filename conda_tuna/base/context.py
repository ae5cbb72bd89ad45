"""What conda-tuna needs to know from conda's configuration, shared by every feature.

The general questions (home, target environment, config sources, channels, platform) are
answered here; feature-specific ones live in the feature's adapter (the drop-in's path in
``config/adapter.py``, the active mirror in ``mirrors/adapter.py``). Keeping the reads of
``conda.base.context`` in few places keeps the conda API surface easy to see.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from conda.base.context import context


def home() -> Path:
    """The user's home as conda expands `~` (honours $HOME, as conda's search path does)."""
    return Path(os.path.expanduser("~"))


def env_prefix(required: bool = False) -> Path | None:
    """The environment named by -n/-p, else the active one (None when only base is active)."""
    args = context._argparse_args or {}
    if getattr(args, "name", None) or getattr(args, "prefix", None):
        return Path(context.target_prefix)
    active = os.environ.get("CONDA_PREFIX")
    if active:
        return Path(active)
    return Path(context.target_prefix) if required else None


def read_order(path: str | Path) -> int:
    """Where conda reads the config file `path` in its search path (lower = earlier).

    Mirrors ``conda.base.constants.SEARCH_PATH`` (files, and ``*.yml`` in ``condarc.d/``
    directories), expanded as conda expands it. Anything else (``envvars``, ``cmd_line``)
    comes after every file. conda merges sequence settings such as ``channel_settings`` with
    **later sources first**, and its session code keeps the last match, so the file read
    earlier wins a ``channel_settings`` tie.
    """
    from conda.base.constants import SEARCH_PATH

    text = str(path)
    if text in ("envvars", "cmd_line"):
        return len(SEARCH_PATH) + 1
    target = Path(text).expanduser().resolve()
    for index, entry in enumerate(SEARCH_PATH):
        expanded = _expand_search_entry(entry)
        if expanded is None:
            continue
        if entry.endswith("/") and target.parent == expanded:
            return index
        if target == expanded:
            return index
    return len(SEARCH_PATH)


def _expand_search_entry(entry: str) -> Path | None:
    """One SEARCH_PATH entry with $CONDA_ROOT, $CONDA_PREFIX, $CONDARC, $XDG_CONFIG_HOME and
    ~ expanded (None when the variable it needs is unset)."""
    values = {
        "$CONDA_ROOT": context.root_prefix,
        "$CONDA_PREFIX": os.environ.get("CONDA_PREFIX") or "",
        "$CONDARC": os.environ.get("CONDARC") or "",
        "$XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME") or "",
    }
    for name, value in values.items():
        if entry.startswith(name):
            if not value:
                return None
            entry = str(value) + entry[len(name):]
    return Path(os.path.expanduser(entry.rstrip("/"))).resolve()


def channel_base_urls(channel: str, subdir: str) -> list[str]:
    """The base URL(s) conda resolves `channel` to (a name, `defaults`, or a URL), for one
    subdir, credentials included (conda's own resolution: channel_alias, default_channels,
    custom_channels, ...)."""
    from conda.models.channel import Channel

    # urls() exists on Channel and MultiChannel in every conda 24-26; .channels does not
    urls = Channel(channel).urls(True, (subdir,))
    return list(dict.fromkeys(u[: -len(subdir) - 1] for u in urls if u.endswith("/" + subdir)))


def canonical_name(url: str) -> str | None:
    """The channel name conda's session code matches ``channel_settings[].channel`` against."""
    from conda.models.channel import Channel

    return Channel.from_url(url).canonical_name


def config_sources() -> dict[str, dict[str, object]]:
    """Each configuration source (file path, 'envvars', 'cmd_line') with what it sets."""
    return {str(source): dict(values) for source, values in context.collect_all().items()}


def configured_channels(exclude: Path | None = None) -> list[str]:
    """The user's own `channels` from every source but `exclude` (conda-tuna's file)."""
    channels: list[str] = []
    for source, values in config_sources().items():
        if exclude is not None and source == str(exclude):
            continue
        for channel in values.get("channels", ()) or ():
            if channel not in channels:
                channels.append(channel)
    args = context._argparse_args
    for channel in (getattr(args, "channel", None) or []) if args else []:
        if channel not in channels:
            channels.append(channel)
    return channels


def stdin_is_interactive() -> bool:
    return bool(sys.stdin and sys.stdin.isatty())
