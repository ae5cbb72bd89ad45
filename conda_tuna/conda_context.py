"""What conda-tuna needs to know from conda's configuration, in one adapter.

Everything that reads ``conda.base.context`` for the commands goes through here, so the
commands stay small and the conda API surface conda-tuna depends on is easy to see.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from conda.base.context import context

from . import config_writer
from .catalog import Mirror, mirror_for_root
from .config_writer import FILE_NAME, DropIn


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


def drop_in_path(scope: str) -> Path:
    """conda-tuna's file at `scope` (user, system or env)."""
    prefix = env_prefix() if scope == "env" else None
    directory = config_writer.drop_in_dir(
        scope, home=home(), root_prefix=Path(context.root_prefix), env_prefix=prefix
    )
    return directory / FILE_NAME


def existing_drop_ins() -> list[tuple[str, DropIn]]:
    """Every conda-tuna file on this machine's search path, in conda's reading order."""
    found: list[tuple[str, DropIn]] = []
    seen: set[Path] = set()
    for scope in ("system", "user", "env"):
        try:
            path = drop_in_path(scope)
        except Exception:  # no environment for the env scope
            continue
        if path in seen:
            continue
        seen.add(path)
        drop_in = config_writer.read(path)
        if drop_in is not None:
            found.append((scope, drop_in))
    return found


def active_mirror() -> Mirror | None:
    """The mirror conda is configured to use through conda-tuna, if any."""
    url = getattr(context.plugins, "tuna_mirror_url", "") or ""
    return mirror_for_root(url) if url else None


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


def emit_json(payload: dict[str, object]) -> None:
    """Print one JSON object, the way conda's --json output looks."""
    print(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def stdin_is_interactive() -> bool:
    return bool(sys.stdin and sys.stdin.isatty())
