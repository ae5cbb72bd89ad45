"""What conda-tuna does inside other conda commands (pre- and post-command hooks).

One entry point per hook, so the order of the checks is visible in one place. Each step is
skipped cheaply when its feature is off or the mirror is not enabled.
"""

from __future__ import annotations

from conda.base.context import context


def pre_command(command: str) -> None:
    """Before create/install/update/env/search/remove: guard credentials, check the mirror."""
    plugins = context.plugins
    if getattr(plugins, "tuna_mirror_url", ""):
        from .credentials import install

        install()


def post_command(command: str) -> None:
    """After a command that changed environments."""
    return None
