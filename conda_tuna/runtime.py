"""What conda-tuna does inside other conda commands (pre- and post-command hooks).

One entry point per hook, so the order of the checks is visible in one place. Each step is
skipped cheaply when its feature is off or the mirror is not enabled.
"""

from __future__ import annotations

from conda.base.context import context

from .pypi import PIP_GUARDED_COMMANDS  # not the adapter: loaded only when needed


def pre_command(command: str) -> None:
    """Before create/install/update/env/search/remove: guard credentials, check the mirror."""
    plugins = context.plugins
    if getattr(plugins, "tuna_mirror_url", ""):
        from .routing.credentials import install

        install()
        # failover (issue 5): cached health check of the mirror; re-point if it is down
        if not context.offline and plugins.tuna_failover not in (False, "false", "False"):
            from .routing.failover import pre_command as failover_pre_command

            failover_pre_command(command)
    # conda first, then pip (issue 4): warn/refuse before conda changes an env with pip pkgs
    if command in PIP_GUARDED_COMMANDS:
        from .pypi.adapter import pre_command as pip_pre_command

        pip_pre_command(command)


def post_command(command: str) -> None:
    """After a command that changed environments."""
    # conda first, then pip (issue 4): PEP 668 marker in step with plugins.tuna_pip_policy
    if command != "search":
        from .pypi.adapter import post_command as pip_post_command

        pip_post_command(command)
