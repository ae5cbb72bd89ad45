"""What conda-tuna does inside other conda commands (pre- and post-command hooks).

One entry point per hook, so the order of the checks is visible in one place. Each step is
skipped cheaply when its feature is off or the mirror is not enabled.
"""

from __future__ import annotations

from conda.base.context import context

from .pypi import PIP_GUARDED_COMMANDS  # not the adapter: loaded only when needed


def pre_command(command: str) -> None:
    """Before create/install/update/env/search/remove: an old drop-in, the pip rule.

    Routing itself needs no step here: conda hands every request to conda-tuna's auth
    handler (routing/handler.py).
    """
    if getattr(context.plugins, "tuna_mirror_url", ""):
        _warn_old_drop_ins()
        # issue 9: the mirror's liveness check overlaps conda's start-up (best effort: a
        # failure here only means the first request waits for the check)
        from conda.exceptions import CondaError

        from .routing.handler import start_early

        try:
            start_early()
        except CondaError:
            raise
        except Exception:
            pass
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


def _warn_old_drop_ins() -> None:
    """issue 9: a conda-tuna 0.1 drop-in still rewrites channel URLs; say how to replace it.

    Reads conda's already-parsed configuration (no file access, nothing heavy imported):
    this runs before every fetching command.
    """
    from .config.names import FILE_NAME, OLD_ROUTING_KEYS

    for source, raw in context.raw_data.items():
        if str(source).endswith(FILE_NAME) and any(key in raw for key in OLD_ROUTING_KEYS):
            import sys

            from .i18n import _

            print(_("conda-tuna: {file} was written by conda-tuna 0.1 and still rewrites "
                    "channel URLs (your environments record the mirror); run `conda tuna "
                    "enable` to replace it.").format(file=source), file=sys.stderr)
