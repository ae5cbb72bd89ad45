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


def windows() -> bool:
    """True when conda's target platform is Windows (adds pkgs/msys2 to `defaults`)."""
    return context.subdir.startswith("win-")


def env_prefix(required: bool = False) -> Path | None:
    """The environment named by -n/-p, else the active one (None when only base is active)."""
    args = context._argparse_args or {}
    if getattr(args, "name", None) or getattr(args, "prefix", None):
        return Path(context.target_prefix)
    active = os.environ.get("CONDA_PREFIX")
    if active:
        return Path(active)
    return Path(context.target_prefix) if required else None


def custom_multichannels_win() -> bool:
    """conda 26+ lets custom_multichannels['defaults'] beat default_channels; 24-25 do not."""
    from conda import __version__

    try:
        return int(__version__.split(".", 1)[0]) >= 26
    except ValueError:
        return True


def later_default_channels(own_file: Path) -> list[str]:
    """Sources read after `own_file` that set default_channels (merged with ours on conda<26)."""
    sources = list(config_sources().items())
    names = [name for name, _ in sources]
    start = names.index(str(own_file)) + 1 if str(own_file) in names else 0
    return [name for name, values in sources[start:] if values.get("default_channels")]


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
